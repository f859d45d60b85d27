/**
 * Stripe behind the payment port. A charge is one off-session PaymentIntent on a card saved
 * to the partner's customer, confirmed when it is created and keyed by the charge attempt
 * id. Only what Stripe states clearly becomes `succeeded`, `declined`, `action-required` or
 * `failed`; everything else is `unknown`, so the attempt stays open and is resumed with the
 * same key, which Stripe answers with the same PaymentIntent. Cards are saved on Stripe's
 * hosted Checkout page in setup mode, and checked before they are stored. A charge the
 * partner pays on Stripe's hosted Checkout page in payment mode is answered by
 * `StripePaymentPages`, and so are the status and the cancel of its session. Disputes and
 * refunds of those PaymentIntents are answered by `StripeMoneyBack`.
 */
import Stripe from 'stripe';
import type { CardPages } from '../../config';
import type {
  ChargeRefunds,
  MoneyBackProvider,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../domain/money-back/money-back-provider';
import type { Clock } from '../../domain/ports';
import type { PaymentPageRequest, PaymentPages } from '../../domain/recharge/payment-pages';
import type {
  ChargeReference,
  ChargeRequest,
  ChargeResult,
  ChargeStatus,
  PaymentMethodCheck,
  PaymentProvider,
  SavedCard,
  SetupSession,
  SetupSessionRequest,
} from '../../domain/recharge/payment-provider';
import { systemClock } from '../system-clock';
import { isCheckoutSession } from './checkout-session';
import { KEY_TRUSTED_FOR_MS, clip, describeStripeError, idOf, isMissing, nonEmpty, unclear } from './stripe-answers';
import { StripeMoneyBack } from './stripe-money-back';
import { StripePaymentPages } from './stripe-payment-pages';

/** Reported when Stripe declines without saying why. */
const UNSPECIFIED_DECLINE = 'card_declined';
/** The bank wants the cardholder to confirm the charge, which an off-session charge cannot do. */
const AUTHENTICATION_REQUIRED = 'authentication_required';
/** PaymentIntents of an attempt are looked for from this long before it was first tried: Stripe stamps them by its own clock. */
export const LOOKUP_MARGIN_MS = 10 * 60 * 1000;
/** States in which an attempt's PaymentIntent may have taken, or may still take, the money; the first found wins. */
const CHARGING_STATES: readonly Stripe.PaymentIntent.Status[] = ['succeeded', 'processing', 'requires_action'];

export class StripePaymentProvider implements PaymentProvider, MoneyBackProvider, PaymentPages {
  /** Stripe charges a card off-session only when it is saved to a customer. */
  readonly requiresCustomer = true;
  private readonly moneyBack: StripeMoneyBack;
  private readonly paymentPages: StripePaymentPages;

  constructor(
    private readonly stripe: Stripe,
    /** Where Stripe's hosted pages send the partner back: after authenticating or saving a card, or on giving up. */
    private readonly pages: CardPages,
    private readonly clock: Clock = systemClock,
  ) {
    this.moneyBack = new StripeMoneyBack(stripe, clock);
    this.paymentPages = new StripePaymentPages(stripe, pages, clock);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const customerId = assertChargeable(request);
    const age = request.firstTriedAt === undefined ? 0 : this.clock.now().getTime() - request.firstTriedAt.getTime();
    if (age >= KEY_TRUSTED_FOR_MS) {
      let earlier: Stripe.PaymentIntent | undefined;
      try {
        earlier = await this.searchByAttempt(request.idempotencyKey);
      } catch (error) {
        // A lookup that fails says nothing: the attempt stays open rather than risk a second charge.
        return unclear(error);
      }
      if (earlier !== undefined) return this.answer(earlier, request.idempotencyKey);
    }
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          customer: customerId,
          payment_method: request.paymentMethod,
          off_session: true,
          confirm: true,
          description: request.description,
          metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      return this.afterRefusal(error, request, customerId);
    }
    return this.answer(intent, request.idempotencyKey);
  }

  createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    return this.paymentPages.createPaymentPage(request);
  }

  async chargeStatus(reference: ChargeReference): Promise<ChargeStatus> {
    if (isCheckoutSession(reference.providerChargeId)) return this.paymentPages.chargeStatus(reference);
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.retrieve(reference.providerChargeId);
    } catch (error) {
      // Even a 404 is no decline: the same answer comes from a wrong key, account or mode.
      return unclear(error);
    }
    const attemptId = intent.metadata.attemptId;
    if (attemptId !== reference.idempotencyKey || intent.metadata.partnerId !== reference.partnerId) {
      return {
        outcome: 'unknown',
        reason: clip(
          `payment intent ${intent.id} belongs to attempt ${attemptId ?? '(none)'} of ${intent.metadata.partnerId ?? '(none)'}, not to ${reference.idempotencyKey} of ${reference.partnerId}`,
        ),
      };
    }
    return this.statusOf(intent, reference.idempotencyKey);
  }

  async cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    if (isCheckoutSession(reference.providerChargeId)) return this.paymentPages.cancelCharge(reference);
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.cancel(
        reference.providerChargeId,
        {},
        { idempotencyKey: `${reference.idempotencyKey}:cancel` },
      );
    } catch (error) {
      // Stripe refuses to cancel an intent that finished first (succeeded, or canceled already): its state is the answer.
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        error.code === 'payment_intent_unexpected_state'
      ) {
        return this.chargeStatus(reference);
      }
      return unclear(error);
    }
    return this.statusOf(intent, reference.idempotencyKey);
  }

  async checkPaymentMethod(paymentMethod: string, customerId: string | undefined): Promise<PaymentMethodCheck> {
    if (customerId === undefined || customerId.trim() === '') {
      return refused('customer-required', 'Stripe charges a card off-session only when it is saved to a customer');
    }
    try {
      const customer = await this.stripe.customers.retrieve(customerId);
      if (customer.deleted === true) return refused('customer-not-found', `customer ${customerId} was deleted`);
    } catch (error) {
      if (isMissing(error)) return refused('customer-not-found', `Stripe has no customer ${customerId}`);
      return { verdict: 'unknown', detail: unclear(error).reason };
    }
    if (paymentMethod.trim() === '') return refused('not-found', 'no payment method given');
    let method: Stripe.PaymentMethod;
    try {
      method = await this.stripe.paymentMethods.retrieve(paymentMethod);
    } catch (error) {
      if (isMissing(error)) return refused('not-found', `Stripe has no payment method ${paymentMethod}`);
      return { verdict: 'unknown', detail: unclear(error).reason };
    }
    if (method.type !== 'card') {
      return refused('not-a-card', `payment method ${paymentMethod} is of type ${method.type}, not a card`);
    }
    const owner = idOf(method.customer);
    if (owner === undefined) {
      return refused('other-customer', `payment method ${paymentMethod} is not saved to any customer`);
    }
    if (owner !== customerId) {
      return refused(
        'other-customer',
        `payment method ${paymentMethod} is saved to customer ${owner}, not ${customerId}`,
      );
    }
    return { verdict: 'usable' };
  }

  async createSetupSession(request: SetupSessionRequest): Promise<SetupSession> {
    const metadata = { partnerId: request.partnerId, role: request.role };
    // The SetupIntent the session creates carries the metadata too, so either object names the partner.
    const session = await this.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: request.customerId,
      allowed_payment_method_types: ['card'],
      success_url: this.pages.returnUrl,
      cancel_url: this.pages.cancelUrl,
      metadata,
      setup_intent_data: { metadata },
    });
    if (session.url === null)
      throw new Error(`Stripe answered setup session ${session.id} without a page to send the partner to`);
    return { sessionId: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000) };
  }

  async savedCard(setupReference: string): Promise<SavedCard | undefined> {
    const setupIntent = await this.stripe.setupIntents.retrieve(setupReference);
    const paymentMethod = idOf(setupIntent.payment_method);
    const customerId = idOf(setupIntent.customer);
    if (setupIntent.status !== 'succeeded' || paymentMethod === undefined || customerId === undefined) return undefined;
    return { paymentMethod, customerId };
  }

  dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    return this.moneyBack.dispute(disputeId);
  }

  refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    return this.moneyBack.refundsOf(providerChargeId);
  }

  refund(request: RefundRequest): Promise<RefundResult> {
    return this.moneyBack.refund(request);
  }

  /** The answer of an intent this attempt made; one the bank wants authenticated is brought to the partner. */
  private async answer(intent: Stripe.PaymentIntent, attemptId: string): Promise<ChargeResult> {
    const waitsForAuthentication =
      (intent.status === 'requires_action' && actionUrlOf(intent) === undefined) ||
      (intent.status === 'requires_payment_method' && declineCodeOf(intent) === AUTHENTICATION_REQUIRED);
    return waitsForAuthentication ? this.authenticate(intent, attemptId) : settled(intent);
  }

  private async statusOf(intent: Stripe.PaymentIntent, attemptId: string): Promise<ChargeStatus> {
    switch (intent.status) {
      case 'requires_action':
        return this.answer(intent, attemptId);
      case 'requires_payment_method':
        return {
          outcome: 'declined',
          declineCode: declineCodeOf(intent) ?? AUTHENTICATION_REQUIRED,
          providerChargeId: intent.id,
        };
      case 'canceled':
        return { outcome: 'canceled', providerChargeId: intent.id };
      default:
        return settled(intent);
    }
  }

  /**
   * Only a card error is a decline; a card error asking for authentication brings the partner
   * to the bank's page. An invalid request ends the attempt once Stripe shows that nothing
   * was charged under it. Every other error leaves the outcome unknown:
   * - connection errors and timeouts: the charge may have been made after the request left;
   * - api (5xx), rate limit, authentication, permission errors: Stripe said nothing about the card;
   * - idempotency errors: the key was reused with other parameters, a bug to look into.
   * Anything thrown by the call, whatever it is, comes after the request may have gone
   * out, so it is never rethrown.
   */
  private async afterRefusal(error: unknown, request: ChargeRequest, customerId: string): Promise<ChargeResult> {
    if (error instanceof Stripe.errors.StripeCardError) {
      const intent = error.payment_intent;
      const needsAuthentication =
        error.code === AUTHENTICATION_REQUIRED || error.decline_code === AUTHENTICATION_REQUIRED;
      if (intent !== undefined && needsAuthentication) {
        // Stripe moved the card to `last_payment_error`: it is named again on confirmation.
        return this.authenticate(intent, request.idempotencyKey, request.paymentMethod);
      }
      return declinedBy(error);
    }
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      return this.endIfNothingCharged(error, request, customerId);
    }
    return unclear(error);
  }

  /**
   * Stripe refused the request itself (a card detached or saved to another customer, an
   * unknown id). The same key may have charged before, in a call whose answer was lost and
   * whose key Stripe no longer answers with, so the attempt ends only if none of the
   * customer's PaymentIntents since it was first tried took or may take the money.
   * Listing is used rather than Search: a list is consistent at once, while Search indexes
   * new PaymentIntents with up to a minute's delay.
   */
  private async endIfNothingCharged(
    refusal: InstanceType<typeof Stripe.errors.StripeInvalidRequestError>,
    request: ChargeRequest,
    customerId: string,
  ): Promise<ChargeResult> {
    const since = new Date((request.firstTriedAt ?? this.clock.now()).getTime() - LOOKUP_MARGIN_MS);
    let intents: Stripe.PaymentIntent[];
    try {
      intents = await this.intentsOfAttempt(customerId, request.idempotencyKey, since);
    } catch (error) {
      return {
        outcome: 'unknown',
        reason: clip(
          `${describeStripeError(refusal)}; looking for charges of the attempt failed: ${unclear(error).reason}`,
        ),
      };
    }
    const charging = CHARGING_STATES.map((status) => intents.find((intent) => intent.status === status)).find(
      (intent) => intent !== undefined,
    );
    if (charging !== undefined) return this.answer(charging, request.idempotencyKey);
    return { outcome: 'failed', reason: clip(describeStripeError(refusal)) };
  }

  /**
   * Brings the partner to the bank's authentication page for the same PaymentIntent, so the
   * attempt still makes one charge at most. Stripe leaves an off-session charge that needs
   * authentication in `requires_payment_method`, the card moved to `last_payment_error`, and
   * has the customer come back on-session to confirm that intent again with the card
   * (support.stripe.com, "Manual confirmation for off-session payments requiring SCA").
   * Confirmed from the server without `off_session` and with a `return_url` (the Confirm
   * API: where Stripe sends the customer after authenticating), it answers `requires_action`
   * with a `redirect_to_url` next action whose `url` is Stripe's hosted page for it
   * (docs.stripe.com/payments/3d-secure/authentication-flow). Without a `return_url` the
   * action would be `use_stripe_sdk`, which needs Stripe.js in a page of ours.
   */
  private async authenticate(intent: Stripe.PaymentIntent, attemptId: string, card?: string): Promise<ChargeResult> {
    const paymentMethod = card ?? idOf(intent.payment_method) ?? idOf(intent.last_payment_error?.payment_method);
    if (paymentMethod === undefined) {
      return { outcome: 'unknown', reason: `payment intent ${intent.id} needs authentication but names no card` };
    }
    let confirmed: Stripe.PaymentIntent;
    try {
      confirmed = await this.stripe.paymentIntents.confirm(
        intent.id,
        { payment_method: paymentMethod, return_url: this.pages.returnUrl },
        { idempotencyKey: `${attemptId}:authenticate` },
      );
    } catch (error) {
      return error instanceof Stripe.errors.StripeCardError ? declinedBy(error) : unclear(error);
    }
    return settled(confirmed);
  }

  /** The PaymentIntent an attempt created, if any, through Stripe's Search API (metadata is indexed within a minute). */
  private async searchByAttempt(attemptId: string): Promise<Stripe.PaymentIntent | undefined> {
    const result = await this.stripe.paymentIntents.search({
      query: `metadata['attemptId']:'${attemptId.replace(/'/g, "\\'")}'`,
      limit: 1,
    });
    return result.data[0];
  }

  /** The customer's PaymentIntents created since `since` that this attempt made, every page of them. */
  private async intentsOfAttempt(customer: string, attemptId: string, since: Date): Promise<Stripe.PaymentIntent[]> {
    const found: Stripe.PaymentIntent[] = [];
    const pages = this.stripe.paymentIntents.list({
      customer,
      created: { gte: Math.floor(since.getTime() / 1000) },
      limit: 100,
    });
    for await (const intent of pages) {
      if (intent.metadata.attemptId === attemptId) found.push(intent);
    }
    return found;
  }
}

/** Requests no provider could carry out are bugs upstream: they throw before anything is sent. */
function assertChargeable(request: ChargeRequest): string {
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
    throw new RangeError(`a charge needs a positive whole number of cents, got ${request.amountCents}`);
  }
  if (request.idempotencyKey.trim() === '') {
    throw new RangeError('a charge needs an idempotency key');
  }
  if (request.paymentMethod.trim() === '') {
    throw new RangeError('a charge needs a payment method');
  }
  if (request.customerId === undefined || request.customerId.trim() === '') {
    throw new RangeError('a Stripe charge needs the customer the card is saved to');
  }
  return request.customerId;
}

/** What an intent's state says, as the answer of a charge. */
function settled(intent: Stripe.PaymentIntent): ChargeResult {
  const actionUrl = actionUrlOf(intent);
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
      if (actionUrl !== undefined) return { outcome: 'action-required', providerChargeId: intent.id, actionUrl };
      return {
        outcome: 'unknown',
        reason: clip(`payment intent ${intent.id} requires an action without a page for it`),
      };
    default:
      // `processing` may still succeed; `requires_capture` or `requires_confirmation` mean
      // the intent was not created as asked. Neither is a decline.
      return { outcome: 'unknown', reason: clip(`payment intent ${intent.id} is ${intent.status}`) };
  }
}

/** The page Stripe asks the cardholder to be sent to, when the next action is a redirect. */
function actionUrlOf(intent: Stripe.PaymentIntent): string | undefined {
  return intent.next_action?.type === 'redirect_to_url' ? nonEmpty(intent.next_action.redirect_to_url?.url) : undefined;
}

function declineCodeOf(intent: Stripe.PaymentIntent): string | undefined {
  const error = intent.last_payment_error;
  return nonEmpty(error?.decline_code) ?? nonEmpty(error?.code);
}

function declinedBy(error: InstanceType<typeof Stripe.errors.StripeCardError>): ChargeResult {
  // The SDK sets `decline_code` to '' when Stripe sent none (e.g. expired_card).
  const declineCode = nonEmpty(error.decline_code) ?? nonEmpty(error.code) ?? UNSPECIFIED_DECLINE;
  const intentId = error.payment_intent?.id;
  return { outcome: 'declined', declineCode, ...(intentId !== undefined && { providerChargeId: intentId }) };
}

function refused(
  reason: Extract<PaymentMethodCheck, { verdict: 'refused' }>['reason'],
  detail: string,
): PaymentMethodCheck {
  return { verdict: 'refused', reason, detail };
}
