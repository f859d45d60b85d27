/**
 * The daily run of docs/contract.md §6. `startDailyRun` records the day's run once and spreads
 * the work over the shards of the attention index; `runDailyShard` visits the partners
 * of one shard that need action, page by page, and hands back a cursor when its time is
 * up. For each partner: publish the balance as of every cut-off it has not seen, retry a
 * due charge once a day, block it if it has been below 0 for 7 days, and take it out of
 * the index when nothing is left to do; then close the partner's months that are over
 * (docs/contract.md §15). After the partners, each shard closes the months over that its
 * list still holds, for partners quiet since. A closed account (docs/contract.md §13) is
 * only published: never charged, made overdue or blocked.
 *
 * A partner whose work fails deterministically is recorded and skipped, and stays in the
 * index for the next run; a charge retry that fails so does not keep the partner from
 * being blocked on time. A transient failure fails the shard's work item, as before.
 */
import type { DomainEvent } from '../events';
import { formatAmount } from '../money';
import { overdueVerdict } from '../overdue-rules';
import type { PartnerAccount } from '../partner';
import { retryDueLicenseFees } from '../monthly/license-fees';
import type { LicenseFeeRepository } from '../monthly/license-ports';
import { type PartnerFailure, awaitAll, isolate } from '../partner-failure';
import {
  type RechargeDependencies,
  type RechargeResult,
  chargeDue,
  rechargePartner,
} from '../recharge/recharge-partner';
import { chargeableCard } from '../recharge/decline-policy';
import { type RefundDependencies, resumeOperatorRefund } from '../money-back/refund-balance';
import { overdueEvent } from '../usage/balance-follow-up';
import type { MonthBooks } from '../statements/month-book-ports';
import { monthOfRun, settleMonths } from '../statements/close-months';
import {
  type DailyRunRepository,
  type DailyWork,
  type DailyWorkQueue,
  type Day,
  type Snapshot,
  dayOf,
} from './daily-run-ports';

export interface DailyRunDependencies
  extends RechargeDependencies,
    Omit<RefundDependencies, keyof RechargeDependencies> {
  readonly runs: DailyRunRepository;
  readonly work: DailyWorkQueue;
  readonly licenses: LicenseFeeRepository;
  /** Months of figures, closed by the first run of the month after (docs/contract.md §15). */
  readonly months: MonthBooks;
}

/** Partners visited at once within a shard: enough to hide latency, few enough to stay under table limits. */
export const PARTNERS_PER_PAGE = 25;

export interface DailyRunStart {
  readonly day: Day;
  readonly state: 'started' | 'resumed' | 'already-completed';
  readonly cutoffs: readonly Date[];
}

export async function startDailyRun(scheduledAt: Date, deps: DailyRunDependencies): Promise<DailyRunStart> {
  const day = dayOf(scheduledAt);
  const run = await deps.runs.beginRun(day, scheduledAt);
  if (run.state === 'completed') return { day, state: 'already-completed', cutoffs: run.cutoffs };
  const shards = Array.from(
    { length: deps.runs.shards },
    (_, shard): DailyWork => ({ day, now: scheduledAt, cutoffs: run.cutoffs, shard }),
  );
  await deps.work.enqueue(shards);
  return { day, state: run.state === 'new' ? 'started' : 'resumed', cutoffs: run.cutoffs };
}

export interface PartnerDay {
  readonly published: boolean;
  /** Below 0 and not blocked after this run. */
  readonly overdue: boolean;
  /** The charge retried today, if one was. */
  readonly charge?: RechargeResult;
  readonly blocked: boolean;
  /** A step that failed deterministically; the partner stays in the index for the next run. */
  readonly failure?: PartnerFailure;
}

export interface ShardProgress {
  readonly visited: number;
  /** Partners whose earlier months this shard closed from its list of months to close. */
  readonly monthsClosed: number;
  readonly published: number;
  readonly retried: number;
  readonly blocked: number;
  readonly overdue: number;
  readonly charges: readonly RechargeResult[];
  /** Partners whose work failed deterministically: skipped by this run, visited again by the next. */
  readonly failures: readonly PartnerFailure[];
  /** Set when the shard is not finished: where the next invocation picks up. */
  readonly continueFrom?: string;
  /** The whole run finished with this shard. */
  readonly runCompleted: boolean;
}

export async function runDailyShard(
  work: DailyWork,
  deps: DailyRunDependencies,
  hasTimeLeft: () => boolean,
  pageSize = PARTNERS_PER_PAGE,
): Promise<ShardProgress> {
  const totals = {
    visited: 0,
    monthsClosed: 0,
    published: 0,
    retried: 0,
    blocked: 0,
    overdue: 0,
    charges: [] as RechargeResult[],
    failures: [] as PartnerFailure[],
  };
  // A continuation of the months to close has the partners and license fees behind it.
  if (work.monthsCursor === undefined) {
    let cursor = work.cursor;
    do {
      const page = await deps.runs.attentionPage(work.shard, cursor, pageSize);
      const settled = await awaitAll(
        page.partnerIds.map((partnerId) =>
          isolate(partnerId, 'daily-run', () => settlePartnerDay(partnerId, work, deps)),
        ),
      );
      totals.visited += settled.length;
      for (const outcome of settled) {
        if (!outcome.ok) {
          totals.failures.push(outcome.failure);
          continue;
        }
        const result = outcome.value;
        if (result.failure !== undefined) totals.failures.push(result.failure);
        if (result.published) totals.published += 1;
        if (result.charge !== undefined) {
          totals.retried += 1;
          totals.charges.push(result.charge);
        }
        if (result.blocked) totals.blocked += 1;
        if (result.overdue) totals.overdue += 1;
      }
      cursor = page.nextCursor;
      if (cursor !== undefined && !hasTimeLeft()) {
        await deps.work.enqueue([{ ...work, cursor }]);
        return { ...totals, continueFrom: cursor, runCompleted: false };
      }
    } while (cursor !== undefined);
    // Monthly license fees that were declined are retried daily, like recharges.
    for (const result of await retryDueLicenseFees(work.shard, work.day, deps)) {
      if (result.outcome === 'failed') totals.failures.push(result.failure);
    }
  }
  // Months over that partners quiet since left open: closed now, with their StatementReady.
  let monthsCursor = work.monthsCursor;
  do {
    const page = await deps.months.duePage(work.shard, monthOfRun(work.cutoffs), monthsCursor, pageSize);
    const settled = await awaitAll(
      page.partnerIds.map((partnerId) =>
        isolate(partnerId, 'month-close', () => settleMonths(partnerId, work, deps.months)),
      ),
    );
    for (const outcome of settled) {
      if (outcome.ok) totals.monthsClosed += 1;
      else totals.failures.push(outcome.failure);
    }
    monthsCursor = page.nextCursor;
    if (monthsCursor !== undefined && !hasTimeLeft()) {
      const { cursor: _done, ...rest } = work;
      await deps.work.enqueue([{ ...rest, monthsCursor }]);
      return { ...totals, continueFrom: monthsCursor, runCompleted: false };
    }
  } while (monthsCursor !== undefined);
  const last = await deps.runs.finishShard(work.day, work.shard);
  if (last) await deps.runs.completeRun(work.day, deps.clock.now());
  return { ...totals, runCompleted: last };
}

export async function settlePartnerDay(
  partnerId: string,
  work: DailyWork,
  deps: DailyRunDependencies,
): Promise<PartnerDay> {
  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) return { published: false, overdue: false, blocked: false };

  // 1. Publish the balance as of each cut-off this partner has not been published for.
  const unpublished = work.cutoffs.filter(
    (cutoff) => account.publishedBalance === undefined || account.publishedBalance.asOf < cutoff,
  );
  const asOf = await deps.runs.balancesAsOf(partnerId, unpublished.length > 0 ? unpublished : work.cutoffs);
  let published = false;
  if (unpublished.length > 0) {
    const snapshots = unpublished.map((cutoff, index) => ({
      day: dayOf(cutoff),
      cutoff,
      balance: asOf.balances[index] ?? account.liveBalance,
    }));
    const latest = snapshots[snapshots.length - 1] as Snapshot;
    published = await deps.runs.publish(partnerId, snapshots, {
      type: 'DailyBalancePublished',
      time: work.now,
      detail: {
        partnerId,
        currency: account.currency,
        balance: formatAmount(latest.balance),
        balanceAsOf: latest.cutoff.toISOString(),
        days: snapshots.map((snapshot) => snapshot.day),
      },
    });
  }

  // 2. Retry a due charge, once a day: a failed one, one whose answer was lost, or one that
  // never started. A charge that cannot be made (its amount cannot be worked out, the
  // provider refuses the request) is this step's failure: the sweep below still runs.
  const retry = await isolate(partnerId, 'charge-retry', async () => {
    // Nothing due, no card the decline policy lets us charge, or a closed account (never
    // charged again): no retry, and no claim written for one. An attempt still open is resumed.
    const idle =
      account.status === 'closed' || chargeDue(account).kind === 'none' || chargeableCard(account) === undefined;
    if (account.chargeInFlight === undefined && idle) return undefined;
    if (!(await deps.runs.claimDailyRetry(partnerId, work.day))) return undefined;
    return rechargePartner(partnerId, 'daily-run', deps);
  });
  const charge = retry.ok ? retry.value : undefined;

  // 2b. Finish an operator refund whose provider answer was lost (docs/contract.md §13): its
  // parts are sent again with their own keys, so nothing is refunded twice.
  const refundInFlight = account.refundInFlight;
  const refund =
    refundInFlight === undefined
      ? undefined
      : await isolate(partnerId, 'refund-resume', () => resumeOperatorRefund(partnerId, refundInFlight, deps));

  // 3. The overdue sweep, on the balance after the retry.
  const current = (await deps.ledger.getPartner(partnerId)) ?? account;
  const closed = current.status === 'closed';
  const sweep = closed ? { blocked: false, overdue: false } : await sweepOverdue(current, work.now, deps);

  // 4. Nothing left to do until the balance moves again: leave the index. Only if nothing
  // was posted since the latest cut-off (tomorrow's run must publish that), and only at
  // the version that was seen quiet: a posting racing this run keeps the partner in. A
  // partner whose charge retry failed stays in, for tomorrow's run to try again. A closed
  // account has nothing to settle but an attempt it still holds, whatever its balance.
  const settled =
    retry.ok &&
    refund?.ok !== false &&
    current.chargeInFlight === undefined &&
    current.refundInFlight === undefined &&
    (closed || (current.liveBalance >= 0 && chargeDue(current).kind === 'none'));
  if (asOf.quietSinceLatest && current.version === asOf.version && settled) {
    await deps.runs.releaseAttention(partnerId, asOf.version);
  }

  // 5. Close the months before the run's (their balances are published now) with their
  // StatementReady, and list the running month to be closed after its end.
  const months = await isolate(partnerId, 'month-close', () => settleMonths(partnerId, work, deps.months));
  return {
    published,
    ...sweep,
    ...(charge !== undefined && { charge }),
    ...(!retry.ok && { failure: retry.failure }),
    ...(refund !== undefined && !refund.ok && { failure: refund.failure }),
    ...(!months.ok && { failure: months.failure }),
  };
}

/**
 * The 7-day rule on a partner that is not closed: blocks it (and its channels) when due,
 * or starts a clock a crash never started.
 */
async function sweepOverdue(
  current: PartnerAccount,
  now: Date,
  deps: DailyRunDependencies,
): Promise<{ readonly blocked: boolean; readonly overdue: boolean }> {
  const { partnerId } = current;
  const verdict = overdueVerdict(current.liveBalance, current.overdueSince, now);
  let blocked = false;
  if (verdict === 'block' && current.status !== 'blocked' && current.overdueSince !== undefined) {
    blocked = await deps.runs.block(
      partnerId,
      current.overdueSince,
      now,
      blockedEvent(current, current.overdueSince, now),
    );
  }
  if (blocked || (current.status === 'blocked' && verdict === 'block')) {
    // Also for a partner blocked before: a crash between blocking and this step is healed by the next run.
    await deps.channels.setBlocked(partnerId, true);
  } else if (verdict === 'overdue' && current.overdueSince === undefined) {
    // A crash right after the debit never started the clock: it starts now, never earlier.
    await deps.ledger.startOverdueClock(partnerId, now, overdueEvent(current, now));
  }
  return { blocked, overdue: !blocked && verdict !== 'in-good-standing' && current.status !== 'blocked' };
}

/** `PartnerBlocked`: the partner's balance has been below 0 since `overdueSince`, and it is blocked at `at`. */
export function blockedEvent(account: PartnerAccount, overdueSince: Date, at: Date): DomainEvent {
  return {
    type: 'PartnerBlocked',
    time: at,
    detail: {
      partnerId: account.partnerId,
      currency: account.currency,
      liveBalance: formatAmount(account.liveBalance),
      overdueSince: overdueSince.toISOString(),
      blockedAt: at.toISOString(),
    },
  };
}
