/** A fresh usage queue with its dead-letter queue on the run's SQS emulator, one pair per test file. */
import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../functions/adapters/sqs/client';
import { type QueuePairOptions, type QueuePair, createQueuePair } from '../../local/queue-pair';

export interface TestQueues extends QueuePair {
  readonly client: SQSClient;
  drop(): Promise<void>;
}

/** A short visibility timeout, so that tests of redelivery wait one second, not thirty. */
export const TEST_QUEUE_OPTIONS: QueuePairOptions = { maxReceiveCount: 3, visibilityTimeoutSeconds: 1 };

export async function createTestQueues(options: Partial<QueuePairOptions> = {}): Promise<TestQueues> {
  const endpoint = process.env.SQS_ENDPOINT;
  if (endpoint === undefined) throw new Error('SQS_ENDPOINT is not set: run integration tests through jest');
  const client = createSqsClient(endpoint);
  const suffix = randomUUID();
  const queues = await createQueuePair(
    client,
    { queue: `usage-${suffix}`, deadLetterQueue: `usage-dlq-${suffix}` },
    { ...TEST_QUEUE_OPTIONS, ...options },
  );
  return {
    client,
    ...queues,
    drop: async () => {
      await Promise.all(
        [queues.queueUrl, queues.deadLetterQueueUrl].map((QueueUrl) =>
          client.send(new DeleteQueueCommand({ QueueUrl })),
        ),
      );
      client.destroy();
    },
  };
}
