/** Spreads the monthly run's pieces of work over a queue, so each piece runs in its own invocation. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MonthlyWork, MonthlyWorkQueue } from '../../domain/monthly/monthly-run-ports';
import { sendInBatches } from './send-in-batches';

export class SqsMonthlyWorkQueue implements MonthlyWorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(work: readonly MonthlyWork[]): Promise<void> {
    const bodies = work.map((piece) => JSON.stringify(piece));
    await sendInBatches(this.client, this.queueUrl, bodies, 'monthly run pieces');
  }
}
