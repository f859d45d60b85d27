/**
 * Charges a saved card through Stripe: one off-session PaymentIntent, confirmed when it
 * is created, keyed by the charge attempt id. Only what Stripe states clearly becomes
 * `succeeded` or `declined`; everything else is `unknown`, so the attempt stays open and
 * is resumed with the same key, which Stripe answers with the same PaymentIntent.
 */
import Stripe from 'stripe';
import type { Clock } from '../../domain/ports';
import type { ChargeRequest, ChargeResult, PaymentProvider } from '../../domain/recharge/payment-provider';

/** Reported when Stripe declines without saying why. */
const UNSPECIFIED_DECLINE = 'card_declined';
/** An off-session charge that the bank wants the cardholder to confirm cannot go through. */
const AUTHENTICATION_REQUIRED = 'authentication_required';
const MAX_REASON_LENGTH = 500;
/**
 * Stripe keeps an idempotency key for at least 24 hours; past that a replay would create a
 * second PaymentIntent. An attempt older than this is first looked up by its metadata.
 */
export const KEY_TRUSTED_FOR_MS = 23 * 60 * 60 * 1000;

export class StripePaymentProvider implements PaymentProvider {
  constructor(
    private readonly stripe: Stripe,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    assertChargeable(request);
    const age = request.firstTriedAt === undefined ? 0 : this.clock.now().getTime() - request.firstTriedAt.getTime();
    if (age >= KEY_TRUSTED_FOR_MS) {
      let earlier: Stripe.PaymentIntent | undefined;
      try {
        earlier = await this.findByAttempt(request.idempotencyKey);
      } catch (error) {
        // A lookup that fails says nothing: the attempt stays open rather than risk a second charge.
        return fromError(error);
      }
      if (earlier !== undefined) return fromIntent(earlier);
    }
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          ...(request.customerId !== undefined && request.customerId !== '' && { customer: request.customerId }),
          payment_method: request.paymentMethod,
          off_session: true,
          confirm: true,
          description: request.description,
          metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      return fromError(error);
    }
    return fromIntent(intent);
  }

  /** The PaymentIntent an attempt created, if any, through Stripe's Search API (metadata is indexed within a minute). */
  private async findByAttempt(attemptId: string): Promise<Stripe.PaymentIntent | undefined> {
    const result = await this.stripe.paymentIntents.search({
      query: `metadata['attemptId']:'${attemptId.replace(/'/g, "\\'")}'`,
      limit: 1,
    });
    return result.data[0];
  }
}

/** Requests no provider could carry out are bugs upstream: they throw before anything is sent. */
function assertChargeable(request: ChargeRequest): void {
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
    throw new RangeError(`a charge needs a positive whole number of cents, got ${request.amountCents}`);
  }
  if (request.idempotencyKey.trim() === '') {
    throw new RangeError('a charge needs an idempotency key');
  }
  if (request.paymentMethod.trim() === '') {
    throw new RangeError('a charge needs a payment method');
  }
}

function fromIntent(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { outcome: 'succeeded', providerChargeId: intent.id };
    case 'requires_payment_method':
    case 'canceled':
      return {
        outcome: 'declined',
        declineCode: declineCodeOf(intent) ?? UNSPECIFIED_DECLINE,
        providerChargeId: intent.id,
      };
    case 'requires_action':
      return {
        outcome: 'declined',
        declineCode: declineCodeOf(intent) ?? AUTHENTICATION_REQUIRED,
        providerChargeId: intent.id,
      };
    default:
      // `processing` may still succeed; `requires_capture` or `requires_confirmation` mean
      // the intent was not created as asked. Neither is a decline.
      return { outcome: 'unknown', reason: clip(`payment intent ${intent.id} is ${intent.status}`) };
  }
}

function declineCodeOf(intent: Stripe.PaymentIntent): string | undefined {
  const error = intent.last_payment_error;
  return nonEmpty(error?.decline_code) ?? nonEmpty(error?.code);
}

/**
 * Only a card error is a decline. Every other error leaves the outcome unknown:
 * - connection errors and timeouts: the charge may have been made after the request left;
 * - api (5xx), rate limit, authentication, permission errors: Stripe said nothing about the card;
 * - idempotency errors: the key was reused with other parameters, a bug to look into;
 * - invalid requests, even those naming the payment method (`resource_missing` on
 *   `payment_method`): the same answer comes from a wrong key, account or mode, or a bug
 *   of ours, and a decline would tell finance and the partner that the card failed.
 *   Unknown keeps the attempt open and alarms, and the reason says what Stripe answered.
 * Anything thrown by the call, whatever it is, comes after the request may have gone
 * out, so it is never rethrown.
 */
function fromError(error: unknown): ChargeResult {
  if (error instanceof Stripe.errors.StripeCardError) {
    // The SDK sets `decline_code` to '' when Stripe sent none (e.g. expired_card).
    const declineCode = nonEmpty(error.decline_code) ?? nonEmpty(error.code) ?? UNSPECIFIED_DECLINE;
    const intentId = error.payment_intent?.id;
    return { outcome: 'declined', declineCode, ...(intentId !== undefined && { providerChargeId: intentId }) };
  }
  if (error instanceof Stripe.errors.StripeError) {
    return { outcome: 'unknown', reason: clip(describeStripeError(error)) };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { outcome: 'unknown', reason: clip(`stripe call failed: ${message}`) };
}

function describeStripeError(error: InstanceType<typeof Stripe.errors.StripeError>): string {
  const facts = [
    nonEmpty(error.rawType) !== undefined ? `type ${error.rawType}` : undefined,
    error.statusCode !== undefined ? `status ${error.statusCode}` : undefined,
    nonEmpty(error.code) !== undefined ? `code ${error.code}` : undefined,
    nonEmpty(error.param) !== undefined ? `param ${error.param}` : undefined,
    nonEmpty(error.requestId) !== undefined ? `request ${error.requestId}` : undefined,
  ].filter((fact) => fact !== undefined);
  return `${error.type}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}: ${error.message}`;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

function clip(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
