/**
 * A partner adds funds itself (docs/contract.md §14): the saved primary card is charged now,
 * off-session, the amount plus the card fee; or, with `checkout`, the partner pays it on a
 * hosted payment page. Either way it is a charge attempt like a recharge's, recorded before
 * the provider is asked and settled once by its answer, with its reference taken in the same
 * write that opens it: a repeat finds the attempt and resumes it with the same idempotency
 * key, so a reference is charged once whatever the retries and crashes. A top-up takes the
 * partner's single in-flight slot; one that finds it taken is refused, never queued. It
 * charges the primary card only: the partner asked for a charge now, not for a fall back.
 */
import { DEFAULT_TOP_UP_MAXIMUM, DEFAULT_TOP_UP_MINIMUM } from '../../../definitions/setting-values';
import { type Micros, parseAmount } from '../money';
import type { PartnerAccount } from '../partner';
import { toCharge } from '../recharge-rules';
import { type ChargeAttempt, PAYMENT_PAGE, type TopUp, newAttemptId } from './charge-attempt';
import { type CardDeclines, isChargeable } from './decline-policy';
import type { RechargeDependencies } from './recharge-dependencies';
import { resumeAttempt } from './recharge-partner';
import type { RechargeOutcome, RechargeResult } from './settle-attempt';

export interface TopUpRequest {
  readonly partnerId: string;
  /** The credit: whole cents, at most what one card charge carries (checked where it is read). */
  readonly amount: Micros;
  readonly reference: string;
  /** Paid by the partner on a hosted payment page instead of charged on the saved card. */
  readonly checkout: boolean;
}

/** The amounts a top-up may credit, from the deployment's settings. */
export interface TopUpBounds {
  readonly minimum: Micros;
  readonly maximum: Micros;
}

/** The deployment settings' defaults (definitions/setting-values.ts): 10.00 to 100,000.00. */
export const DEFAULT_TOP_UP_BOUNDS: TopUpBounds = {
  minimum: parseAmount(DEFAULT_TOP_UP_MINIMUM),
  maximum: parseAmount(DEFAULT_TOP_UP_MAXIMUM),
};

export interface TopUpDependencies extends RechargeDependencies {
  readonly bounds: TopUpBounds;
}

export type TopUpResult =
  | { readonly kind: 'unknown-partner' }
  | { readonly kind: 'out-of-range'; readonly bounds: TopUpBounds }
  /** The reference names another top-up: another amount, or the other way of paying. */
  | { readonly kind: 'reference-conflict'; readonly existing: TopUp }
  | { readonly kind: 'partner-closed'; readonly account: PartnerAccount }
  /** Another charge holds the partner's single in-flight slot. */
  | { readonly kind: 'charge-in-progress'; readonly attemptId?: string }
  /** The decline policy no longer lets the primary card be charged: only a new card helps. */
  | {
      readonly kind: 'card-not-chargeable';
      readonly paymentMethod: string;
      readonly declines: CardDeclines;
      readonly lastDeclineCode?: string;
    }
  /** A payment page saves the card to the partner's customer, and the partner has none. */
  | { readonly kind: 'customer-required' }
  /** The top-up's attempt, and what it came to; `created` is false for a repeat of the reference. */
  | {
      readonly kind: 'charged';
      readonly created: boolean;
      readonly topUp: TopUp;
      readonly outcome: RechargeOutcome;
      readonly attempt: ChargeAttempt;
    };

export async function topUp(request: TopUpRequest, deps: TopUpDependencies): Promise<TopUpResult> {
  const account = await deps.ledger.getPartner(request.partnerId);
  if (account === undefined) return { kind: 'unknown-partner' };
  const existing = await deps.attempts.getTopUp(request.partnerId, request.reference);
  if (existing !== undefined) return repeat(existing, request, deps);
  if (request.amount < deps.bounds.minimum || request.amount > deps.bounds.maximum)
    return { kind: 'out-of-range', bounds: deps.bounds };
  if (account.status === 'closed') return { kind: 'partner-closed', account };
  if (account.chargeInFlight !== undefined) return { kind: 'charge-in-progress', attemptId: account.chargeInFlight };

  const payer = payerOf(account, request.checkout);
  if ('kind' in payer) return payer;
  const now = deps.clock.now();
  const attempt: ChargeAttempt = {
    partnerId: account.partnerId,
    attemptId: newAttemptId(now),
    purpose: 'top-up',
    trigger: 'top-up',
    charge: toCharge(request.amount),
    currency: account.currency,
    paymentMethod: payer.paymentMethod,
    cardRole: 'primary',
    ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    reference: request.reference,
    state: 'pending',
    createdAt: now,
  };
  const taken: TopUp = {
    partnerId: account.partnerId,
    reference: request.reference,
    amount: attempt.charge.credit,
    checkout: request.checkout,
    attemptId: attempt.attemptId,
    requestedAt: now,
  };
  const opened = await deps.attempts.openTopUp(attempt, taken);
  switch (opened.kind) {
    case 'exists':
      return repeat(opened.topUp, request, deps);
    case 'busy':
      return { kind: 'charge-in-progress' };
    case 'partner-closed':
      return { kind: 'partner-closed', account };
    case 'opened':
      return charged(taken, true, attempt, await resumeAttempt(attempt, deps));
  }
}

/** What pays: the payment page, or the primary card while the decline policy lets it be charged. */
function payerOf(
  account: PartnerAccount,
  checkout: boolean,
): { readonly paymentMethod: string } | Extract<TopUpResult, { kind: 'customer-required' | 'card-not-chargeable' }> {
  if (checkout) {
    return account.paymentCustomerId === undefined ? { kind: 'customer-required' } : { paymentMethod: PAYMENT_PAGE };
  }
  const declines = account.cardDeclines.primary;
  if (isChargeable(declines)) return { paymentMethod: account.paymentMethod };
  const last = account.lastDecline;
  return {
    kind: 'card-not-chargeable',
    paymentMethod: account.paymentMethod,
    declines,
    ...(last !== undefined && last.paymentMethod === account.paymentMethod && { lastDeclineCode: last.declineCode }),
  };
}

/** The same reference again: the same top-up is answered (its open attempt resumed with its key), another is a conflict. */
async function repeat(existing: TopUp, request: TopUpRequest, deps: TopUpDependencies): Promise<TopUpResult> {
  if (existing.amount !== request.amount || existing.checkout !== request.checkout)
    return { kind: 'reference-conflict', existing };
  const attempt = await deps.attempts.getAttempt(existing.partnerId, existing.attemptId);
  if (attempt === undefined)
    throw new Error(`top-up "${existing.reference}" of partner ${existing.partnerId} names a missing attempt`);
  const state = attempt.state;
  if (state === 'pending' || state === 'action-required')
    return charged(existing, false, attempt, await resumeAttempt(attempt, deps));
  return { kind: 'charged', created: false, topUp: existing, outcome: state, attempt };
}

function charged(topUp: TopUp, created: boolean, opened: ChargeAttempt, result: RechargeResult): TopUpResult {
  return { kind: 'charged', created, topUp, outcome: result.outcome, attempt: result.attempt ?? opened };
}
