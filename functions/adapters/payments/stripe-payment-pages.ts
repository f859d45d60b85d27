/**
 * Stripe's hosted payment page behind the PaymentPages port (docs/contract.md §14): a
 * Checkout Session in payment mode for the partner's customer, one line item of the amount,
 * its PaymentIntent carrying the attempt in its metadata and saving the card for later
 * off-session charges. While the partner has not paid, the session is the attempt's
 * provider charge, and where it stands is read from it: paid (answered with the
 * PaymentIntent that paid it, which invoices, refunds and disputes name), open (its page),
 * or expired (nothing charged). A session cannot be canceled at Stripe, only expired.
 */
import Stripe from 'stripe';
import type { CardPages } from '../../config';
import type { Clock } from '../../domain/ports';
import type { PaymentPageRequest } from '../../domain/recharge/payment-pages';
import type { ChargeReference, ChargeResult, ChargeStatus } from '../../domain/recharge/payment-provider';
import { PAYMENT_PAGE_LIFETIME_MS } from './checkout-session';
import { clip, describeStripeError, idOf, isMissing, nonEmpty, unclear } from './stripe-answers';

/**
 * Stripe counts the lifetime from when it creates the session, which can be later than the
 * time the request was made by the client's retries (about a minute) and clock skew; a
 * session asked to live less than 30 minutes from then is refused.
 */
const LIFETIME_MARGIN_MS = 2 * 60 * 1000;

export class StripePaymentPages {
  constructor(
    private readonly stripe: Stripe,
    /** Where Stripe's page sends the partner back: after paying, or on giving up. */
    private readonly pages: CardPages,
    private readonly clock: Clock,
  ) {}

  async createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    assertPayable(request);
    const metadata = { partnerId: request.partnerId, attemptId: request.idempotencyKey };
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer: request.customerId,
          allowed_payment_method_types: ['card'],
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: request.amountCents,
                product_data: { name: request.description },
              },
            },
          ],
          // The PaymentIntent names the attempt too, so its events and its disputes and refunds find it.
          payment_intent_data: { setup_future_usage: 'off_session', description: request.description, metadata },
          metadata,
          success_url: this.pages.returnUrl,
          cancel_url: this.pages.cancelUrl,
          expires_at: Math.floor((this.clock.now().getTime() + PAYMENT_PAGE_LIFETIME_MS + LIFETIME_MARGIN_MS) / 1000),
        },
        { idempotencyKey: `${request.idempotencyKey}:checkout` },
      );
    } catch (error) {
      return this.afterRefusal(error, request);
    }
    return pageAnswer(session);
  }

  async chargeStatus(reference: ChargeReference): Promise<ChargeStatus> {
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.retrieve(reference.providerChargeId);
    } catch (error) {
      // A 404 says nothing either: the same answer comes from a wrong key, account or mode.
      return unclear(error);
    }
    return statusOf(session, reference);
  }

  /** Expires the session, so its page can never be paid; a session that finished first answers where it stands. */
  async cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.expire(
        reference.providerChargeId,
        {},
        { idempotencyKey: `${reference.idempotencyKey}:expire` },
      );
    } catch (error) {
      // Stripe expires only open sessions: one paid or expired already is read as it stands.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) return this.chargeStatus(reference);
      return unclear(error);
    }
    return statusOf(session, reference);
  }

  /**
   * Stripe refused the request, or the attempt's key was used before with other parameters
   * (a resume asks for a later `expires_at`). A session of the attempt may exist from a
   * call whose answer was lost, so it is looked for among the customer's sessions: found,
   * it is the answer; not found (or no such customer), a refusal ends the attempt, since
   * nothing was charged.
   * Every other error leaves the outcome unknown.
   */
  private async afterRefusal(error: unknown, request: PaymentPageRequest): Promise<ChargeResult> {
    const refused = error instanceof Stripe.errors.StripeInvalidRequestError;
    if (!refused && !(error instanceof Stripe.errors.StripeIdempotencyError)) return unclear(error);
    let earlier: Stripe.Checkout.Session | undefined;
    try {
      earlier = await this.sessionOfAttempt(request.customerId, request.idempotencyKey);
    } catch (lookup) {
      // A customer Stripe does not know has no session that could take the money.
      if (refused && isMissing(lookup)) return { outcome: 'failed', reason: clip(describeStripeError(error)) };
      return {
        outcome: 'unknown',
        reason: clip(
          `${describeStripeError(error)}; looking for a session of the attempt failed: ${unclear(lookup).reason}`,
        ),
      };
    }
    if (earlier !== undefined) return pageAnswer(earlier);
    return refused
      ? { outcome: 'failed', reason: clip(describeStripeError(error)) }
      : { outcome: 'unknown', reason: clip(describeStripeError(error)) };
  }

  /** The customer's Checkout Session this attempt made, if any, every page of them (a list is consistent at once). */
  private async sessionOfAttempt(customer: string, attemptId: string): Promise<Stripe.Checkout.Session | undefined> {
    for await (const session of this.stripe.checkout.sessions.list({ customer, limit: 100 })) {
      if (session.mode === 'payment' && session.metadata?.attemptId === attemptId) return session;
    }
    return undefined;
  }
}

/** Requests no provider could carry out are bugs upstream: they throw before anything is sent. */
function assertPayable(request: PaymentPageRequest): void {
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
    throw new RangeError(`a payment page needs a positive whole number of cents, got ${request.amountCents}`);
  }
  if (request.idempotencyKey.trim() === '') throw new RangeError('a payment page needs an idempotency key');
  if (request.customerId.trim() === '')
    throw new RangeError('a Stripe payment page needs the customer to save the card to');
}

/**
 * A session of the attempt, as the answer to a request for its page. An expired session
 * charged nothing and will never charge: the attempt may end, as after a refusal.
 */
function pageAnswer(session: Stripe.Checkout.Session): ChargeResult {
  const where = whereItStands(session);
  return where.outcome === 'canceled'
    ? { outcome: 'failed', reason: `checkout session ${session.id} expired unpaid: nothing was charged` }
    : where;
}

/** Where a session stands, if it is the one the reference names the attempt of. */
function statusOf(session: Stripe.Checkout.Session, reference: ChargeReference): ChargeStatus {
  const { partnerId, attemptId } = session.metadata ?? {};
  if (attemptId !== reference.idempotencyKey || partnerId !== reference.partnerId) {
    return {
      outcome: 'unknown',
      reason: clip(
        `checkout session ${session.id} belongs to attempt ${attemptId ?? '(none)'} of ${partnerId ?? '(none)'}, not to ${reference.idempotencyKey} of ${reference.partnerId}`,
      ),
    };
  }
  return whereItStands(session);
}

function whereItStands(session: Stripe.Checkout.Session): ChargeStatus {
  const paymentIntent = idOf(session.payment_intent);
  const url = nonEmpty(session.url);
  if (session.status === 'complete' && session.payment_status === 'paid' && paymentIntent !== undefined) {
    return { outcome: 'succeeded', providerChargeId: paymentIntent };
  }
  if (session.status === 'open' && url !== undefined) {
    return { outcome: 'action-required', providerChargeId: session.id, actionUrl: url };
  }
  if (session.status === 'expired') return { outcome: 'canceled', providerChargeId: session.id };
  // Complete but not paid would be a payment method that settles later, which the page does not offer.
  return {
    outcome: 'unknown',
    reason: clip(
      `checkout session ${session.id} is ${session.status ?? 'without a status'}, payment ${session.payment_status}`,
    ),
  };
}
