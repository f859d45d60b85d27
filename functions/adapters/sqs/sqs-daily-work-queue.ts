/** Spreads the daily run's shard work over a queue, so each shard runs in its own invocation. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DailyWork, DailyWorkQueue } from '../../domain/daily/daily-run-ports';
import { sendInBatches } from './send-in-batches';

export class SqsDailyWorkQueue implements DailyWorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(work: readonly DailyWork[]): Promise<void> {
    const bodies = work.map((item) =>
      JSON.stringify({
        ...item,
        now: item.now.toISOString(),
        cutoffs: item.cutoffs.map((cutoff) => cutoff.toISOString()),
      }),
    );
    await sendInBatches(this.client, this.queueUrl, bodies, 'daily run shards');
  }
}
