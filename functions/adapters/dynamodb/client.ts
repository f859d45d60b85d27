/** The DynamoDB document client, created once per process and shared by the repositories. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbClientOptions {
  /** Set locally and in tests (DynamoDB Local); in AWS the regional endpoint is used. */
  readonly endpoint?: string;
  readonly region?: string;
}

export function createDocumentClient(options: DynamoDbClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && {
      endpoint: options.endpoint,
      // DynamoDB Local accepts any credentials; never let a local run pick up real ones.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      region: options.region ?? 'us-east-1',
    }),
    // Standard retries with backoff cover throttling and 5xx; transactions lost to
    // contention are retried where they are written (transactions.ts).
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: false, convertEmptyValues: false },
  });
}
