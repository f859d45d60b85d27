/**
 * A charge attempt: recorded before the card is charged, and settled exactly once
 * (succeeded: credited and invoiced; declined, failed or canceled: recorded, nothing
 * else). Its id is the provider's idempotency key, so resuming it can never charge the
 * card a second time. An attempt the bank wants the cardholder to authenticate waits in
 * `action-required`, holding the partner's in-flight slot, until the partner completes
 * it on the provider's page, it fails, or a new card replaces it.
 */
import { randomUUID } from 'node:crypto';
import { CARD_FEE_DESCRIPTION, type Currency, type Micros } from '../money';
import type { Charge } from '../recharge-rules';
import type { CardRole, ChargeReference } from './payment-provider';

/** What asked for a charge: a debit's crossing, the daily retry, a new card, the opening, the partner's own top-up. */
export const RECHARGE_TRIGGERS = [
  'below-threshold',
  'overdue',
  'daily-run',
  'payment-method-updated',
  'opening',
  /** The primary card declined this very charge: the backup card is tried for it at once. */
  'backup-card',
  /**
   * The partner asked for a top-up (docs/contract.md §14). As a recharge request it only
   * finishes the top-up's open attempt; it never decides an automatic charge.
   */
  'top-up',
] as const;
export type RechargeTrigger = (typeof RECHARGE_TRIGGERS)[number];

export type AttemptState = 'pending' | 'action-required' | 'succeeded' | 'declined' | 'failed' | 'canceled';
/** States an attempt is still open in: it holds the partner's in-flight slot. */
export const OPEN_ATTEMPT_STATES: readonly AttemptState[] = ['pending', 'action-required'];
/**
 * An opening charge tops a new account up to 500.00; a recharge follows the table of
 * docs/contract.md §5; a top-up is an amount the partner asked for (§14).
 */
export type ChargePurpose = 'opening' | 'recharge' | 'top-up';

/**
 * The `paymentMethod` of a top-up paid on a hosted payment page (docs/contract.md §14): the
 * partner chooses the card there, so the attempt names none of the partner's saved cards,
 * and no decline or dispute of it counts against them.
 */
export const PAYMENT_PAGE = 'payment-page';

export interface ChargeAttempt {
  readonly partnerId: string;
  readonly attemptId: string;
  readonly purpose: ChargePurpose;
  readonly trigger: RechargeTrigger;
  readonly charge: Charge;
  readonly currency: Currency;
  readonly paymentMethod: string;
  /** The role the card had when the attempt was opened; its declines count against that role. */
  readonly cardRole: CardRole;
  readonly paymentCustomerId?: string;
  /** The partner's reference of a top-up: one top-up, and one attempt, per reference. */
  readonly reference?: string;
  readonly state: AttemptState;
  readonly createdAt: Date;
  readonly settledAt?: Date;
  readonly declineCode?: string;
  readonly providerChargeId?: string;
  /** Where the partner authenticates an `action-required` attempt. */
  readonly actionUrl?: string;
  /** Why a `failed` or `canceled` attempt ended. */
  readonly failureReason?: string;
  /** Why the last provider call had no clear answer; the attempt stays pending. */
  readonly lastError?: string;
}

/** A charge the partner pays on a hosted payment page rather than one made off-session on a saved card. */
export function isPaymentPage(attempt: ChargeAttempt): boolean {
  return attempt.paymentMethod === PAYMENT_PAGE;
}

/**
 * A partner's top-up as it was asked for: the reference names it once, ever, with its
 * amount and whether it is paid on a payment page, and the attempt that charges it.
 */
export interface TopUp {
  readonly partnerId: string;
  readonly reference: string;
  /** The credit asked for; the card is charged that plus the card fee. */
  readonly amount: Micros;
  readonly checkout: boolean;
  readonly attemptId: string;
  readonly requestedAt: Date;
}

/** Attempt ids sort by creation time, so a partner's attempts list in order. */
export function newAttemptId(at: Date): string {
  return `att-${at.toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
}

export interface InvoiceLine {
  /**
   * `credit`: what a recharge or an opening charge credits; `top-up`: what a partner's top-up
   * credits; `license-fee`: the monthly fee for hosted numbers (functions/domain/monthly),
   * charged without a credit.
   */
  readonly kind: 'credit' | 'top-up' | 'card-fee' | 'license-fee';
  readonly description: string;
  readonly amount: Micros;
}

export interface Invoice {
  readonly partnerId: string;
  readonly invoiceId: string;
  readonly attemptId: string;
  readonly issuedAt: Date;
  readonly currency: Currency;
  readonly lines: readonly InvoiceLine[];
  /** Whole cents: what the card was charged. */
  readonly total: Micros;
  readonly providerChargeId: string;
}

/** The provider's charge of an attempt that reached it (one waiting for its cardholder), as the provider is asked about it. */
export function chargeReferenceOf(attempt: ChargeAttempt): ChargeReference {
  if (attempt.providerChargeId === undefined)
    throw new Error(`attempt ${attempt.attemptId} waits for its cardholder but has no provider charge`);
  return {
    partnerId: attempt.partnerId,
    providerChargeId: attempt.providerChargeId,
    idempotencyKey: attempt.attemptId,
  };
}

/** One invoice per successful attempt, so its id follows from the attempt's. */
export const invoiceIdOf = (attempt: ChargeAttempt): string => `inv-${attempt.attemptId}`;

const CREDIT_LINES: Readonly<Record<ChargePurpose, Pick<InvoiceLine, 'kind' | 'description'>>> = {
  opening: { kind: 'credit', description: 'Opening balance top-up' },
  recharge: { kind: 'credit', description: 'Prepaid balance recharge' },
  'top-up': { kind: 'top-up', description: 'Prepaid balance top-up' },
};

export function invoiceFor(attempt: ChargeAttempt, providerChargeId: string, issuedAt: Date): Invoice {
  const { credit, fee, total } = attempt.charge;
  return {
    partnerId: attempt.partnerId,
    invoiceId: invoiceIdOf(attempt),
    attemptId: attempt.attemptId,
    issuedAt,
    currency: attempt.currency,
    lines: [
      { ...CREDIT_LINES[attempt.purpose], amount: credit },
      { kind: 'card-fee', description: CARD_FEE_DESCRIPTION, amount: fee },
    ],
    total,
    providerChargeId,
  };
}
