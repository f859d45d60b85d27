/**
 * The card payment port. A charge is identified by its idempotency key (the charge
 * attempt id): asking again with the same key must answer about the same charge, never
 * make a second one. An outcome the provider did not state clearly (timeouts, 5xx,
 * connection errors) is `unknown`, never `declined`: the attempt stays open and is
 * resumed with the same key.
 */
import type { Currency } from '../money';

export interface ChargeRequest {
  readonly partnerId: string;
  /** The provider's customer the card is saved to, where the provider needs one (Stripe). */
  readonly customerId?: string;
  readonly paymentMethod: string;
  /** Whole cents: credit plus card fee. */
  readonly amountCents: number;
  readonly currency: Currency;
  readonly idempotencyKey: string;
  readonly description: string;
  /**
   * When the attempt was first sent. Providers keep idempotency keys for a limited time
   * (Stripe: 24 hours); an older attempt must be looked up before it is sent again.
   */
  readonly firstTriedAt?: Date;
}

export type ChargeResult =
  | { readonly outcome: 'succeeded'; readonly providerChargeId: string }
  | { readonly outcome: 'declined'; readonly declineCode: string; readonly providerChargeId?: string }
  /**
   * The bank wants the cardholder to authenticate: the charge waits at the provider
   * (`providerChargeId`) until the partner completes it on the provider's page at `actionUrl`.
   */
  | { readonly outcome: 'action-required'; readonly providerChargeId: string; readonly actionUrl: string }
  /**
   * The provider refused the request itself (not the card), and confirmed that no charge
   * was made under this key: the attempt may end, and a later one may charge again.
   */
  | { readonly outcome: 'failed'; readonly reason: string }
  | { readonly outcome: 'unknown'; readonly reason: string };

/** Where a charge the provider already holds stands: the same answers as a charge, plus `canceled`. */
export type ChargeStatus = ChargeResult | { readonly outcome: 'canceled'; readonly providerChargeId: string };

export interface ChargeReference {
  readonly partnerId: string;
  readonly providerChargeId: string;
  readonly idempotencyKey: string;
}

/** Why a card reference cannot be stored for a partner; `usable` when it can. */
export type PaymentMethodCheck =
  | { readonly verdict: 'usable' }
  | {
      readonly verdict: 'refused';
      readonly reason: 'not-found' | 'not-a-card' | 'other-customer' | 'customer-required' | 'customer-not-found';
      readonly detail: string;
    }
  /** The provider could not be asked (timeout, 5xx): nothing is stored, the caller may try again. */
  | { readonly verdict: 'unknown'; readonly detail: string };

export interface SetupSessionRequest {
  readonly partnerId: string;
  readonly customerId: string;
  /** Whether the saved card becomes the partner's primary card or its backup. */
  readonly role: CardRole;
}

export interface SetupSession {
  readonly sessionId: string;
  /** The provider's page where the partner saves a card for later off-session charges. */
  readonly url: string;
  readonly expiresAt: Date;
}

export type CardRole = 'primary' | 'backup';

export interface PaymentProvider {
  /** Whether partners must have a provider customer for their cards (Stripe: yes). */
  readonly requiresCustomer: boolean;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Where a charge stands now; asked for charges waiting for the cardholder, and when the provider reports a change. */
  chargeStatus(reference: ChargeReference): Promise<ChargeStatus>;
  /**
   * Gives up a charge waiting for the cardholder, so it can never be paid later: `canceled`,
   * or the charge's final answer when it finished first (it may have succeeded).
   */
  cancelCharge(reference: ChargeReference): Promise<ChargeStatus>;
  /** Checks a card reference before it is stored: a card, saved to this customer. */
  checkPaymentMethod(paymentMethod: string, customerId: string | undefined): Promise<PaymentMethodCheck>;
  /** A hosted page where the partner saves a card to its customer. */
  createSetupSession(request: SetupSessionRequest): Promise<SetupSession>;
  /** The card a completed setup saved (`setupReference`: Stripe's SetupIntent id); undefined if it saved none. */
  savedCard(setupReference: string): Promise<SavedCard | undefined>;
}

export interface SavedCard {
  readonly paymentMethod: string;
  readonly customerId: string;
}
