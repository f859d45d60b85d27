/**
 * The recharge table of docs/contract.md §5 and the opening-balance rule of §3, as
 * pure functions. They decide how much to credit; the card is charged that plus the fee.
 */
import {
  MAX_CARD_CREDIT,
  type Micros,
  ZERO,
  add,
  cardFee,
  ceilToCent,
  micros,
  negate,
  parseAmount,
  subtract,
} from './money';

export interface RechargeSettings {
  readonly threshold: Micros;
  readonly autoRenewAmount: Micros;
  readonly autoRecharge: boolean;
  /**
   * At most this much is credited by automatic recharges in a UTC month (docs/contract.md
   * §14); none when absent. Opening charges, top-ups and finance payments are not capped.
   */
  readonly monthlyLimit?: Micros;
}

export const DEFAULT_RECHARGE_SETTINGS: RechargeSettings = {
  threshold: parseAmount('100.00'),
  autoRenewAmount: parseAmount('500.00'),
  autoRecharge: true,
};

/** The balance a new partner must open with at least (docs/contract.md §3). */
export const MINIMUM_OPENING_BALANCE = parseAmount('500.00');

export interface Charge {
  /** Credited to the balance; whole cents. */
  readonly credit: Micros;
  /** 4% of the credit, rounded half up to the cent. */
  readonly fee: Micros;
  /** What the card is charged: credit + fee. */
  readonly total: Micros;
}

export type RechargeReason = 'below-threshold' | 'overdue';

export type RechargeDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'charge'; readonly reason: RechargeReason; readonly charge: Charge };

const NO_CHARGE: RechargeDecision = { kind: 'none' };

/**
 * What to charge for a live balance B, threshold T and auto-renew amount A:
 * B >= T nothing; 0 < B < T: A if auto-recharge is on; B <= 0: -B + A (auto-recharge
 * off: -B, nothing when that is 0). A credit covering a negative balance is rounded up
 * to the cent, because cards are charged in whole cents and a credit that fell a
 * fraction of a cent short would leave the partner overdue.
 */
export function decideRecharge(balance: Micros, settings: RechargeSettings): RechargeDecision {
  if (balance >= settings.threshold) return NO_CHARGE;
  if (balance > 0) {
    return settings.autoRecharge ? charge('below-threshold', settings.autoRenewAmount) : NO_CHARGE;
  }
  const deficit = negate(balance);
  const credit = settings.autoRecharge ? add(deficit, settings.autoRenewAmount) : deficit;
  return credit === ZERO ? NO_CHARGE : charge('overdue', credit);
}

/**
 * The opening charge of docs/contract.md §3: a partner opens with the remainder of its
 * previous invoice; below 500.00 the card is charged the difference at once.
 */
export function decideOpeningCharge(previousInvoiceRemainder: Micros): Charge | undefined {
  if (previousInvoiceRemainder >= MINIMUM_OPENING_BALANCE) return undefined;
  return toCharge(subtract(MINIMUM_OPENING_BALANCE, previousInvoiceRemainder));
}

function charge(reason: RechargeReason, credit: Micros): RechargeDecision {
  return { kind: 'charge', reason, charge: toCharge(credit) };
}

/**
 * Builds the card charge for a credit, rounding the credit up to whole cents. A credit
 * above what one card charge can carry is capped at MAX_CARD_CREDIT: the partner is
 * credited that much now and the rest by the next charge (docs/contract.md §2).
 */
export function toCharge(credit: Micros): Charge {
  if (credit <= 0) throw new RangeError('a charge credits a positive amount');
  const creditCents = credit >= MAX_CARD_CREDIT ? MAX_CARD_CREDIT : ceilToCent(credit);
  const fee = cardFee(creditCents);
  return { credit: creditCents, fee, total: micros(creditCents + fee) };
}
