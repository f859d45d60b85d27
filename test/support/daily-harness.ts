/**
 * The recharge harness plus the daily run: its repository on the same table, and a work
 * queue the test drains by running each shard's work to completion.
 */
import { DynamoDbDailyRunRepository } from '../../functions/adapters/dynamodb/daily-run-repository';
import type { DailyWork, DailyWorkQueue } from '../../functions/domain/daily/daily-run-ports';
import {
  type DailyRunDependencies,
  type ShardProgress,
  runDailyShard,
  startDailyRun,
} from '../../functions/domain/daily/daily-run';
import { wireDailyRun } from '../../functions/wiring/recharge';
import type { CardProvider } from '../../functions/domain/card-provider';
import type { RechargeHarness } from './recharge-harness';

class QueuedWork implements DailyWorkQueue {
  readonly pending: DailyWork[] = [];

  async enqueue(work: readonly DailyWork[]): Promise<void> {
    this.pending.push(...work);
  }
}

export class DailyHarness {
  readonly queue = new QueuedWork();
  readonly runs: DynamoDbDailyRunRepository;
  readonly deps: DailyRunDependencies;

  constructor(
    readonly recharge: RechargeHarness,
    provider: CardProvider = recharge.provider,
  ) {
    this.runs = new DynamoDbDailyRunRepository(recharge.table.client, recharge.table.tableName);
    // The run's own ports, with the recharge harness's fault points around them.
    this.deps = wireDailyRun({ ...recharge.wiring, provider, work: this.queue });
  }

  /** Runs the daily run scheduled at 00:00 UTC of `day` to completion; returns each shard's progress. */
  async runDay(
    day: string,
    options: { pagesPerInvocation?: number; pageSize?: number } = {},
  ): Promise<ShardProgress[]> {
    const scheduledAt = new Date(`${day}T00:00:00Z`);
    this.recharge.clock.set(scheduledAt);
    await startDailyRun(scheduledAt, this.deps);
    const progress: ShardProgress[] = [];
    for (let work = this.queue.pending.shift(); work !== undefined; work = this.queue.pending.shift()) {
      let pages = 0;
      const morePages = () => {
        pages += 1;
        return pages < (options.pagesPerInvocation ?? Infinity);
      };
      progress.push(await runDailyShard(work, this.deps, morePages, options.pageSize));
    }
    return progress;
  }
}
