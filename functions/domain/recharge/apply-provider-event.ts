/**
 * Applies what the card provider reported to the webhook (docs/contract.md §13). A report
 * only says that something changed: a saved card is read from the provider before it is
 * stored, and a changed charge settles its attempt by where the provider says the charge
 * stands now. So a report delivered twice, late or out of order moves nothing the wrong
 * way; each event id is still recorded once applied, and a recorded one is skipped.
 */
import { type DisputeOutcome, applyDispute } from '../money-back/apply-dispute';
import { type RefundReportOutcome, bookProviderRefunds } from '../money-back/book-provider-refunds';
import type { MoneyBackDependencies } from '../money-back/money-back-dependencies';
import type { ProviderEvent } from './provider-events';
import { type RechargeOutcome, resumeAttempt } from './recharge-partner';
import { OPEN_ATTEMPT_STATES } from './charge-attempt';

export interface ProviderEventLog {
  wasApplied(eventId: string): Promise<boolean>;
  markApplied(event: ProviderEvent, outcome: string, at: Date): Promise<void>;
}

/**
 * `recharges`: a new primary card retries an outstanding charge through the recharge
 * queue, not inside the webhook's answer; a chargeback or a refund below the threshold
 * asks for a recharge there too.
 */
export interface ProviderEventDependencies extends MoneyBackDependencies {
  readonly events: ProviderEventLog;
}

export type ProviderEventOutcome =
  | 'duplicate'
  | 'ignored'
  | 'unknown-partner'
  /** The setup saved no card, or a card of another customer than the partner's. */
  | 'card-refused'
  | 'card-set'
  /** The partner chose another card for that role after this setup finished. */
  | 'card-superseded'
  /** No open attempt of ours has that id (settled already, or a license fee, which the daily run settles). */
  | 'attempt-closed'
  | RechargeOutcome
  /** What a report of a dispute booked (docs/contract.md §13): see `disputeOutcomeOf`. */
  | `dispute-${string}`
  /** What a report of refunds on a charge booked. */
  | `refunds-${RefundReportOutcome}`;

export async function applyProviderEvent(
  event: ProviderEvent,
  deps: ProviderEventDependencies,
): Promise<ProviderEventOutcome> {
  if (await deps.events.wasApplied(event.eventId)) return 'duplicate';
  const outcome = await apply(event, deps);
  // An unclear charge is not recorded: the provider's redelivery, like the daily run, asks again.
  if (outcome !== 'unknown') await deps.events.markApplied(event, outcome, deps.clock.now());
  return outcome;
}

async function apply(event: ProviderEvent, deps: ProviderEventDependencies): Promise<ProviderEventOutcome> {
  switch (event.kind) {
    case 'ignored':
      return 'ignored';
    case 'card-saved':
      return saveCard(event, deps);
    case 'dispute-changed':
      return disputeOutcomeOf(await applyDispute(event.disputeId, deps));
    case 'charge-refunded':
      return `refunds-${await bookProviderRefunds(event.providerChargeId, deps)}`;
    case 'charge-changed': {
      const attempt = await deps.attempts.getAttempt(event.partnerId, event.attemptId);
      if (attempt === undefined || !OPEN_ATTEMPT_STATES.includes(attempt.state)) return 'attempt-closed';
      return (await resumeAttempt(attempt, deps)).outcome;
    }
  }
}

async function saveCard(
  event: Extract<ProviderEvent, { kind: 'card-saved' }>,
  deps: ProviderEventDependencies,
): Promise<ProviderEventOutcome> {
  const account = await deps.ledger.getPartner(event.partnerId);
  if (account === undefined) return 'unknown-partner';
  const card = await deps.provider.savedCard(event.setupReference);
  if (card === undefined) return 'card-refused';
  if (account.paymentCustomerId !== undefined && card.customerId !== account.paymentCustomerId) return 'card-refused';
  const set = await deps.ledger.setCard({
    partnerId: event.partnerId,
    role: event.role,
    paymentMethod: card.paymentMethod,
    paymentCustomerId: card.customerId,
    at: event.occurredAt,
  });
  if (set === 'unknown-partner') return 'unknown-partner';
  if (set === 'superseded') return 'card-superseded';
  await deps.recharges.request({
    partnerId: event.partnerId,
    trigger: 'payment-method-updated',
    requestedAt: deps.clock.now(),
  });
  return 'card-set';
}

/** `dispute-open+won` for the steps a report booked, `dispute-unchanged` for none, `dispute-not-ours`. */
export function disputeOutcomeOf(outcome: DisputeOutcome): `dispute-${string}` {
  if (outcome.kind !== 'booked') return `dispute-${outcome.kind}`;
  return `dispute-${outcome.steps.length === 0 ? 'unchanged' : outcome.steps.join('+')}`;
}
