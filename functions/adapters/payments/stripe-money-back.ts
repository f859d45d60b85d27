/**
 * Stripe's side of money that comes back (docs/contract.md §13): disputes and refunds of the
 * PaymentIntents our charge attempts made, each of which names its attempt and partner in
 * its metadata. Questions (a dispute, a charge's refunds) throw when Stripe cannot be asked,
 * so the report that asked is delivered again; a refund answers `unknown` instead, and is
 * sent again with the same key.
 */
import Stripe from 'stripe';
import type {
  ChargeOfAttempt,
  ChargeRefunds,
  DisputeStatus,
  MoneyBackProvider,
  ProviderDispute,
  ProviderRefund,
  RefundRequest,
  RefundResult,
  RefundStatus,
} from '../../domain/money-back/money-back-provider';
import { parseCurrency } from '../../domain/money';
import type { Clock } from '../../domain/ports';
import { systemClock } from '../system-clock';
import { KEY_TRUSTED_FOR_MS, clip, describeStripeError, isMissing, nonEmpty, unclear } from './stripe-answers';

/**
 * Where each of Stripe's dispute statuses leaves the money:
 * - `warning_*`: an inquiry, the bank asks before any chargeback and takes nothing;
 * - `needs_response`, `under_review`: the chargeback took the money and the case is under way;
 * - `appeal_needs_response`, `appeal_under_review`: a decision is appealed; the money stays
 *   taken until the appeal ends, as in an open case;
 * - `prevented`: stopped before it became a chargeback (Visa's Rapid Dispute Resolution
 *   blocks it or settles it with a refund, which Stripe lists with the charge's refunds and
 *   reports as a refund); the dispute itself took nothing, like an inquiry that closed.
 */
const DISPUTE_STATUSES: Readonly<Record<string, DisputeStatus>> = {
  warning_needs_response: 'inquiry',
  warning_under_review: 'inquiry',
  warning_closed: 'inquiry-closed',
  needs_response: 'open',
  under_review: 'open',
  appeal_needs_response: 'open',
  appeal_under_review: 'open',
  won: 'won',
  lost: 'lost',
  prevented: 'inquiry-closed',
};

/** `requires_action`: the refund waits for the customer's details (not for cards), and may still leave. */
const REFUND_STATUSES: Readonly<Record<string, RefundStatus>> = {
  succeeded: 'succeeded',
  pending: 'pending',
  requires_action: 'pending',
  failed: 'failed',
  canceled: 'canceled',
};

/** Refunds named by Stripe per page when a charge's refunds are listed. */
const REFUNDS_PER_PAGE = 100;

export class StripeMoneyBack implements MoneyBackProvider {
  constructor(
    private readonly stripe: Stripe,
    private readonly clock: Clock = systemClock,
  ) {}

  async dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    let dispute: Stripe.Dispute;
    try {
      dispute = await this.stripe.disputes.retrieve(disputeId, { expand: ['payment_intent'] });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const intent =
      typeof dispute.payment_intent === 'string'
        ? await this.intent(dispute.payment_intent)
        : (dispute.payment_intent ?? undefined);
    // A dispute of a charge made without a PaymentIntent, or by one this system did not make, is not ours.
    const charge = intent === undefined ? undefined : chargeOfAttempt(intent);
    if (charge === undefined) return undefined;
    const status = DISPUTE_STATUSES[dispute.status];
    // A status Stripe added since: nothing is booked until it is known what it does to the money.
    if (status === undefined) throw new Error(`dispute ${dispute.id} has a status unknown here: ${dispute.status}`);
    return {
      disputeId: dispute.id,
      status,
      amountCents: dispute.amount,
      currency: parseCurrency(dispute.currency.toUpperCase()),
      reason: dispute.reason,
      openedAt: new Date(dispute.created * 1000),
      charge,
    };
  }

  async refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    const intent = await this.intent(providerChargeId);
    const charge = intent === undefined ? undefined : chargeOfAttempt(intent);
    if (charge === undefined) return undefined;
    const refunds = (await this.refundsOfIntent(providerChargeId)).map(providerRefund);
    refunds.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.refundId, b.refundId));
    return { charge, refunds };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    assertRefundable(request);
    const paymentIntent = request.charge.providerChargeId;
    if (this.clock.now().getTime() - request.firstTriedAt.getTime() >= KEY_TRUSTED_FOR_MS) {
      // Stripe may have forgotten the key: a refund this part made is found by its metadata instead.
      let earlier: Stripe.Refund | undefined;
      try {
        earlier = (await this.refundsOfIntent(paymentIntent)).find(
          (refund) => refund.metadata?.refundPart === request.idempotencyKey,
        );
      } catch (error) {
        return unclear(error);
      }
      if (earlier !== undefined) return answerOf(earlier);
    }
    let refund: Stripe.Refund;
    try {
      refund = await this.stripe.refunds.create(
        {
          payment_intent: paymentIntent,
          amount: request.amountCents,
          metadata: {
            partnerId: request.charge.partnerId,
            attemptId: request.charge.attemptId,
            operatorReference: request.operatorReference,
            refundPart: request.idempotencyKey,
          },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      return refusedOrUnclear(error);
    }
    return answerOf(refund);
  }

  /** The PaymentIntent, or undefined when Stripe has none with this id. */
  private async intent(paymentIntentId: string): Promise<Stripe.PaymentIntent | undefined> {
    try {
      return await this.stripe.paymentIntents.retrieve(paymentIntentId);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Every refund of a PaymentIntent, every page of them. */
  private async refundsOfIntent(paymentIntent: string): Promise<Stripe.Refund[]> {
    const refunds: Stripe.Refund[] = [];
    for await (const refund of this.stripe.refunds.list({ payment_intent: paymentIntent, limit: REFUNDS_PER_PAGE })) {
      refunds.push(refund);
    }
    return refunds;
  }
}

/** Requests no provider could carry out are bugs upstream: they throw before anything is sent. */
function assertRefundable(request: RefundRequest): void {
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
    throw new RangeError(`a refund needs a positive whole number of cents, got ${request.amountCents}`);
  }
  if (request.idempotencyKey.trim() === '') throw new RangeError('a refund needs an idempotency key');
  if (request.charge.providerChargeId.trim() === '') throw new RangeError('a refund needs the charge to refund');
}

/** The attempt a PaymentIntent was made for, as its metadata names it; undefined for one this system did not make. */
function chargeOfAttempt(intent: Stripe.PaymentIntent): ChargeOfAttempt | undefined {
  const partnerId = nonEmpty(intent.metadata.partnerId);
  const attemptId = nonEmpty(intent.metadata.attemptId);
  if (partnerId === undefined || attemptId === undefined) return undefined;
  return { partnerId, attemptId, providerChargeId: intent.id };
}

function providerRefund(refund: Stripe.Refund): ProviderRefund {
  const status = REFUND_STATUSES[refund.status ?? ''];
  // Whether the money left decides what is booked: a status not known here is not guessed at.
  if (status === undefined) throw new Error(`refund ${refund.id} has a status unknown here: ${refund.status}`);
  const operatorReference = nonEmpty(refund.metadata?.operatorReference);
  return {
    refundId: refund.id,
    amountCents: refund.amount,
    status,
    createdAt: new Date(refund.created * 1000),
    ...(operatorReference !== undefined && { operatorReference }),
  };
}

/** A refund that left, or may still leave, is refunded; one that failed or was canceled never left. */
function answerOf(refund: Stripe.Refund): RefundResult {
  switch (REFUND_STATUSES[refund.status ?? '']) {
    case 'succeeded':
    case 'pending':
      return { outcome: 'refunded', refundId: refund.id };
    case 'failed':
    case 'canceled':
      return {
        outcome: 'refused',
        reason: clip(
          `refund ${refund.id} is ${refund.status}${refund.failure_reason === undefined ? '' : `: ${refund.failure_reason}`}`,
        ),
      };
    default:
      return { outcome: 'unknown', reason: clip(`refund ${refund.id} is ${refund.status ?? 'without a status'}`) };
  }
}

/**
 * Stripe refuses a refund it will not make (the charge refunded already or disputed, more
 * than is left of it, an unknown charge) as an invalid request; nothing was refunded. Every
 * other error (a timeout, a lost connection, 5xx, a rate limit, a key reused with other
 * parameters) may come after the refund was made, so it leaves the outcome unknown.
 */
function refusedOrUnclear(error: unknown): RefundResult {
  if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError) {
    return { outcome: 'refused', reason: clip(describeStripeError(error)) };
  }
  return unclear(error);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
