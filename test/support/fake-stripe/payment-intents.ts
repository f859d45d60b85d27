/**
 * PaymentIntents as Stripe runs them for saved cards: created and confirmed off-session in
 * one call, confirmed again on-session to bring the cardholder to the bank's authentication
 * page (3DS), canceled while they wait, retrieved, listed and searched.
 *
 * An off-session charge the bank wants authenticated fails as Stripe documents it: 402
 * card_error `authentication_required`, the intent left in `requires_payment_method` with
 * its payment method moved to `last_payment_error`. Confirming it again with a
 * `return_url` and without `off_session` answers `requires_action` with a
 * `redirect_to_url` next action, the page where the cardholder authenticates.
 *
 * A Checkout Session in payment mode makes its PaymentIntent when the customer first pays
 * on its page (`confirmOnPage`), on-session: the cardholder is there to authenticate, so
 * only a decline stops the payment, and the page lets them try another card on the same intent.
 */
import type { Clock } from '../../../functions/domain/ports';
import type { Charges } from './charges';
import type { Customers, FakePaymentMethod, HeldMethod } from './customers';
import type { Disputes } from './disputes';
import type { EventLog } from './events';
import { AUTHENTICATION_FAILED, AUTHENTICATION_REQUIRED, type Decline } from './test-payment-methods';
import {
  type Answer,
  type Params,
  invalidRequest,
  missingParam,
  nested,
  noSuch,
  page,
  secondsAt,
  stripeId,
} from './wire';

export interface LastPaymentError {
  readonly type: 'card_error';
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
  readonly payment_method?: FakePaymentMethod;
}

export type NextAction =
  | {
      readonly type: 'redirect_to_url';
      readonly redirect_to_url: { readonly url: string; readonly return_url: string };
    }
  | { readonly type: 'use_stripe_sdk'; readonly use_stripe_sdk: Readonly<Record<string, unknown>> };

export interface FakePaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  readonly amount: number;
  readonly amount_received: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly payment_method: string | null;
  readonly payment_method_types: readonly string[];
  readonly description: string | null;
  readonly status: string;
  readonly last_payment_error: LastPaymentError | null;
  readonly latest_charge: string | null;
  readonly next_action: NextAction | null;
  readonly metadata: Record<string, string>;
  readonly capture_method: 'automatic';
  readonly confirmation_method: 'automatic';
  readonly canceled_at: number | null;
  readonly cancellation_reason: string | null;
  /** Set by a Checkout Session that saves the card for later (`payment_intent_data[setup_future_usage]`). */
  readonly setup_future_usage: 'on_session' | 'off_session' | null;
  readonly created: number;
  readonly livemode: false;
}

const CONFIRMABLE = ['requires_confirmation', 'requires_payment_method', 'requires_action'];
const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

/** The event Stripe sends when an intent reaches a status. */
const EVENT_OF_STATUS: Readonly<Record<string, string>> = {
  succeeded: 'payment_intent.succeeded',
  requires_payment_method: 'payment_intent.payment_failed',
  requires_action: 'payment_intent.requires_action',
  processing: 'payment_intent.processing',
  canceled: 'payment_intent.canceled',
};

/** What a Checkout Session gives the PaymentIntent it makes. */
export interface CheckoutIntent {
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly description: string | null;
  readonly metadata: Record<string, string>;
  readonly setupFutureUsage: 'on_session' | 'off_session' | null;
}

interface Attempt {
  readonly offSession: boolean;
  readonly returnUrl?: string;
}

export class PaymentIntents {
  private readonly intents = new Map<string, FakePaymentIntent>();
  private forced?: { readonly status: string; readonly lastPaymentError: LastPaymentError | null };

  constructor(
    private readonly customers: Customers,
    private readonly charges: Charges,
    private readonly disputes: Disputes,
    private readonly events: EventLog,
    private readonly clock: Clock,
    /** Where the fake's hosted pages are served. */
    private readonly baseUrl: string,
  ) {}

  /** Every intent, in the order it was created, as it stands now. */
  get all(): FakePaymentIntent[] {
    return [...this.intents.values()];
  }

  endNextIn(status: string, lastPaymentError: LastPaymentError | null): void {
    this.forced = { status, lastPaymentError };
  }

  /** POST /v1/payment_intents, served for off-session charges confirmed at creation only. */
  create(params: Params): Answer {
    validateCreation(params);
    const customer = params.customer === undefined ? null : this.customers.existing(params.customer).id;
    const method = this.customers.chargeable(params.payment_method, customer);
    const intent: FakePaymentIntent = {
      id: stripeId('pi'),
      object: 'payment_intent',
      amount: Number(params.amount),
      amount_received: 0,
      currency: params.currency ?? '',
      customer,
      payment_method: method.object.id,
      payment_method_types: ['card'],
      description: params.description ?? null,
      status: 'requires_confirmation',
      last_payment_error: null,
      latest_charge: null,
      next_action: null,
      metadata: nested(params, 'metadata'),
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      canceled_at: null,
      cancellation_reason: null,
      setup_future_usage: null,
      created: secondsAt(this.clock),
      livemode: false,
    };
    this.events.record('payment_intent.created', intent);
    const forced = this.forced;
    this.forced = undefined;
    if (forced === undefined) return this.attempt(intent, method, { offSession: true });
    return { status: 200, body: this.endIn(intent, forced.status, forced.lastPaymentError) };
  }

  /** POST /v1/payment_intents/:id/confirm */
  confirm(id: string, params: Params): Answer {
    const intent = this.existing(id);
    if (!CONFIRMABLE.includes(intent.status)) {
      throw unexpectedState(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      );
    }
    const paymentMethod = params.payment_method ?? intent.payment_method ?? undefined;
    if (paymentMethod === undefined) {
      throw unexpectedState(
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a payment method, update it with a payment_method or pass one in this request.",
      );
    }
    const method = this.customers.chargeable(paymentMethod, intent.customer);
    return this.attempt(intent, method, {
      offSession: params.off_session === 'true',
      ...(params.return_url !== undefined && { returnUrl: params.return_url }),
    });
  }

  /** POST /v1/payment_intents/:id/cancel */
  cancel(id: string, params: Params): Answer {
    const intent = this.existing(id);
    if (!CANCELABLE.includes(intent.status)) {
      throw unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      );
    }
    const canceled = this.save({
      ...intent,
      status: 'canceled',
      next_action: null,
      canceled_at: secondsAt(this.clock),
      cancellation_reason: params.cancellation_reason ?? null,
    });
    return { status: 200, body: canceled };
  }

  /** GET /v1/payment_intents/:id */
  retrieve(id: string): FakePaymentIntent {
    return this.existing(id);
  }

  /** GET /v1/payment_intents: newest first, filtered by `customer` and `created[gte|gt|lte|lt]`, paged by `starting_after`. */
  list(query: Params): Answer {
    if (query.customer !== undefined) this.customers.existing(query.customer);
    const created = nested(query, 'created');
    const bounds = (intent: FakePaymentIntent) =>
      (created.gte === undefined || intent.created >= Number(created.gte)) &&
      (created.gt === undefined || intent.created > Number(created.gt)) &&
      (created.lte === undefined || intent.created <= Number(created.lte)) &&
      (created.lt === undefined || intent.created < Number(created.lt));
    const matching = this.all
      .reverse()
      .filter((intent) => (query.customer === undefined || intent.customer === query.customer) && bounds(intent));
    return page(matching, query, { url: '/v1/payment_intents', kind: 'payment_intent' });
  }

  /** GET /v1/payment_intents/search for `metadata['key']:'value'`, the only query the adapter sends. */
  search(query: string): unknown {
    const match = /^metadata\['(\w+)'\]:'([^']*)'$/.exec(query);
    const data = match === null ? [] : this.all.filter((intent) => intent.metadata[match[1] ?? ''] === match[2]);
    return { object: 'search_result', url: '/v1/payment_intents/search', has_more: false, data };
  }

  /**
   * A Checkout Session's page confirms its intent with the card the customer entered,
   * making the intent on the first try (`intentId` null). Paid, or failed with the decline
   * and left for another card; a card paid for later use is saved to the customer first.
   */
  confirmOnPage(intentId: string | null, creation: CheckoutIntent, method: HeldMethod): FakePaymentIntent {
    const intent = intentId === null ? this.openForCheckout(creation) : this.existing(intentId);
    if (intent.status !== 'requires_payment_method') {
      throw new Error(`payment intent ${intent.id} of the checkout page is ${intent.status}, not waiting for a card`);
    }
    const outcome = method.behaviour.outcome;
    if (outcome.kind === 'decline') return this.fail(intent, outcome.decline, method.object).intent;
    const card =
      intent.setup_future_usage === null || intent.customer === null
        ? method.object.id
        : this.customers.attach(method.object.id, { customer: intent.customer }).id;
    const paid = this.succeed(intent, card);
    if (outcome.kind === 'succeed' && outcome.disputedFor !== undefined) {
      this.disputes.open(paid.id, { reason: outcome.disputedFor });
    }
    return paid;
  }

  /** The cardholder finishes the bank's page: the intent is paid, or fails authentication. */
  completeAuthentication(id: string, result: 'succeed' | 'fail'): FakePaymentIntent {
    const intent = this.intents.get(id);
    if (intent?.status !== 'requires_action') {
      throw new Error(`payment intent ${id} is not waiting for authentication (${intent?.status ?? 'unknown'})`);
    }
    if (result === 'succeed') return this.succeed(intent, intent.payment_method);
    const method = intent.payment_method === null ? undefined : this.customers.retrieveMethod(intent.payment_method);
    return this.fail(intent, AUTHENTICATION_FAILED, method).intent;
  }

  /** A Checkout Session expired: the intent its page made cannot be paid any more. */
  abandon(id: string): FakePaymentIntent {
    return this.save({
      ...this.existing(id),
      status: 'canceled',
      canceled_at: secondsAt(this.clock),
      cancellation_reason: 'abandoned',
    });
  }

  clear(): void {
    this.intents.clear();
    this.forced = undefined;
  }

  private attempt(intent: FakePaymentIntent, method: HeldMethod, attempt: Attempt): Answer {
    const outcome = method.behaviour.outcome;
    const mustAuthenticate = outcome.kind === 'authenticate' || intent.status === 'requires_action';
    if (mustAuthenticate && attempt.offSession) return this.decline(intent, AUTHENTICATION_REQUIRED, method.object);
    if (mustAuthenticate) return { status: 200, body: this.awaitAuthentication(intent, method, attempt.returnUrl) };
    if (outcome.kind === 'decline') return this.decline(intent, outcome.decline, method.object);
    const paid = this.succeed(intent, method.object.id);
    // A card the bank disputes: the dispute opens as soon as the charge succeeds.
    if (outcome.disputedFor !== undefined) this.disputes.open(paid.id, { reason: outcome.disputedFor });
    return { status: 200, body: paid };
  }

  /**
   * With a `return_url` the next action is a page to redirect the cardholder to; without
   * one, Stripe expects its client SDK to handle the action (`use_stripe_sdk`).
   */
  private awaitAuthentication(intent: FakePaymentIntent, method: HeldMethod, returnUrl: string | undefined) {
    const nextAction: NextAction =
      returnUrl === undefined
        ? { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } }
        : {
            type: 'redirect_to_url',
            redirect_to_url: { url: `${this.baseUrl}/authenticate/${intent.id}`, return_url: returnUrl },
          };
    return this.save({
      ...intent,
      status: 'requires_action',
      payment_method: method.object.id,
      last_payment_error: null,
      next_action: nextAction,
    });
  }

  private succeed(intent: FakePaymentIntent, paymentMethod: string | null): FakePaymentIntent {
    const paid = { ...intent, payment_method: paymentMethod };
    return this.save({
      ...paid,
      status: 'succeeded',
      amount_received: intent.amount,
      latest_charge: this.charges.pay(paid, stripeId('ch')).id,
      last_payment_error: null,
      next_action: null,
    });
  }

  /** A refused charge answers 402 with the failed intent, as Stripe does. */
  private decline(intent: FakePaymentIntent, decline: Decline, method: FakePaymentMethod): Answer {
    const failed = this.fail(intent, decline, method);
    return {
      status: 402,
      body: {
        error: {
          ...failed.error,
          charge: failed.intent.latest_charge,
          payment_intent: failed.intent,
          payment_method: method,
          doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}`,
        },
      },
    };
  }

  /** Stripe moves the payment method of a failed attempt to `last_payment_error`. */
  private fail(intent: FakePaymentIntent, decline: Decline, method: FakePaymentMethod | undefined) {
    const error: LastPaymentError = {
      type: 'card_error',
      code: decline.code,
      ...(decline.decline_code !== undefined && { decline_code: decline.decline_code }),
      message: decline.message,
      ...(method !== undefined && { payment_method: method }),
    };
    const failed = this.save({
      ...intent,
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: error,
      latest_charge: stripeId('ch'),
      next_action: null,
    });
    return { intent: failed, error };
  }

  private openForCheckout(creation: CheckoutIntent): FakePaymentIntent {
    const intent: FakePaymentIntent = {
      id: stripeId('pi'),
      object: 'payment_intent',
      amount: creation.amount,
      amount_received: 0,
      currency: creation.currency,
      customer: creation.customer,
      payment_method: null,
      payment_method_types: ['card'],
      description: creation.description,
      status: 'requires_payment_method',
      last_payment_error: null,
      latest_charge: null,
      next_action: null,
      metadata: { ...creation.metadata },
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      canceled_at: null,
      cancellation_reason: null,
      setup_future_usage: creation.setupFutureUsage,
      created: secondsAt(this.clock),
      livemode: false,
    };
    this.intents.set(intent.id, intent);
    this.events.record('payment_intent.created', intent);
    return intent;
  }

  /** States Stripe reaches in ways a test card does not show (e.g. `processing`). */
  private endIn(intent: FakePaymentIntent, status: string, lastPaymentError: LastPaymentError | null) {
    if (status === 'succeeded') return this.succeed(intent, intent.payment_method);
    return this.save({
      ...intent,
      status,
      last_payment_error: lastPaymentError,
      next_action:
        status === 'requires_action'
          ? { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } }
          : null,
      amount_received: 0,
      latest_charge: null,
    });
  }

  private save(intent: FakePaymentIntent): FakePaymentIntent {
    this.intents.set(intent.id, intent);
    const type = EVENT_OF_STATUS[intent.status];
    if (type !== undefined) this.events.record(type, intent);
    return intent;
  }

  /** An intent named in the path (404 if unknown) or by a request's parameter (400). */
  existing(id: string, param?: string): FakePaymentIntent {
    const intent = this.intents.get(id);
    if (intent === undefined) throw noSuch('payment_intent', id, param);
    return intent;
  }
}

function validateCreation(params: Params): void {
  if (params.amount === undefined || !/^[1-9][0-9]*$/.test(params.amount)) {
    throw invalidRequest('This value must be greater than or equal to 1.', {
      code: 'parameter_invalid_integer',
      param: 'amount',
    });
  }
  if (params.currency === undefined || !/^[a-z]{3}$/.test(params.currency)) throw missingParam('currency');
  if (params.off_session !== 'true') {
    throw invalidRequest('Only off-session charges are served here: off_session must be true.', {
      code: 'parameter_invalid_empty',
      param: 'off_session',
    });
  }
  if (params.confirm !== 'true') {
    throw invalidRequest('Only intents confirmed at creation are served here: confirm must be true.', {
      code: 'parameter_invalid_empty',
      param: 'confirm',
    });
  }
}

function unexpectedState(message: string) {
  return invalidRequest(message, { code: 'payment_intent_unexpected_state' });
}
