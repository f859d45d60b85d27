/**
 * Closing an account at a contract's cancellation (docs/contract.md §13). Closing is
 * final and comes first: from then on no charge or license fee is made and no rule moves
 * the status. Then the charge in flight is settled by the provider's answer (one waiting
 * for authentication is given up), the numbers are cancelled (they stay registered, so
 * they can never be used again), and a positive balance is paid back to the cards as an
 * operator refund with the reference `closure`. Each step is repeatable: a repeat of the
 * closure carries on where the last one stopped, and usage still arriving is debited and
 * shows as amount due.
 */
import type { DomainEvent } from '../events';
import { MICROS_PER_CENT, type Micros, formatAmount, micros } from '../money';
import type { PartnerAccount } from '../partner';
import { OPEN_ATTEMPT_STATES, chargeReferenceOf } from '../recharge/charge-attempt';
import { resumeAttempt } from '../recharge/recharge-partner';
import { settleByAnswer } from '../recharge/settle-attempt';
import type { MoneyBackDependencies } from './money-back-dependencies';
import type { OperatorRefund } from './money-back-ports';
import { type RefundBalanceResult, refundBalance, resumeOperatorRefund } from './refund-balance';

/** The reference of the refund a closure pays the balance back with. */
export const CLOSURE_REFUND_REFERENCE = 'closure';

export type ClosureResult =
  | { readonly kind: 'unknown-partner' }
  /** Closed, but a charge or the refund has no answer from the provider yet: repeat the closure later. */
  | {
      readonly kind: 'closing';
      readonly account: PartnerAccount;
      readonly waitingFor: 'charge' | 'refund';
      readonly refund?: OperatorRefund;
    }
  | {
      readonly kind: 'closed';
      readonly account: PartnerAccount;
      readonly refund?: OperatorRefund;
      /** The partner's numbers, all cancelled now. */
      readonly channelsCancelled: number;
    };

export async function closeAccount(partnerId: string, deps: MoneyBackDependencies): Promise<ClosureResult> {
  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) return { kind: 'unknown-partner' };
  if (account.status !== 'closed') {
    const now = deps.clock.now();
    const closed = await deps.moneyBack.closeAccount(partnerId, now, closedEvent(account, now));
    if (closed === 'unknown-partner') return { kind: 'unknown-partner' };
  }
  if (!(await settleChargeInFlight(partnerId, deps))) return closing(partnerId, 'charge', undefined, deps);
  const channelsCancelled = await cancelChannels(partnerId, deps);
  const refund = await refundWhatIsLeft(partnerId, deps);
  if (refund === 'another-refund-open' || refund?.state === 'open')
    return closing(partnerId, 'refund', refund === 'another-refund-open' ? undefined : refund, deps);
  return { kind: 'closed', account: await accountOf(partnerId, deps), channelsCancelled, ...(refund && { refund }) };
}

/** Whether no charge is in flight any more: an open attempt is settled by the provider's answer now. */
async function settleChargeInFlight(partnerId: string, deps: MoneyBackDependencies): Promise<boolean> {
  const account = await accountOf(partnerId, deps);
  if (account.chargeInFlight === undefined) return true;
  const attempt = await deps.attempts.getAttempt(partnerId, account.chargeInFlight);
  if (attempt !== undefined && OPEN_ATTEMPT_STATES.includes(attempt.state)) {
    if (attempt.state === 'action-required')
      await settleByAnswer(attempt, await deps.provider.cancelCharge(chargeReferenceOf(attempt)), deps);
    else await resumeAttempt(attempt, deps);
  }
  return (await accountOf(partnerId, deps)).chargeInFlight === undefined;
}

async function cancelChannels(partnerId: string, deps: MoneyBackDependencies): Promise<number> {
  const channels = await deps.channels.listForPartner(partnerId);
  const now = deps.clock.now();
  for (const channel of channels)
    if (channel.status !== 'cancelled') await deps.channels.cancel(partnerId, channel.phoneNumber, now);
  return channels.length;
}

/**
 * The closure's refund: the balance in whole cents, or as much of it as the card charges
 * still carry (the rest, e.g. paid by bank transfer, is for finance to pay back).
 */
async function refundWhatIsLeft(
  partnerId: string,
  deps: MoneyBackDependencies,
): Promise<OperatorRefund | 'another-refund-open' | undefined> {
  const existing = await resumeOperatorRefund(partnerId, CLOSURE_REFUND_REFERENCE, deps);
  if (existing !== undefined) return existing;
  const balance = wholeCents((await accountOf(partnerId, deps)).liveBalance);
  if (balance <= 0) return undefined;
  let result = await refundOf(partnerId, balance, deps);
  if (result.kind === 'exceeds-charges' && result.refundable > 0)
    result = await refundOf(partnerId, result.refundable, deps);
  switch (result.kind) {
    case 'refund':
      return result.refund;
    case 'refund-in-progress':
      return 'another-refund-open';
    // Nothing left to pay back to a card, or the balance changed under the refund: nothing refunded now.
    default:
      return undefined;
  }
}

function refundOf(partnerId: string, amount: Micros, deps: MoneyBackDependencies): Promise<RefundBalanceResult> {
  return refundBalance({ partnerId, amount, reference: CLOSURE_REFUND_REFERENCE }, deps);
}

function wholeCents(amount: Micros): Micros {
  return micros(amount - (amount % MICROS_PER_CENT));
}

async function closing(
  partnerId: string,
  waitingFor: 'charge' | 'refund',
  refund: OperatorRefund | undefined,
  deps: MoneyBackDependencies,
): Promise<ClosureResult> {
  return { kind: 'closing', account: await accountOf(partnerId, deps), waitingFor, ...(refund && { refund }) };
}

async function accountOf(partnerId: string, deps: MoneyBackDependencies): Promise<PartnerAccount> {
  const account = await deps.ledger.getPartner(partnerId);
  // Accounts are never deleted: one that existed a moment ago still does.
  if (account === undefined) throw new Error(`partner ${partnerId} disappeared while it was being closed`);
  return account;
}

function closedEvent(account: PartnerAccount, now: Date): DomainEvent {
  return {
    type: 'PartnerClosed',
    time: now,
    detail: {
      partnerId: account.partnerId,
      currency: account.currency,
      liveBalance: formatAmount(account.liveBalance),
      closedAt: now.toISOString(),
    },
  };
}
