/**
 * The 7-day rule of docs/contract.md §6: a partner whose balance went below 0 at `t` (when
 * the debit was processed) and is still below 0 is blocked by the first daily run with
 * `now - t >= 7 days`.
 */
import type { Micros } from './money';

export const BLOCKING_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

export function blockingDueAt(overdueSince: Date): Date {
  return new Date(overdueSince.getTime() + BLOCKING_GRACE_MS);
}

export function isDueForBlocking(overdueSince: Date, now: Date): boolean {
  return now.getTime() >= blockingDueAt(overdueSince).getTime();
}

export type OverdueVerdict = 'in-good-standing' | 'overdue' | 'block';

/**
 * What the overdue sweep does with a partner at `now`: a balance back at >= 0 is in
 * good standing whatever the clock says; a negative one is blocked once the grace ran
 * out. A negative balance whose clock was never started (a crash right after the debit)
 * is overdue, not blocked: the clock starts when that is noticed, never earlier.
 */
export function overdueVerdict(liveBalance: Micros, overdueSince: Date | undefined, now: Date): OverdueVerdict {
  if (liveBalance >= 0) return 'in-good-standing';
  if (overdueSince === undefined) return 'overdue';
  return isDueForBlocking(overdueSince, now) ? 'block' : 'overdue';
}
