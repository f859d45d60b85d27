/** The SQS client, created once per process and shared by the queue adapters. */
import { SQSClient } from '@aws-sdk/client-sqs';

/** `endpoint` is set locally and in tests (the SQS emulator); in AWS the regional endpoint is used. */
export function createSqsClient(endpoint?: string): SQSClient {
  return new SQSClient({
    ...(endpoint !== undefined && {
      // With an explicit endpoint the SDK sends every request there, not to the host in the queue URL.
      endpoint,
      // The emulator accepts any credentials; never let a local run pick up real ones.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      region: 'us-east-1',
    }),
    // Standard retries with backoff cover throttling and 5xx.
    maxAttempts: 5,
  });
}
