/**
 * Settles an open charge attempt by what the provider answered, once: a success credits
 * and invoices, a decline counts against the card (docs/contract.md §13) and frees the
 * slot, an authentication request keeps the slot and tells the partner where to go, a
 * refused request or a canceled charge ends the attempt with nothing charged. A waiting
 * charge that failed is canceled at the provider before it is settled as declined, so it
 * can never be paid after the partner was told it failed. A top-up's settlement publishes
 * `TopUp*` events instead of `Recharge*` ones (docs/contract.md §10).
 */
import type { DomainEvent, EventType } from '../events';
import { type Micros, formatAmount } from '../money';
import type { SettleResult } from '../ports';
import { type ChargeAttempt, chargeReferenceOf, invoiceIdOf } from './charge-attempt';
import { NO_DECLINES, afterDecline, declineKind, retriesLeft } from './decline-policy';
import type { ChargeStatus } from './payment-provider';
import type { RechargeDependencies } from './recharge-dependencies';

export type RechargeOutcome =
  | 'unknown-partner'
  | 'nothing-to-charge'
  /** Asked again after a decline (by usage or a repeated create): retries wait for the daily run or a new card. */
  | 'waiting-after-decline'
  /** Every card of the partner had a hard decline or used up its soft retries: only a new card helps. */
  | 'no-chargeable-card'
  /** Another trigger holds the partner's in-flight slot, or a recharge it made was credited meanwhile. */
  | 'in-flight'
  /** The recharge would take the month's automatic credits past `monthlyLimit` (docs/contract.md §14): not made. */
  | 'limit-reached'
  /** The account is closed: it is never charged again (docs/contract.md §13). */
  | 'partner-closed'
  | 'succeeded'
  | 'declined'
  /** The charge waits for the partner to authenticate at the attempt's `actionUrl`. */
  | 'action-required'
  /** The provider refused the request and confirmed nothing was charged; the attempt is over. */
  | 'failed'
  /** The waiting charge was given up (a new card) or canceled at the provider; nothing was charged. */
  | 'canceled'
  /** The provider gave no clear answer; the attempt stays open and is resumed later. */
  | 'unknown';

export interface RechargeResult {
  readonly outcome: RechargeOutcome;
  readonly attempt?: ChargeAttempt;
}

export async function settleByAnswer(
  attempt: ChargeAttempt,
  answer: ChargeStatus,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  const now = deps.clock.now();
  const amounts = amountsOf(attempt);
  switch (answer.outcome) {
    case 'unknown':
      await deps.attempts.noteUnknownOutcome(attempt, answer.reason, now);
      return { outcome: 'unknown', attempt };
    case 'action-required':
      if (attempt.state === 'action-required') return { outcome: 'action-required', attempt };
      return outcomeOf(
        await deps.attempts.awaitAction(attempt, answer, now, {
          type: eventsOf(attempt).actionRequired,
          time: now,
          detail: { ...amounts, actionUrl: answer.actionUrl, paymentMethod: attempt.paymentMethod },
        }),
      );
    case 'failed':
      return outcomeOf(
        await deps.attempts.settleWithoutCharge(attempt, { state: 'failed', reason: answer.reason }, now, {
          type: eventsOf(attempt).failed,
          time: now,
          detail: { ...amounts, failure: answer.reason },
        }),
      );
    case 'canceled':
      return outcomeOf(
        await deps.attempts.settleWithoutCharge(
          attempt,
          { state: 'canceled', reason: `charge ${answer.providerChargeId} was canceled` },
          now,
        ),
      );
    case 'declined':
      if (attempt.state === 'action-required') return declineWaiting(attempt, answer.declineCode, deps);
      return settleDeclined(attempt, answer.declineCode, deps);
    case 'succeeded':
      return settleSucceeded(attempt, answer.providerChargeId, deps);
  }
}

/** A waiting charge that failed is canceled first; if it was paid meanwhile, that wins. */
async function declineWaiting(
  attempt: ChargeAttempt,
  declineCode: string,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  const canceled = await deps.provider.cancelCharge(chargeReferenceOf(attempt));
  if (canceled.outcome === 'canceled' || canceled.outcome === 'declined')
    return settleDeclined(attempt, canceled.outcome === 'declined' ? canceled.declineCode : declineCode, deps);
  return settleByAnswer(attempt, canceled, deps);
}

async function settleDeclined(
  attempt: ChargeAttempt,
  declineCode: string,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  const account = await deps.ledger.getPartner(attempt.partnerId);
  const before = account?.cardDeclines[attempt.cardRole] ?? NO_DECLINES;
  const card = afterDecline(before, declineCode);
  const now = deps.clock.now();
  return outcomeOf(
    await deps.attempts.settleDeclined(attempt, { code: declineCode, card }, now, {
      type: eventsOf(attempt).failed,
      time: now,
      detail: {
        ...amountsOf(attempt),
        declineCode,
        declineKind: declineKind(declineCode),
        cardRole: attempt.cardRole,
        paymentMethod: attempt.paymentMethod,
        softDeclines: card.soft,
        retriesLeft: retriesLeft(card),
      },
    }),
  );
}

async function settleSucceeded(
  attempt: ChargeAttempt,
  providerChargeId: string,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  const now = deps.clock.now();
  const amounts = amountsOf(attempt);
  const settled = await deps.attempts.settleSucceeded(attempt, providerChargeId, now, ({ liveBalance, unblocked }) => [
    {
      type: eventsOf(attempt).succeeded,
      time: now,
      detail: {
        ...amounts,
        invoiceId: invoiceIdOf(attempt),
        cardRole: attempt.cardRole,
        liveBalance: formatAmount(liveBalance),
      },
    },
    ...(unblocked ? [unblockedEvent(attempt, liveBalance, now)] : []),
  ]);
  if (settled.outcome === 'settled' && settled.unblocked) await deps.channels.setBlocked(attempt.partnerId, false);
  return outcomeOf(settled);
}

function unblockedEvent(attempt: ChargeAttempt, liveBalance: Micros, at: Date): DomainEvent {
  return {
    type: 'PartnerUnblocked',
    time: at,
    detail: { partnerId: attempt.partnerId, currency: attempt.currency, liveBalance: formatAmount(liveBalance) },
  };
}

/** The events a charge's settlement publishes: a partner's top-up has its own, apart from automatic charges. */
function eventsOf(attempt: ChargeAttempt): Readonly<Record<'succeeded' | 'failed' | 'actionRequired', EventType>> {
  return attempt.purpose === 'top-up'
    ? { succeeded: 'TopUpSucceeded', failed: 'TopUpFailed', actionRequired: 'TopUpActionRequired' }
    : { succeeded: 'RechargeSucceeded', failed: 'RechargeFailed', actionRequired: 'RechargeActionRequired' };
}

function amountsOf(attempt: ChargeAttempt) {
  return {
    partnerId: attempt.partnerId,
    attemptId: attempt.attemptId,
    ...(attempt.reference !== undefined && { reference: attempt.reference }),
    currency: attempt.currency,
    credit: formatAmount(attempt.charge.credit),
    fee: formatAmount(attempt.charge.fee),
    total: formatAmount(attempt.charge.total),
  };
}

function outcomeOf(settled: SettleResult): RechargeResult {
  const state = settled.attempt.state;
  return { outcome: state === 'pending' ? 'unknown' : state, attempt: settled.attempt };
}
