/**
 * The payment method ids the sandbox provider knows: Stripe's test payment methods
 * (https://docs.stripe.com/testing) and what an off-session charge with each does, with
 * the `last_payment_error` Stripe gives a PaymentIntent that fails, and the dispute the
 * cardholder's bank opens afterwards on Stripe's dispute test cards.
 */

/** Stripe's `last_payment_error` of a PaymentIntent, as far as the sandbox fills it. */
export interface PaymentError {
  readonly type: 'card_error' | 'invalid_request_error';
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
}

/**
 * A dispute the cardholder's bank opens on a charge that succeeded, as Stripe's dispute test
 * cards do: a chargeback (`needs_response`, the money is taken back) or an inquiry
 * (`warning_needs_response`, nothing taken yet).
 */
export interface DisputeOpening {
  readonly status: 'needs_response' | 'warning_needs_response';
  readonly reason: string;
}

export type TestCard =
  | { readonly charge: 'succeeds'; readonly disputed?: DisputeOpening }
  | { readonly charge: 'declines'; readonly error: PaymentError }
  /** The bank asks the cardholder to authenticate (3D Secure) before the charge can go through. */
  | { readonly charge: 'requires-authentication' };

const declined = (declineCode: string, message: string): TestCard => ({
  charge: 'declines',
  error: { type: 'card_error', code: 'card_declined', decline_code: declineCode, message },
});

export const TEST_CARDS: ReadonlyMap<string, TestCard> = new Map<string, TestCard>([
  ['pm_card_visa', { charge: 'succeeds' }],
  ['pm_card_mastercard', { charge: 'succeeds' }],
  // Soft declines: the same card may pay another day.
  ['pm_card_chargeDeclined', declined('generic_decline', 'Your card was declined.')],
  ['pm_card_chargeDeclinedInsufficientFunds', declined('insufficient_funds', 'Your card has insufficient funds.')],
  // Hard declines: the card will not pay again. Stripe reports an expired card by its code alone.
  [
    'pm_card_chargeDeclinedExpiredCard',
    { charge: 'declines', error: { type: 'card_error', code: 'expired_card', message: 'Your card has expired.' } },
  ],
  ['pm_card_chargeDeclinedLostCard', declined('lost_card', 'Your card was declined.')],
  ['pm_card_chargeDeclinedStolenCard', declined('stolen_card', 'Your card was declined.')],
  ['pm_card_chargeDeclinedFraudulent', declined('fraudulent', 'Your card was declined.')],
  ['pm_card_authenticationRequired', { charge: 'requires-authentication' }],
  // Paid, then disputed as fraud for the whole amount: locally when the test clock next moves.
  ['pm_card_createDispute', { charge: 'succeeds', disputed: { status: 'needs_response', reason: 'fraudulent' } }],
  [
    'pm_card_createDisputeInquiry',
    { charge: 'succeeds', disputed: { status: 'warning_needs_response', reason: 'fraudulent' } },
  ],
]);

/**
 * A payment method the sandbox knows that is not a card (a SEPA Direct Debit mandate, which
 * Stripe has no test id for): refused wherever a card is needed.
 */
export const NOT_A_CARD = 'pm_sepa_debit';

/** A charge with a payment method the sandbox does not know declines, so a typo shows in the attempt. */
export const UNKNOWN_PAYMENT_METHOD: PaymentError = {
  type: 'card_error',
  code: 'card_declined',
  decline_code: 'unknown_test_payment_method',
  message: 'sandbox: not one of the test payment methods',
};

/** What Stripe records when the cardholder fails 3D Secure; the PaymentIntent needs a new payment method. */
export const AUTHENTICATION_FAILED: PaymentError = {
  type: 'invalid_request_error',
  code: 'payment_intent_authentication_failure',
  message:
    'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
};

/** The decline code a failed PaymentIntent answers: Stripe's `decline_code`, else its error `code`. */
export function declineCodeOf(error: PaymentError): string {
  return error.decline_code ?? error.code;
}
