/** What the monthly run needs from storage and from the queue that spreads its work. */
import type { Month } from '../month';

/**
 * One piece of the run's work: the licensed partners of one shard, from `cursor` on, each
 * charged the fee of every month of `periods` in turn (oldest first: a month caught up,
 * then the month that starts). A piece that runs out of time queues the rest of its shard
 * as another piece.
 */
export interface MonthlyWork {
  readonly periods: readonly Month[];
  readonly shard: number;
  readonly cursor?: string;
}

export interface MonthlyWorkQueue {
  enqueue(work: readonly MonthlyWork[]): Promise<void>;
}

/**
 * Where a month's run stands. `new`: recorded by this start; `running`: recorded before and
 * not finished (its pieces are queued again); `reopened`: finished with partners whose fee
 * failed before its record, and run again; `completed`: finished, nothing to run.
 */
export type MonthRunState = 'new' | 'running' | 'reopened' | 'completed';

export interface MonthRun {
  readonly period: Month;
  readonly state: MonthRunState;
}

/** What the partners of a piece came to, added to the month's record. */
export interface PieceTally {
  readonly visited: number;
  readonly charged: number;
  readonly declined: number;
  readonly unknown: number;
  /** Failed deterministically: skipped by this run, reported one by one. */
  readonly failed: number;
}

export interface RecordedPiece {
  /** This piece finished its shard, and every shard of the month is finished. */
  readonly lastShard: boolean;
  /** When the month's run was started (or reopened): its duration runs from here. */
  readonly startedAt: Date;
}

export interface MonthlyRunRepository {
  /** The work of a month is spread over this many shards, one piece of work each at least. */
  readonly shards: number;
  /** The latest month whose run completed, the catch-up point; undefined before the first. */
  lastCompletedMonth(): Promise<Month | undefined>;
  /**
   * Records the run of each month of `months` (oldest first, `period` last) that has no
   * record yet, started by the run of `period`; a month whose run completed with failed
   * partners is reopened when it is `period` itself. Answers where each month stands.
   */
  beginRun(period: Month, months: readonly Month[], startedAt: Date): Promise<readonly MonthRun[]>;
  /** Adds a piece's figures to its month's record, and its shard to the finished ones when `finished`. */
  recordPiece(period: Month, shard: number, finished: boolean, tally: PieceTally): Promise<RecordedPiece>;
  /**
   * Marks the month's run completed with its duration and moves the catch-up point; false
   * when it was completed already (a piece delivered twice).
   */
  completeRun(period: Month, startedAt: Date, completedAt: Date): Promise<boolean>;
}
