/**
 * The monthly cap on automatic recharges (docs/contract.md §14), as pure rules: the credits
 * of automatic charges in a UTC month never exceed `rechargeSettings.monthlyLimit`. What
 * counts is kept on the partner (`automaticCredits`), moved in the same write as each
 * credit that counts; a month the partner has not been credited in yet starts at 0.
 */
import { type Micros, ZERO, add } from '../money';
import { monthOf } from '../month';
import type { AutomaticCredits, PartnerAccount } from '../partner';
import type { ChargeAttempt } from './charge-attempt';

/**
 * Only recharges count: the opening charge is the account's agreed opening balance (§3),
 * and top-ups are the partner's own choice, like finance payments.
 */
export function countsTowardCap(attempt: Pick<ChargeAttempt, 'purpose'>): boolean {
  return attempt.purpose === 'recharge';
}

/** What automatic recharges credited in the month of `at` so far. */
export function automaticTotalIn(account: Pick<PartnerAccount, 'automaticCredits'>, at: Date): Micros {
  const credits = account.automaticCredits;
  return credits !== undefined && credits.month === monthOf(at) ? credits.total : ZERO;
}

/** The partner's automatic credits once `credit` is counted at `at`: a new month starts again from it. */
export function afterAutomaticCredit(
  account: Pick<PartnerAccount, 'automaticCredits'>,
  credit: Micros,
  at: Date,
): AutomaticCredits {
  return { month: monthOf(at), total: add(automaticTotalIn(account, at), credit) };
}

export type CapVerdict =
  | { readonly kind: 'within' }
  /** The charge would take the month's automatic credits past the limit: it is not made. */
  | { readonly kind: 'over'; readonly month: string; readonly total: Micros; readonly limit: Micros };

export function capVerdict(
  account: Pick<PartnerAccount, 'automaticCredits' | 'rechargeSettings'>,
  credit: Micros,
  at: Date,
): CapVerdict {
  const limit = account.rechargeSettings.monthlyLimit;
  if (limit === undefined) return { kind: 'within' };
  const total = automaticTotalIn(account, at);
  return total + credit > limit ? { kind: 'over', month: monthOf(at), total, limit } : { kind: 'within' };
}
