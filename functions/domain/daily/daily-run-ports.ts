/** What the daily run needs from storage and from the queue that spreads its work. */
import type { Micros } from '../money';
import type { DomainEvent } from '../events';

/** A UTC day, YYYY-MM-DD; its cut-off is 00:00 UTC of that day. */
export type Day = string;

export interface Snapshot {
  readonly day: Day;
  readonly cutoff: Date;
  readonly balance: Micros;
}

export interface BalancesAsOf {
  /** One per cut-off, in the same order. */
  readonly balances: readonly Micros[];
  /** The partner's version at that moment. */
  readonly version: number;
  /** Nothing was posted at or after the latest of the cut-offs. */
  readonly quietSinceLatest: boolean;
}

export interface RunStart {
  readonly state: 'new' | 'running' | 'completed';
  /** The cut-offs this run publishes: every day since the last completed run, oldest first. */
  readonly cutoffs: readonly Date[];
}

export interface DailyRunRepository {
  readonly shards: number;
  /** Records the run of `day` once; a repeat finds it running or completed, with the same cut-offs. */
  beginRun(day: Day, startedAt: Date): Promise<RunStart>;
  /** Notes a finished shard; true when it was the last one of the run. */
  finishShard(day: Day, shard: number): Promise<boolean>;
  completeRun(day: Day, completedAt: Date): Promise<void>;
  attentionPage(
    shard: number,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ partnerIds: readonly string[]; nextCursor?: string }>;
  /** The balance at each cut-off (live balance minus what was posted since), read as of one moment. */
  balancesAsOf(partnerId: string, cutoffs: readonly Date[]): Promise<BalancesAsOf>;
  /** Writes the snapshots, the published balance and its event; false if a run published them already. */
  publish(partnerId: string, snapshots: readonly Snapshot[], event: DomainEvent): Promise<boolean>;
  /** Claims the day's one charge retry for the partner; false if it was claimed already. */
  claimDailyRetry(partnerId: string, day: Day): Promise<boolean>;
  /** Blocks a partner still negative with this clock, not yet blocked and not closed, with its event; false otherwise. */
  block(partnerId: string, overdueSince: Date, at: Date, event: DomainEvent): Promise<boolean>;
  /** Takes the partner out of the attention index unless a posting moved it since `version`. */
  releaseAttention(partnerId: string, version: number): Promise<boolean>;
  historyPage(
    partnerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ snapshots: readonly Snapshot[]; nextCursor?: string }>;
}

export interface DailyWork {
  readonly day: Day;
  /** The run's "now": the scheduled event's time. */
  readonly now: Date;
  readonly cutoffs: readonly Date[];
  readonly shard: number;
  readonly cursor?: string;
  /** Set once the shard's partners are done: where its list of months to close picks up. */
  readonly monthsCursor?: string;
}

export interface DailyWorkQueue {
  enqueue(work: readonly DailyWork[]): Promise<void>;
}

export function dayOf(time: Date): Day {
  return time.toISOString().slice(0, 10);
}

export function cutoffOf(day: Day): Date {
  return new Date(`${day}T00:00:00.000Z`);
}
