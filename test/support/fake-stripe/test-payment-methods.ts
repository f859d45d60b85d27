/**
 * Stripe's test PaymentMethod tokens (https://docs.stripe.com/testing) the fake knows, and
 * what a charge of each does. A token stands for a card number: attached to a customer it
 * becomes a new `pm_…` saved to that customer that behaves like its token.
 */

export interface Decline {
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
}

/** What the bank answers a charge: paid, declined, or asking the cardholder to authenticate (3DS). */
export type ChargeOutcome =
  /** Paid; `disputedFor`: then disputed by the cardholder's bank for that reason. */
  | { readonly kind: 'succeed'; readonly disputedFor?: string }
  | { readonly kind: 'decline'; readonly decline: Decline }
  | { readonly kind: 'authenticate' };

export interface TestPaymentMethod {
  readonly type: 'card' | 'us_bank_account';
  /** The type's details as Stripe shows them on the PaymentMethod (`card`, `us_bank_account`). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly outcome: ChargeOutcome;
}

/** Asked for when an off-session charge needs authentication, also as the decline code. */
export const AUTHENTICATION_REQUIRED: Decline = {
  code: 'authentication_required',
  decline_code: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
};

/** Left on the PaymentIntent when the cardholder fails the bank's authentication. */
export const AUTHENTICATION_FAILED: Decline = {
  code: 'payment_intent_authentication_failure',
  message:
    'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
};

/** Test cards take any future expiry; a fixed one keeps the fake's answers the same from run to run. */
const EXPIRES = { exp_month: 12, exp_year: 2034 };

const card = (brand: string, last4: string, outcome: ChargeOutcome): TestPaymentMethod => ({
  type: 'card',
  details: { brand, last4, ...EXPIRES, country: 'US', funding: 'credit' },
  outcome,
});

const declined = (last4: string, decline: Decline): TestPaymentMethod =>
  card('visa', last4, { kind: 'decline', decline });

const SUCCEED: ChargeOutcome = { kind: 'succeed' };

export const TEST_PAYMENT_METHODS: ReadonlyMap<string, TestPaymentMethod> = new Map([
  ['pm_card_visa', card('visa', '4242', SUCCEED)],
  ['pm_card_mastercard', card('mastercard', '4444', SUCCEED)],
  [
    'pm_card_chargeDeclined',
    declined('0002', { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' }),
  ],
  [
    'pm_card_chargeDeclinedInsufficientFunds',
    declined('9995', {
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    }),
  ],
  ['pm_card_chargeDeclinedExpiredCard', declined('0069', { code: 'expired_card', message: 'Your card has expired.' })],
  [
    'pm_card_chargeDeclinedLostCard',
    declined('9987', { code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' }),
  ],
  [
    'pm_card_chargeDeclinedStolenCard',
    declined('9979', { code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' }),
  ],
  [
    'pm_card_chargeDeclinedFraudulent',
    declined('0019', { code: 'card_declined', decline_code: 'fraudulent', message: 'Your card was declined.' }),
  ],
  ['pm_card_authenticationRequired', card('visa', '3184', { kind: 'authenticate' })],
  ['pm_card_createDispute', card('visa', '0259', { kind: 'succeed', disputedFor: 'fraudulent' })],
  [
    'pm_usBankAccount_success',
    {
      type: 'us_bank_account',
      details: { bank_name: 'STRIPE TEST BANK', last4: '6789', routing_number: '110000000', account_type: 'checking' },
      outcome: SUCCEED,
    },
  ],
]);
