/** Sends messages to a queue ten at a time, the most SendMessageBatch takes, and fails if any was refused. */
import { type SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';

const MESSAGES_PER_BATCH = 10;

export async function sendInBatches(
  client: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  /** What the messages are, for the error: "daily run shards". */
  what: string,
): Promise<void> {
  for (let start = 0; start < bodies.length; start += MESSAGES_PER_BATCH) {
    const entries = bodies
      .slice(start, start + MESSAGES_PER_BATCH)
      .map((body, index) => ({ Id: String(index), MessageBody: body }));
    const { Failed: failed = [] } = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    if (failed.length > 0)
      throw new Error(`could not queue ${failed.length} ${what}: ${failed.map((entry) => entry.Message).join('; ')}`);
  }
}
