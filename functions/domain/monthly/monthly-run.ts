/**
 * The monthly run: on the 1st at 00:00 UTC ("now" is the scheduled event's time) every
 * licensed partner is charged its license fee for the month that starts (license-fees.ts).
 *
 * `startMonthlyRun` records the month's run and queues one piece of work per shard of the
 * licensed list. It also catches up: every month after the last one whose run completed
 * (at most MAX_CATCH_UP_MONTHS) is run too, each month's numbers counted at its own first
 * instant and charged at its own price list. The pieces carry every month to run, and
 * charge each partner's months in turn, oldest first, as the daily retry does: a card
 * declined hard for one month is never charged for the next. A month charges each
 * partner once, whichever run or piece gets to it (the fee's record).
 *
 * `runMonthlyPiece` charges the partners of one shard a page at a time, the page's
 * partners at once, and queues the rest of the shard as a new piece when its time is up.
 * It adds its figures to each month's record; the piece that finishes a month's last
 * shard completes its run with its duration. A partner whose fee fails deterministically
 * is counted and skipped (docs/architecture.md, "Isolation"); a transient failure fails
 * the piece, which is delivered again and charges nobody twice.
 */
import { type Month, monthOf, monthRange } from '../month';
import { awaitAll } from '../partner-failure';
import { feesFor } from './license-fee';
import { type LicenseChargeDependencies, type LicenseFeeResult, chargeLicenseFee, isolated } from './license-fees';
import type { MonthRun, MonthlyRunRepository, MonthlyWork, MonthlyWorkQueue, PieceTally } from './monthly-run-ports';

export interface MonthlyRunDependencies extends LicenseChargeDependencies {
  readonly runs: MonthlyRunRepository;
  readonly work: MonthlyWorkQueue;
}

/** Partners charged at once within a piece: a few, so that the card provider's rate limit holds over every piece in flight. */
export const PARTNERS_CHARGED_AT_ONCE = 10;

/** A start catches up at most this many months, its own included; older gaps need an operator. */
export const MAX_CATCH_UP_MONTHS = 12;

export interface MonthlyRunStart {
  readonly period: Month;
  /** The months this start ran or found completed, oldest first; `period` last. */
  readonly months: readonly MonthRun[];
}

export async function startMonthlyRun(scheduledAt: Date, deps: MonthlyRunDependencies): Promise<MonthlyRunStart> {
  const period = monthOf(scheduledAt);
  const months = monthsToRun(await deps.runs.lastCompletedMonth(), period);
  // A month without a price list is refused before anything is recorded or charged.
  for (const month of months) feesFor(deps.fees, month);
  const runs = await deps.runs.beginRun(period, months, deps.clock.now());
  const periods = runs.filter((run) => run.state !== 'completed').map((run) => run.period);
  if (periods.length > 0)
    await deps.work.enqueue(Array.from({ length: deps.runs.shards }, (_, shard): MonthlyWork => ({ periods, shard })));
  return { period, months: runs };
}

/** Every month after `lastCompleted` up to `period`, oldest first, at most MAX_CATCH_UP_MONTHS; at least `period`. */
export function monthsToRun(lastCompleted: Month | undefined, period: Month): Month[] {
  const months: Month[] = [period];
  while (lastCompleted !== undefined && months.length < MAX_CATCH_UP_MONTHS) {
    const before = monthOf(new Date(monthRange(months[0] as Month).start.getTime() - 1));
    if (before <= lastCompleted) break;
    months.unshift(before);
  }
  return months;
}

export interface MonthlyPieceProgress {
  /** Every month's result of every partner of the piece. */
  readonly results: readonly LicenseFeeResult[];
  /** Set when the shard is not finished: where the next piece picks up. */
  readonly continueFrom?: string;
  /** The months whose run finished with this piece, and how long each took from its start. */
  readonly completed: readonly { readonly period: Month; readonly seconds: number }[];
}

export async function runMonthlyPiece(
  work: MonthlyWork,
  deps: MonthlyRunDependencies,
  hasTimeLeft: () => boolean,
  pageSize = PARTNERS_CHARGED_AT_ONCE,
): Promise<MonthlyPieceProgress> {
  const months = work.periods.map((period) => ({ period, at: monthRange(period).start }));
  const results: LicenseFeeResult[] = [];
  let cursor = work.cursor;
  do {
    const page = await deps.licenses.licensedPage(work.shard, cursor, pageSize);
    const charges = page.partnerIds.map(async (partnerId) => {
      const partnerResults: LicenseFeeResult[] = [];
      for (const month of months) {
        partnerResults.push(
          await isolated(partnerId, month.period, 'license-fee', () => chargeLicenseFee(partnerId, month, deps)),
        );
      }
      return partnerResults;
    });
    results.push(...(await awaitAll(charges)).flat());
    cursor = page.nextCursor;
  } while (cursor !== undefined && hasTimeLeft());

  // The rest of the shard is queued before this piece is recorded and acknowledged: a
  // crash in between repeats this piece, never loses the rest.
  if (cursor !== undefined) await deps.work.enqueue([{ ...work, cursor }]);
  const completed: { period: Month; seconds: number }[] = [];
  for (const { period } of months) {
    const tally = tallyOf(results.filter((result) => result.period === period));
    const recorded = await deps.runs.recordPiece(period, work.shard, cursor === undefined, tally);
    if (!recorded.lastShard) continue;
    const completedAt = deps.clock.now();
    if (await deps.runs.completeRun(period, recorded.startedAt, completedAt))
      completed.push({ period, seconds: (completedAt.getTime() - recorded.startedAt.getTime()) / 1000 });
  }
  return { results, ...(cursor !== undefined && { continueFrom: cursor }), completed };
}

function tallyOf(results: readonly LicenseFeeResult[]): PieceTally {
  const count = (...outcomes: LicenseFeeResult['outcome'][]) =>
    results.filter((result) => outcomes.includes(result.outcome)).length;
  return {
    visited: results.length,
    charged: count('succeeded'),
    declined: count('declined', 'no-chargeable-card'),
    unknown: count('unknown'),
    failed: count('failed'),
  };
}
