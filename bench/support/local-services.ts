/**
 * DynamoDB Local (in memory) and the SQS emulator for one benchmark run, with the billing
 * table and the queues the ingestion wiring needs. `stop` ends both; a last-resort exit
 * hook kills the JVM should the process end without calling it.
 */
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client';
import { createSqsClient } from '../../functions/adapters/sqs/client';
import { createBillingTable } from '../../local/create-tables';
import { type RunningDynamoDbLocal, killOnExit, startDynamoDbLocal } from '../../local/dynamodb-local';
import { type RunningSqsEmulator, startSqsEmulator } from '../../local/sqs-emulator';
import { createQueuePair } from '../../local/queue-pair';

export interface LocalServices {
  readonly dynamoDbEndpoint: string;
  /** The JVM running DynamoDB Local. */
  readonly dynamoDbPid: number;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly usageQueueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly rechargeQueueUrl: string;
  stop(): Promise<void>;
}

export const TABLE_NAME = 'billing-bench';

export async function startLocalServices(): Promise<LocalServices> {
  const [dynamoDb, sqs] = await Promise.allSettled([startDynamoDbLocal(), startSqsEmulator()]);
  const started = [dynamoDb, sqs].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = () => stopAll(started);
  if (dynamoDb.status === 'fulfilled') killOnExit(dynamoDb.value);
  if (dynamoDb.status === 'rejected' || sqs.status === 'rejected') {
    await stop();
    throw dynamoDb.status === 'rejected' ? dynamoDb.reason : (sqs as PromiseRejectedResult).reason;
  }
  try {
    return { ...(await createResources(dynamoDb.value, sqs.value)), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createResources(dynamoDb: RunningDynamoDbLocal, sqs: RunningSqsEmulator) {
  const documents = createDocumentClient({ endpoint: dynamoDb.endpoint });
  const queues = createSqsClient(sqs.endpoint);
  try {
    await createBillingTable(documents, TABLE_NAME);
    const usage = await createQueuePair(
      queues,
      { queue: 'usage-bench', deadLetterQueue: 'usage-bench-dlq' },
      { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 },
    );
    return {
      dynamoDbEndpoint: dynamoDb.endpoint,
      dynamoDbPid: dynamoDb.pid,
      sqsEndpoint: sqs.endpoint,
      tableName: TABLE_NAME,
      usageQueueArn: usage.queueArn,
      deadLetterQueueUrl: usage.deadLetterQueueUrl,
      rechargeQueueUrl: await createQueue(queues, 'recharge-bench'),
    };
  } finally {
    documents.destroy();
    queues.destroy();
  }
}

async function createQueue(client: SQSClient, name: string): Promise<string> {
  const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name }));
  if (url === undefined) throw new Error(`CreateQueue returned no URL for ${name}`);
  return url;
}

async function stopAll(services: readonly { stop(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled(services.map((service) => service.stop()));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
