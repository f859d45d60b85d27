/**
 * Reads Stripe's webhook deliveries. The signature is checked with the SDK's own check (an
 * HMAC of the raw body under the endpoint's signing secret, signed within the tolerance of
 * its receipt), which calls nothing at Stripe; only the SDK's static webhook helpers are
 * used, so no API client is created. A signed event is then reduced to what billing acts
 * on: a setup session that saved a card, a change of a charge one of our attempts made (its
 * PaymentIntent, or the payment page it is paid on: a Checkout Session in payment mode
 * completed or expired), a dispute that changed, or a PaymentIntent whose refunds changed.
 * Stripe's disputes and refunds do not carry our metadata, so those two name only Stripe's
 * object, and the use case asks Stripe whether it is ours.
 */
import Stripe from 'stripe';
import * as z from 'zod';
import type { Clock } from '../../domain/ports';
import type { ProviderEvent, ProviderEventReader, RefusedDelivery } from '../../domain/recharge/provider-events';
import { systemClock } from '../system-clock';

/** Stripe's tolerance, in seconds, between a delivery's signature and its receipt: 300. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = Stripe.webhooks.DEFAULT_TOLERANCE;
/** Passed to the SDK's check, a tolerance of 0 checks the signature alone, whatever its age. */
const ANY_AGE = 0;

const StripeEvent = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
type StripeEvent = z.infer<typeof StripeEvent>;

/** A setup session made by this system: it names the partner and, for a backup card, the role. */
const CompletedSetupSession = z.object({
  id: z.string().min(1),
  mode: z.literal('setup'),
  setup_intent: z.string().min(1),
  metadata: z.object({ partnerId: z.string().min(1), role: z.enum(['primary', 'backup']).default('primary') }),
});

/** A payment page of a charge attempt (Checkout in payment mode): its metadata names the attempt and the partner. */
const AttemptPaymentSession = z.object({
  id: z.string().min(1),
  mode: z.literal('payment'),
  metadata: z.object({ partnerId: z.string().min(1), attemptId: z.string().min(1) }),
});

/** A PaymentIntent made by a charge attempt: its metadata names the attempt and the partner. */
const AttemptPaymentIntent = z.object({
  id: z.string().min(1),
  metadata: z.object({ partnerId: z.string().min(1), attemptId: z.string().min(1) }),
});

/** A dispute, or an inquiry, on any charge: whether it is ours is asked of Stripe. */
const Dispute = z.object({ id: z.string().min(1), object: z.literal('dispute') });

/** A refund, or a charge that was refunded, of a PaymentIntent. */
const RefundedPaymentIntent = z.object({
  object: z.enum(['charge', 'refund']),
  payment_intent: z.string().min(1),
});

const DISPUTE_CHANGES = new Set([
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
]);

/** `charge.refunded` carries the Charge; the others carry the Refund. */
const REFUND_CHANGES = new Set([
  'charge.refunded',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
]);

/** A payment page paid (completed) or given up (expired): the use case asks the session where it stands. */
const PAYMENT_PAGE_CHANGES = new Set(['checkout.session.completed', 'checkout.session.expired']);

const CHARGE_CHANGES = new Set([
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.requires_action',
]);

export class StripeEventReader implements ProviderEventReader {
  constructor(
    private readonly signingSecret: string,
    private readonly toleranceSeconds: number = STRIPE_SIGNATURE_TOLERANCE_SECONDS,
    private readonly clock: Clock = systemClock,
  ) {
    if (signingSecret.trim() === '') throw new Error('the Stripe webhook signing secret is empty');
    if (!Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
      // The SDK reads 0 as "any age": a reader must always refuse stale deliveries.
      throw new RangeError(`the signature tolerance must be a positive number of seconds, got ${toleranceSeconds}`);
    }
  }

  async read(rawBody: string, signatureHeader: string | undefined): Promise<ProviderEvent | RefusedDelivery> {
    if (signatureHeader === undefined || signatureHeader.trim() === '') {
      return refused('the delivery has no Stripe-Signature header');
    }
    const receivedAt = this.clock.now().getTime();
    let payload: unknown;
    try {
      payload = Stripe.webhooks.constructEvent(
        rawBody,
        signatureHeader,
        this.signingSecret,
        this.toleranceSeconds,
        undefined,
        receivedAt,
      );
    } catch (error) {
      return refused(this.whyRefused(error, rawBody, signatureHeader, receivedAt));
    }
    const event = StripeEvent.safeParse(payload);
    if (!event.success) return refused(`the body is not a Stripe event: ${z.prettifyError(event.error)}`);
    return eventOf(event.data);
  }

  private whyRefused(error: unknown, rawBody: string, signatureHeader: string, receivedAt: number): string {
    // The SDK checks the signature before it parses the body.
    if (error instanceof SyntaxError) return `the body is not JSON: ${error.message}`;
    if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) {
      return `the body is not a Stripe event: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (this.signedAtAnyAge(rawBody, signatureHeader, receivedAt)) {
      return `the signature is stale: signed more than ${this.toleranceSeconds} s before it was received`;
    }
    return `the signature does not match the endpoint's secret: ${firstLine(error.message)}`;
  }

  /** Whether the signature is right once its age is left aside: what is left wrong is its age. */
  private signedAtAnyAge(rawBody: string, signatureHeader: string, receivedAt: number): boolean {
    const signature = Stripe.webhooks.signature;
    if (signature === null) return false;
    try {
      return signature.verifyHeader(rawBody, signatureHeader, this.signingSecret, ANY_AGE, undefined, receivedAt);
    } catch {
      return false;
    }
  }
}

function eventOf(event: StripeEvent): ProviderEvent {
  const reported = { eventId: event.id, occurredAt: new Date(event.created * 1000) };
  if (event.type === 'checkout.session.completed') {
    // Sessions this system did not make are not acted on.
    const session = CompletedSetupSession.safeParse(event.data.object);
    if (session.success) {
      return {
        ...reported,
        kind: 'card-saved',
        partnerId: session.data.metadata.partnerId,
        role: session.data.metadata.role,
        sessionId: session.data.id,
        setupReference: session.data.setup_intent,
      };
    }
  }
  if (PAYMENT_PAGE_CHANGES.has(event.type)) {
    const session = AttemptPaymentSession.safeParse(event.data.object);
    if (session.success) {
      return {
        ...reported,
        kind: 'charge-changed',
        partnerId: session.data.metadata.partnerId,
        attemptId: session.data.metadata.attemptId,
        providerChargeId: session.data.id,
      };
    }
  }
  if (CHARGE_CHANGES.has(event.type)) {
    const intent = AttemptPaymentIntent.safeParse(event.data.object);
    if (intent.success) {
      return {
        ...reported,
        kind: 'charge-changed',
        partnerId: intent.data.metadata.partnerId,
        attemptId: intent.data.metadata.attemptId,
        providerChargeId: intent.data.id,
      };
    }
  }
  if (DISPUTE_CHANGES.has(event.type)) {
    const dispute = Dispute.safeParse(event.data.object);
    if (dispute.success) return { ...reported, kind: 'dispute-changed', disputeId: dispute.data.id };
  }
  if (REFUND_CHANGES.has(event.type)) {
    // A refund of a charge made without a PaymentIntent is of no charge this system made.
    const refunded = RefundedPaymentIntent.safeParse(event.data.object);
    if (refunded.success) {
      return { ...reported, kind: 'charge-refunded', providerChargeId: refunded.data.payment_intent };
    }
  }
  return { ...reported, kind: 'ignored', type: event.type };
}

function refused(reason: string): RefusedDelivery {
  return { kind: 'refused', reason };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
