/**
 * The Stripe client, created once per process and shared by the payment adapters.
 *
 * Retries and idempotency: the SDK retries a request that timed out, lost its
 * connection, got a 409 or a 5xx (honouring `Stripe-Should-Retry`), waiting 0.5 s
 * before each of the first retries. Every retry re-sends the very same headers, so the caller's
 * `Idempotency-Key` (the charge attempt id) goes with each of them and Stripe answers a
 * retry of a charge it already made with that charge. Without a caller key the SDK adds
 * a random one per call, which protects its own retries but not a later resume, so every
 * charge must pass `idempotencyKey`.
 *
 * Time budget: each attempt is cut after `timeoutMs`; with the default 20 s and two
 * retries a charge takes at most about 3 x 20 s + 1 s before it is reported unknown.
 * A function that charges needs a Lambda timeout above that.
 */
import Stripe from 'stripe';

/** Per attempt. Stripe answers a card charge within seconds; 80 s (the SDK default) would outlive a Lambda. */
export const STRIPE_TIMEOUT_MS = 20_000;
/** Retries after the first attempt, each with the same idempotency key. */
export const STRIPE_MAX_NETWORK_RETRIES = 2;

export interface StripeClientOptions {
  readonly apiKey: string;
  /** Set locally and in tests (a fake Stripe); in AWS the SDK's api.stripe.com is used. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  readonly timeoutMs?: number;
  readonly maxNetworkRetries?: number;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  if (options.apiKey.trim() === '') {
    throw new Error('the Stripe API key is empty');
  }
  return new Stripe(options.apiKey, {
    timeout: options.timeoutMs ?? STRIPE_TIMEOUT_MS,
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    // No request latency metrics sent to Stripe.
    telemetry: false,
    typescript: true,
    ...(options.host !== undefined && { host: options.host }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.protocol !== undefined && { protocol: options.protocol }),
  });
}
