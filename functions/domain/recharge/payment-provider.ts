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
  /** The provider's customer the card belongs to, where the provider needs one (Stripe). */
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
  | { readonly outcome: 'unknown'; readonly reason: string };

export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
}
