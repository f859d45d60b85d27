/**
 * The monthly run's pieces of work run in the calling process as they are queued, each to
 * the end of its shard: for a caller that drains no monthly work queue, such as the
 * simulator, whose monthly run then starts, catches up and completes in one call.
 */
import type { MonthlyWork, MonthlyWorkQueue } from '../domain/monthly/monthly-run-ports';
import { type MonthlyRunDependencies, runMonthlyPiece } from '../domain/monthly/monthly-run';

export class InlineMonthlyWork implements MonthlyWorkQueue {
  /** `deps` is asked for at each piece: the dependencies hold this queue. */
  constructor(private readonly deps: () => MonthlyRunDependencies) {}

  async enqueue(work: readonly MonthlyWork[]): Promise<void> {
    for (const piece of work) await runMonthlyPiece(piece, this.deps(), () => true);
  }
}
