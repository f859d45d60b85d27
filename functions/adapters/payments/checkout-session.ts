/**
 * What Stripe's Checkout Sessions and the sandbox's stand-in for them share: how a session
 * id looks, and how long a payment page lives.
 */

/** Stripe names Checkout Sessions `cs_test_…` and `cs_live_…`; the sandbox `cs_sandbox_…`. */
const CHECKOUT_SESSION_PREFIX = 'cs_';

/**
 * Stripe's shortest session lifetime: a top-up waiting on its payment page holds the
 * partner's single charge slot no longer than this.
 */
export const PAYMENT_PAGE_LIFETIME_MS = 30 * 60 * 1000;

/** Whether a provider charge id names a Checkout Session rather than a PaymentIntent. */
export function isCheckoutSession(providerChargeId: string): boolean {
  return providerChargeId.startsWith(CHECKOUT_SESSION_PREFIX);
}
