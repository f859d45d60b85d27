/**
 * How the Stripe adapters read what Stripe answers: how long it answers a key with what the
 * key made, an error as the reason an outcome is unknown or refused, and the ids of fields
 * Stripe sends as an id or, expanded, as the object.
 */
import Stripe from 'stripe';

/**
 * Stripe keeps an idempotency key for at least 24 hours; past that a replay would make a
 * second PaymentIntent or refund. A request first sent longer ago than this is looked up
 * by its metadata before it is sent again.
 */
export const KEY_TRUSTED_FOR_MS = 23 * 60 * 60 * 1000;
const MAX_REASON_LENGTH = 500;

/** An error that says nothing about the money, with what Stripe answered as the reason. */
export function unclear(error: unknown): { readonly outcome: 'unknown'; readonly reason: string } {
  if (error instanceof Stripe.errors.StripeError)
    return { outcome: 'unknown', reason: clip(describeStripeError(error)) };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { outcome: 'unknown', reason: clip(`stripe call failed: ${message}`) };
}

/** Stripe has no object with the id asked for. */
export function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}

export function describeStripeError(error: InstanceType<typeof Stripe.errors.StripeError>): string {
  const facts = [
    nonEmpty(error.rawType) !== undefined ? `type ${error.rawType}` : undefined,
    error.statusCode !== undefined ? `status ${error.statusCode}` : undefined,
    nonEmpty(error.code) !== undefined ? `code ${error.code}` : undefined,
    nonEmpty(error.param) !== undefined ? `param ${error.param}` : undefined,
    nonEmpty(error.requestId) !== undefined ? `request ${error.requestId}` : undefined,
  ].filter((fact) => fact !== undefined);
  return `${error.type}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}: ${error.message}`;
}

/** The id of an object Stripe sends as its id or, expanded, as the object. */
export function idOf(value: string | { readonly id: string } | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return nonEmpty(typeof value === 'string' ? value : value.id);
}

export function nonEmpty(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

/** A reason short enough to be stored and published. */
export function clip(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
