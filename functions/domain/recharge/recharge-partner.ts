/**
 * The recharge use case of docs/contract.md §5, §13 and §14. Resumes the attempt in flight
 * if there is one (same idempotency key: the card cannot be charged twice); otherwise picks
 * the card the decline policy allows, decides the amount with the pure rules, stops a
 * recharge the monthly cap does not allow, records the attempt before calling the provider,
 * and settles it by the provider's answer. A primary card that declines hands the same
 * charge to the backup card, as an attempt of its own. An unclear answer leaves the attempt
 * open for the next trigger to resume.
 */
import { formatAmount, toCents } from '../money';
import { monthOf } from '../month';
import type { PartnerAccount } from '../partner';
import type { CapSeen } from '../ports';
import { type RechargeDecision, decideOpeningCharge, decideRecharge } from '../recharge-rules';
import {
  type ChargeAttempt,
  type RechargeTrigger,
  chargeReferenceOf,
  isPaymentPage,
  newAttemptId,
} from './charge-attempt';
import { type ChosenCard, backupAfter, chargeableCard } from './decline-policy';
import { type CapVerdict, automaticTotalIn, capVerdict, countsTowardCap } from './monthly-cap';
import type { PaymentPageRequest } from './payment-pages';
import type { ChargeRequest } from './payment-provider';
import type { RechargeDependencies } from './recharge-dependencies';
import { type RechargeOutcome, type RechargeResult, settleByAnswer } from './settle-attempt';

export type { RechargeDependencies } from './recharge-dependencies';
export type { RechargeOutcome, RechargeResult } from './settle-attempt';

/**
 * After a decline the same card is charged again only by the daily run or a new payment
 * method (docs/contract.md §5), not by more usage or a repeated create.
 */
const WAIT_AFTER_DECLINE: readonly RechargeTrigger[] = ['below-threshold', 'overdue', 'opening'];

/** Outcomes of an attempt that ended without a charge and freed the partner's slot. */
const ENDED_UNPAID: readonly RechargeOutcome[] = ['declined', 'failed', 'canceled'];

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
    const newCard = trigger === 'payment-method-updated' && replaced(inFlight, account);
    // The partner chose another card instead of authenticating: the waiting charge is
    // canceled first, so it can never be paid as well as the new one.
    const ended =
      newCard && inFlight.state === 'action-required'
        ? await settleByAnswer(inFlight, await deps.provider.cancelCharge(chargeReferenceOf(inFlight)), deps)
        : await resumeAttempt(inFlight, deps);
    // Once the old card's attempt is over unpaid, the new card is charged at once.
    if (newCard && ENDED_UNPAID.includes(ended.outcome)) return rechargePartner(partnerId, trigger, deps);
    return ended;
  }
  // A top-up's request only finishes the top-up's attempt: with none open, there is nothing to do.
  if (trigger === 'top-up') return { outcome: 'nothing-to-charge' };
  // A closed account is never charged again; an attempt it still held was settled above, with its own key.
  if (account.status === 'closed') return { outcome: 'partner-closed' };
  const card = chargeableCard(account);
  if (card === undefined) return { outcome: 'no-chargeable-card' };
  if (WAIT_AFTER_DECLINE.includes(trigger) && declinedCardKept(account)) return { outcome: 'waiting-after-decline' };

  const decision = chargeDue(account);
  if (decision.kind === 'none') return { outcome: 'nothing-to-charge' };
  const plan: AttemptPlan = {
    trigger,
    charge: decision.charge,
    purpose: account.openingPending === true ? 'opening' : 'recharge',
  };
  if (countsTowardCap(plan)) {
    const verdict = capVerdict(account, plan.charge.credit, deps.clock.now());
    if (verdict.kind === 'over') return limitReached(account, plan, verdict, deps);
  }
  return chargeCard(account, card, plan, deps);
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

/**
 * Resumes an open attempt: a waiting charge is asked where it stands, a pending one is sent
 * again with its key (a payment page is asked for again, so it is the same page).
 */
export async function resumeAttempt(attempt: ChargeAttempt, deps: RechargeDependencies): Promise<RechargeResult> {
  if (attempt.state === 'action-required') {
    return settleByAnswer(attempt, await deps.provider.chargeStatus(chargeReferenceOf(attempt)), deps);
  }
  if (isPaymentPage(attempt)) {
    return settleByAnswer(attempt, await deps.pages.createPaymentPage(paymentPageRequestOf(attempt)), deps);
  }
  return settleByAnswer(attempt, await deps.provider.charge(chargeRequestOf(attempt)), deps);
}

type AttemptPlan = Pick<ChargeAttempt, 'trigger' | 'charge' | 'purpose'>;

/** The recharge would take the month's automatic credits past the cap: not made, and announced once that month. */
async function limitReached(
  account: PartnerAccount,
  plan: AttemptPlan,
  verdict: Extract<CapVerdict, { kind: 'over' }>,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  if (account.limitReachedMonth !== verdict.month) {
    const now = deps.clock.now();
    await deps.attempts.markLimitReached(account.partnerId, verdict.month, {
      type: 'RechargeLimitReached',
      time: now,
      detail: {
        partnerId: account.partnerId,
        currency: account.currency,
        month: verdict.month,
        monthlyLimit: formatAmount(verdict.limit),
        automaticTotal: formatAmount(verdict.total),
        credit: formatAmount(plan.charge.credit),
        trigger: plan.trigger,
      },
    });
  }
  return { outcome: 'limit-reached' };
}

async function chargeCard(
  account: PartnerAccount,
  card: ChosenCard,
  plan: AttemptPlan,
  deps: RechargeDependencies,
): Promise<RechargeResult> {
  const now = deps.clock.now();
  const attempt: ChargeAttempt = {
    ...plan,
    partnerId: account.partnerId,
    attemptId: newAttemptId(now),
    currency: account.currency,
    paymentMethod: card.paymentMethod,
    cardRole: card.role,
    ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    state: 'pending',
    createdAt: now,
  };
  const opened = await deps.attempts.openAttempt(attempt, capSeenBy(account, plan, now));
  // A recharge credited meanwhile (the cap moved): this charge was decided from the balance before it.
  if (opened === 'busy' || opened === 'cap-moved') return { outcome: 'in-flight' };
  if (opened === 'partner-closed') return { outcome: 'partner-closed' };
  const result = await resumeAttempt(attempt, deps);
  if (result.outcome !== 'declined') return result;
  // The same charge goes to the backup card at once, as an attempt of its own.
  const after = await deps.ledger.getPartner(account.partnerId);
  const backup = after === undefined ? undefined : backupAfter(after, card.role);
  if (after === undefined || backup === undefined) return result;
  return chargeCard(after, backup, { ...plan, trigger: 'backup-card' }, deps);
}

/**
 * The last charge declined a card the partner still has. A backup is charged only after the
 * primary declined the same charge, so a declined backup means both cards were tried: the
 * one chosen next waits for the daily run too.
 */
function declinedCardKept(account: PartnerAccount): boolean {
  const declined = account.lastDecline?.paymentMethod;
  return declined !== undefined && (declined === account.paymentMethod || declined === account.backupPaymentMethod);
}

/** A capped recharge opens only while the month's automatic credits are what it was decided from. */
function capSeenBy(account: PartnerAccount, plan: AttemptPlan, now: Date): CapSeen | undefined {
  if (!countsTowardCap(plan) || account.rechargeSettings.monthlyLimit === undefined) return undefined;
  return { month: monthOf(now), total: automaticTotalIn(account, now) };
}

/** The card the attempt charges is no longer the partner's in its role; a payment page charges none of them. */
function replaced(attempt: ChargeAttempt, account: PartnerAccount): boolean {
  if (isPaymentPage(attempt)) return false;
  const current = attempt.cardRole === 'primary' ? account.paymentMethod : account.backupPaymentMethod;
  return current !== attempt.paymentMethod;
}

function chargeRequestOf(attempt: ChargeAttempt): ChargeRequest {
  return {
    partnerId: attempt.partnerId,
    ...(attempt.paymentCustomerId !== undefined && { customerId: attempt.paymentCustomerId }),
    paymentMethod: attempt.paymentMethod,
    amountCents: toCents(attempt.charge.total),
    currency: attempt.currency,
    idempotencyKey: attempt.attemptId,
    firstTriedAt: attempt.createdAt,
    description: descriptionOf(attempt),
  };
}

function paymentPageRequestOf(attempt: ChargeAttempt): PaymentPageRequest {
  // A top-up is paid on a page only by a partner with a customer (functions/domain/recharge/top-up.ts).
  if (attempt.paymentCustomerId === undefined)
    throw new Error(`attempt ${attempt.attemptId} is paid on a payment page but names no customer`);
  return {
    partnerId: attempt.partnerId,
    customerId: attempt.paymentCustomerId,
    amountCents: toCents(attempt.charge.total),
    currency: attempt.currency,
    idempotencyKey: attempt.attemptId,
    description: descriptionOf(attempt),
  };
}

const CHARGED_FOR: Readonly<Record<ChargeAttempt['purpose'], string>> = {
  opening: 'Opening balance',
  recharge: 'Prepaid balance',
  'top-up': 'Prepaid balance top-up',
};

function descriptionOf(attempt: ChargeAttempt): string {
  const { credit, fee } = attempt.charge;
  return `${CHARGED_FOR[attempt.purpose]} ${formatAmount(credit)} ${attempt.currency} + card fee ${formatAmount(fee)}`;
}
