/**
 * The recharge use case of docs/contract.md §5. Resumes the attempt in flight if there is one
 * (same idempotency key: the card cannot be charged twice); otherwise decides the amount
 * with the pure rules, records the attempt before calling the provider, and settles it
 * by the provider's answer. An unclear answer leaves the attempt pending for the next
 * trigger to resume.
 */
import type { ChannelRepository } from '../channels/channel';
import { formatAmount, toCents } from '../money';
import type { PartnerAccount } from '../partner';
import type { Clock, LedgerRepository, RechargeRepository, SettleResult } from '../ports';
import { type RechargeDecision, decideOpeningCharge, decideRecharge } from '../recharge-rules';
import { type ChargeAttempt, type RechargeTrigger, invoiceIdOf, newAttemptId } from './charge-attempt';
import type { PaymentProvider } from './payment-provider';

export interface RechargeDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly attempts: RechargeRepository;
  readonly provider: PaymentProvider;
  readonly clock: Clock;
}

export type RechargeOutcome =
  | 'unknown-partner'
  | 'nothing-to-charge'
  /** Asked again after a decline (by usage or a repeated create): retries wait for the daily run or a new card. */
  | 'waiting-after-decline'
  /** Another trigger holds the partner's in-flight slot. */
  | 'in-flight'
  | 'succeeded'
  | 'declined'
  /** The provider gave no clear answer; the attempt stays pending and is resumed later. */
  | 'unknown';

export interface RechargeResult {
  readonly outcome: RechargeOutcome;
  readonly attempt?: ChargeAttempt;
}

/**
 * After a decline the same card is charged again only by the daily run or a new payment
 * method (docs/contract.md §5), not by more usage or a repeated create.
 */
const WAIT_AFTER_DECLINE: readonly RechargeTrigger[] = ['below-threshold', 'overdue', 'opening'];

export async function rechargePartner(
  partnerId: string,
  trigger: RechargeTrigger,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) return { outcome: 'unknown-partner' };
  if (account.chargeInFlight !== undefined) {
    const inFlight = await deps.attempts.getAttempt(partnerId, account.chargeInFlight);
    if (inFlight === undefined)
      throw new Error(`partner ${partnerId} holds attempt ${account.chargeInFlight}, which does not exist`);
    return resumeAttempt(inFlight, deps);
  }
  const declinedSameCard =
    account.lastDecline !== undefined && account.lastDecline.paymentMethod === account.paymentMethod;
  if (declinedSameCard && WAIT_AFTER_DECLINE.includes(trigger)) return { outcome: 'waiting-after-decline' };

  const decision = chargeDue(account);
  if (decision.kind === 'none') return { outcome: 'nothing-to-charge' };
  const now = deps.clock.now();
  const attempt: ChargeAttempt = {
    partnerId,
    attemptId: newAttemptId(now),
    purpose: account.openingPending === true ? 'opening' : 'recharge',
    trigger,
    charge: decision.charge,
    currency: account.currency,
    paymentMethod: account.paymentMethod,
    ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    state: 'pending',
    createdAt: now,
  };
  if ((await deps.attempts.openAttempt(attempt)) === 'busy') return { outcome: 'in-flight' };
  return resumeAttempt(attempt, deps);
}

/** An account still owed its opening top-up is charged the shortfall to 500.00; any other by the recharge table. */
export function chargeDue(account: PartnerAccount): RechargeDecision {
  if (account.openingPending === true) {
    const opening = decideOpeningCharge(account.liveBalance);
    if (opening !== undefined)
      return { kind: 'charge', reason: account.liveBalance > 0 ? 'below-threshold' : 'overdue', charge: opening };
  }
  return decideRecharge(account.liveBalance, account.rechargeSettings);
}

async function resumeAttempt(attempt: ChargeAttempt, deps: RechargeDependencies): Promise<RechargeResult> {
  const { credit, fee, total } = attempt.charge;
  const result = await deps.provider.charge({
    partnerId: attempt.partnerId,
    ...(attempt.paymentCustomerId !== undefined && { customerId: attempt.paymentCustomerId }),
    paymentMethod: attempt.paymentMethod,
    amountCents: toCents(total),
    currency: attempt.currency,
    idempotencyKey: attempt.attemptId,
    firstTriedAt: attempt.createdAt,
    description: `${attempt.purpose === 'opening' ? 'Opening balance' : 'Prepaid balance'} ${formatAmount(credit)} ${attempt.currency} + card fee ${formatAmount(fee)}`,
  });
  const now = deps.clock.now();
  const amounts = {
    partnerId: attempt.partnerId,
    attemptId: attempt.attemptId,
    currency: attempt.currency,
    credit: formatAmount(credit),
    fee: formatAmount(fee),
    total: formatAmount(total),
  };

  if (result.outcome === 'unknown') {
    await deps.attempts.noteUnknownOutcome(attempt, result.reason, now);
    return { outcome: 'unknown', attempt };
  }
  if (result.outcome === 'declined') {
    const settled = await deps.attempts.settleDeclined(attempt, result.declineCode, now, {
      type: 'RechargeFailed',
      time: now,
      detail: { ...amounts, declineCode: result.declineCode },
    });
    return outcomeOf(settled);
  }
  const settled = await deps.attempts.settleSucceeded(
    attempt,
    result.providerChargeId,
    now,
    ({ liveBalance, unblocked }) => [
      {
        type: 'RechargeSucceeded',
        time: now,
        detail: { ...amounts, invoiceId: invoiceIdOf(attempt), liveBalance: formatAmount(liveBalance) },
      },
      ...(unblocked
        ? [
            {
              type: 'PartnerUnblocked' as const,
              time: now,
              detail: {
                partnerId: attempt.partnerId,
                currency: attempt.currency,
                liveBalance: formatAmount(liveBalance),
              },
            },
          ]
        : []),
    ],
  );
  if (settled.outcome === 'settled' && settled.unblocked) await deps.channels.setBlocked(attempt.partnerId, false);
  return outcomeOf(settled);
}

function outcomeOf(settled: SettleResult): RechargeResult {
  const state = settled.attempt.state;
  return { outcome: state === 'pending' ? 'unknown' : state, attempt: settled.attempt };
}
