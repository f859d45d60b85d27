/**
 * An operator pays unused balance back to the partner's cards (docs/contract.md §13): at
 * most the live balance, once per reference, against the most recent charges that still
 * carry credit, one provider refund per charge. The debit is booked before any money
 * leaves; each part is then settled by the provider's answer: refunded, or refused and
 * its credit released back to the balance. A part without a clear answer stays open and
 * is sent again with its own idempotency key, by a repeat of the request, the provider's
 * report of the refund, or the daily run, so a crash anywhere neither loses nor doubles money.
 */
import type { DomainEvent } from '../events';
import { type Micros, formatAmount, micros, sum, toCents } from '../money';
import { MONEY_BACK_ROUNDS, type MoneyBackDependencies } from './money-back-dependencies';
import type { CreditedCharge, OperatorRefund, RefundPart } from './money-back-ports';
import { planRefund } from './money-back-rules';
import { restoreChannelsIfActive } from './restore-channels';

export interface RefundInput {
  readonly partnerId: string;
  /** Positive, whole cents: the provider refunds cents. */
  readonly amount: Micros;
  readonly reference: string;
}

export type RefundBalanceResult =
  /** `created` is false when the reference was refunded (or is being refunded) already. */
  | { readonly kind: 'refund'; readonly refund: OperatorRefund; readonly created: boolean }
  | { readonly kind: 'unknown-partner' }
  | { readonly kind: 'reference-conflict'; readonly existing: OperatorRefund }
  | { readonly kind: 'exceeds-balance'; readonly liveBalance: Micros }
  | { readonly kind: 'exceeds-charges'; readonly refundable: Micros; readonly tooManyCharges: boolean }
  | { readonly kind: 'refund-in-progress'; readonly reference: string };

/** Charges read per page while planning a refund. */
const CHARGES_PAGE = 50;
/** Pages of charges read before a refund is given up as spread over too many charges. */
const MAX_CHARGE_PAGES = 10;

export async function refundBalance(input: RefundInput, deps: MoneyBackDependencies): Promise<RefundBalanceResult> {
  for (let round = 0; round < MONEY_BACK_ROUNDS; round += 1) {
    const existing = await deps.moneyBack.getOperatorRefund(input.partnerId, input.reference);
    if (existing !== undefined) {
      if (existing.amount !== input.amount) return { kind: 'reference-conflict', existing };
      return { kind: 'refund', refund: await sendOpenParts(existing, deps), created: false };
    }
    const account = await deps.ledger.getPartner(input.partnerId);
    if (account === undefined) return { kind: 'unknown-partner' };
    if (account.refundInFlight !== undefined) {
      // An open refund is finished first: it may be waiting for nothing but a resume.
      const open = await resumeOperatorRefund(input.partnerId, account.refundInFlight, deps);
      if (open?.state === 'open') return { kind: 'refund-in-progress', reference: account.refundInFlight };
      continue;
    }
    if (account.liveBalance < input.amount) return { kind: 'exceeds-balance', liveBalance: account.liveBalance };
    const plan = planRefund(input.amount, await chargesNewestFirst(input.partnerId, input.amount, deps));
    if (plan.kind === 'short')
      return { kind: 'exceeds-charges', refundable: plan.refundable, tooManyCharges: plan.tooManyCharges };
    const refund: OperatorRefund = {
      partnerId: input.partnerId,
      reference: input.reference,
      currency: account.currency,
      amount: input.amount,
      requestedAt: deps.clock.now(),
      parts: plan.parts,
      state: 'open',
    };
    const opened = await deps.moneyBack.openOperatorRefund(refund, plan.charges);
    switch (opened) {
      case 'opened':
        return { kind: 'refund', refund: await sendOpenParts(refund, deps), created: true };
      case 'unknown-partner':
        return { kind: 'unknown-partner' };
      // Someone else opened a refund, usage moved the balance, or a charge changed: read again.
      case 'exists':
      case 'busy':
      case 'balance-too-low':
      case 'charges-changed':
        continue;
    }
  }
  throw new Error(`refund ${input.reference} of ${input.partnerId} kept meeting concurrent changes`);
}

/** What finishing an open refund needs: the daily run has these without a recharge queue. */
export type RefundDependencies = Pick<
  MoneyBackDependencies,
  'moneyBack' | 'providerMoneyBack' | 'ledger' | 'channels' | 'clock'
>;

/** Sends the open parts of a refund again and finishes it once none is open; undefined if there is no such refund. */
export async function resumeOperatorRefund(
  partnerId: string,
  reference: string,
  deps: RefundDependencies,
): Promise<OperatorRefund | undefined> {
  const refund = await deps.moneyBack.getOperatorRefund(partnerId, reference);
  return refund === undefined ? undefined : sendOpenParts(refund, deps);
}

async function sendOpenParts(refund: OperatorRefund, deps: RefundDependencies): Promise<OperatorRefund> {
  if (refund.state === 'done') return refund;
  let released = false;
  for (const part of refund.parts) {
    if (part.state !== 'open') continue;
    const answer = await deps.providerMoneyBack.refund({
      charge: { partnerId: refund.partnerId, attemptId: part.attemptId, providerChargeId: part.providerChargeId },
      amountCents: toCents(part.amount),
      operatorReference: refund.reference,
      idempotencyKey: refundPartKey(refund, part),
      firstTriedAt: refund.requestedAt,
    });
    if (answer.outcome === 'unknown') continue;
    const settlement =
      answer.outcome === 'refunded' ? { refundId: answer.refundId } : { refusedBecause: answer.reason };
    await deps.moneyBack.settleRefundPart(refund, part.attemptId, settlement, deps.clock.now());
    if (answer.outcome === 'refused') released = true;
  }
  // A released part is a credit: it may have brought a partner blocked meanwhile back to active.
  if (released) await restoreChannelsIfActive(refund.partnerId, deps);
  const settled = (await deps.moneyBack.getOperatorRefund(refund.partnerId, refund.reference)) ?? refund;
  if (settled.state === 'done' || settled.parts.some((part) => part.state === 'open')) return settled;
  const now = deps.clock.now();
  await deps.moneyBack.finishOperatorRefund(settled, now, refundIssuedEvent(settled, now));
  return (await deps.moneyBack.getOperatorRefund(refund.partnerId, refund.reference)) ?? settled;
}

/** The provider's idempotency key of one part: one refund per charge of one operator refund, ever. */
export function refundPartKey(refund: OperatorRefund, part: RefundPart): string {
  return `refund-${refund.partnerId}-${refund.reference}-${part.attemptId}`;
}

/** What a finished refund paid back, and what the provider refused and went back to the balance. */
export function refundedAmount(refund: OperatorRefund): Micros {
  return sum(refund.parts.filter((part) => part.state === 'refunded').map((part) => part.amount));
}

function refundIssuedEvent(refund: OperatorRefund, now: Date): DomainEvent {
  const refunded = refundedAmount(refund);
  return {
    type: 'RefundIssued',
    time: now,
    detail: {
      partnerId: refund.partnerId,
      currency: refund.currency,
      reference: refund.reference,
      amount: formatAmount(refund.amount),
      refunded: formatAmount(refunded),
      released: formatAmount(micros(refund.amount - refunded)),
      parts: refund.parts.map(wirePart),
    },
  };
}

/** A part as the events and the API show it: amounts as wire amounts. */
export function wirePart(part: RefundPart) {
  return {
    attemptId: part.attemptId,
    providerChargeId: part.providerChargeId,
    amount: formatAmount(part.amount),
    state: part.state,
    ...(part.refundId !== undefined && { refundId: part.refundId }),
    ...(part.reason !== undefined && { reason: part.reason }),
  };
}

/** The partner's charges, most recent first, read back until they carry the amount or the reading limit is met. */
async function chargesNewestFirst(
  partnerId: string,
  amount: Micros,
  deps: MoneyBackDependencies,
): Promise<CreditedCharge[]> {
  const charges: CreditedCharge[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_CHARGE_PAGES; page += 1) {
    const found = await deps.moneyBack.creditedCharges(partnerId, {
      limit: CHARGES_PAGE,
      ...(cursor !== undefined && { cursor }),
    });
    charges.push(...found.charges);
    cursor = found.nextCursor;
    if (cursor === undefined || planRefund(amount, charges).kind === 'planned') break;
  }
  return charges;
}
