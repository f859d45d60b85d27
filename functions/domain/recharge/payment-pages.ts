/**
 * A hosted page where the partner pays one charge now, on-session (Stripe Checkout in
 * `payment` mode), its card saved for later off-session charges (docs/contract.md §14).
 * The page is answered as a charge waiting for the cardholder: `action-required`, with
 * the page's session as the provider charge and its URL as the `actionUrl`. The payment
 * port's `chargeStatus` and `cancelCharge` answer about such a session as about any
 * waiting charge: paid (succeeded, with the PaymentIntent that paid it), still open
 * (action-required), or expired or canceled (canceled, nothing charged).
 */
import type { Currency } from '../money';
import type { ChargeResult } from './payment-provider';

export interface PaymentPageRequest {
  readonly partnerId: string;
  /** The provider's customer the card is saved to. */
  readonly customerId: string;
  /** Whole cents: credit plus card fee. */
  readonly amountCents: number;
  readonly currency: Currency;
  /** The charge attempt's id: one page per attempt, ever. */
  readonly idempotencyKey: string;
  readonly description: string;
}

export interface PaymentPages {
  /** `action-required` with the page, `failed` if the provider refused the request, `unknown` without an answer. */
  createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult>;
}
