/** Spreads the daily run's shard work over a queue, so each shard runs in its own invocation. */
import { type SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { DailyWork, DailyWorkQueue } from '../../domain/daily/daily-run-ports';

/** SendMessageBatch takes at most 10 messages. */
const MESSAGES_PER_BATCH = 10;

export class SqsDailyWorkQueue implements DailyWorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(work: readonly DailyWork[]): Promise<void> {
    for (let start = 0; start < work.length; start += MESSAGES_PER_BATCH) {
      const entries = work.slice(start, start + MESSAGES_PER_BATCH).map((item, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify({
          ...item,
          now: item.now.toISOString(),
          cutoffs: item.cutoffs.map((cutoff) => cutoff.toISOString()),
        }),
      }));
      const { Failed: failed = [] } = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      if (failed.length > 0) {
        throw new Error(
          `could not queue ${failed.length} daily run shards: ${failed.map((entry) => entry.Message).join('; ')}`,
        );
      }
    }
  }
}
