/**
 * How money that comes back maps onto a charge's credit (docs/contract.md §13). A charge
 * carried its credit and the 4% card fee; what comes back is taken from the credit first,
 * so the balance never keeps credit whose money went back to the card. An operator's
 * refund pays back credit only: the card fee paid for the charge, whose cost the card
 * network keeps when money is refunded, so it is not refunded.
 */
import { MICROS_PER_CENT, type Micros, micros } from '../money';
import type { CreditedCharge, RefundPart } from './money-back-ports';
import type { DisputeStatus } from './money-back-provider';

/** The most parts one operator refund is split into: each is a write of the refund's single transaction. */
export const MAX_REFUND_PARTS = 25;

/** The charge's credit still on the balance: neither refunded nor taken by a dispute. */
export function creditLeft(charge: CreditedCharge): Micros {
  return micros(Math.max(0, charge.credit - charge.refundedCredit - charge.disputedCredit));
}

/** What money coming back from a charge (a refund, a dispute) takes from the balance: its credit part. */
export function creditPartOf(charge: CreditedCharge, amountCents: number): Micros {
  return micros(Math.min(amountCents * MICROS_PER_CENT, creditLeft(charge)));
}

export type RefundPlan =
  | { readonly kind: 'planned'; readonly parts: readonly RefundPart[]; readonly charges: readonly CreditedCharge[] }
  /** The charges that may be refunded carry less credit than asked: `refundable` is what they carry. */
  | { readonly kind: 'short'; readonly refundable: Micros; readonly tooManyCharges: boolean };

/**
 * Splits an operator refund over the partner's charges, most recent first, each for the
 * credit it has left. A charge under dispute is skipped: the provider refuses to refund it.
 */
export function planRefund(amount: Micros, chargesNewestFirst: readonly CreditedCharge[]): RefundPlan {
  const parts: RefundPart[] = [];
  const used: CreditedCharge[] = [];
  let remaining = amount as number;
  let refundable = 0;
  for (const charge of chargesNewestFirst) {
    if (remaining === 0) break;
    if (charge.disputedCredit > 0) continue;
    const take = Math.min(remaining, creditLeft(charge));
    if (take <= 0) continue;
    if (parts.length === MAX_REFUND_PARTS)
      return { kind: 'short', refundable: micros(refundable), tooManyCharges: true };
    parts.push({
      attemptId: charge.attemptId,
      providerChargeId: charge.providerChargeId,
      amount: micros(take),
      state: 'open',
    });
    used.push(charge);
    remaining -= take;
    refundable += take;
  }
  if (remaining > 0) return { kind: 'short', refundable: micros(refundable), tooManyCharges: false };
  return { kind: 'planned', parts, charges: used };
}

/**
 * The dispute states the books move through on the way to where the provider says the
 * dispute stands: a dispute that took money is booked `open` (the chargeback) before it is
 * `won` or `lost`, whatever order the reports arrive in, so a dispute first seen closed
 * still has its chargeback in the ledger, and a won one its reversal.
 */
export function nextDisputeState(stored: DisputeStatus | undefined, target: DisputeStatus): DisputeStatus | undefined {
  if (stored === target) return undefined;
  switch (target) {
    case 'inquiry':
      return stored === undefined ? 'inquiry' : undefined;
    case 'inquiry-closed':
      return stored === undefined || stored === 'inquiry' ? 'inquiry-closed' : undefined;
    case 'open':
      return stored === undefined || stored === 'inquiry' ? 'open' : undefined;
    case 'won':
    case 'lost':
      if (stored === 'open') return target;
      // A lost dispute the merchant appealed and won: the chargeback comes back.
      if (stored === 'lost' && target === 'won') return 'won';
      // An inquiry that became a dispute, or a dispute first reported closed: its chargeback comes first.
      return stored === undefined || stored === 'inquiry' || stored === 'inquiry-closed' ? 'open' : undefined;
  }
}
