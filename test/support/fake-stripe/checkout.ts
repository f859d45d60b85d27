/**
 * Checkout Sessions, Stripe's hosted page, in the two modes billing uses: `setup`, where a
 * partner saves a card to its customer, and `payment`, where it pays an amount now
 * (checkout-payment.ts). As in Stripe's current API versions, a session makes its
 * SetupIntent or PaymentIntent only when the partner acts on the page; the SetupIntent then
 * holds the saved card and the session's `setup_intent_data[metadata]`. An open session
 * is expired through the API or lapses at `expires_at`; either way its page is gone
 * (`url` null) and `checkout.session.expired` is sent.
 */
import type { Clock } from '../../../functions/domain/ports';
import { CheckoutPayments, type PaymentFields } from './checkout-payment';
import type { Customers } from './customers';
import type { EventLog } from './events';
import type { PaymentIntents } from './payment-intents';
import {
  type Answer,
  type Params,
  invalidRequest,
  listParam,
  missingParam,
  nested,
  noSuch,
  page,
  secondsAt,
  stripeId,
} from './wire';

/** Stripe's default: a session can be completed for 24 hours. */
export const SESSION_LIFETIME_SECONDS = 24 * 60 * 60;

export interface FakeCheckoutSession extends PaymentFields {
  readonly id: string;
  readonly object: 'checkout.session';
  readonly mode: 'setup' | 'payment';
  readonly status: 'open' | 'complete' | 'expired';
  readonly ui_mode: 'hosted_page';
  /** The page, while the session is open. */
  readonly url: string | null;
  readonly setup_intent: string | null;
  readonly success_url: string;
  readonly cancel_url: string | null;
  readonly allowed_payment_method_types: readonly string[] | null;
  readonly metadata: Record<string, string>;
  readonly created: number;
  readonly expires_at: number;
  readonly livemode: false;
}

export interface FakeSetupIntent {
  readonly id: string;
  readonly object: 'setup_intent';
  readonly status: 'succeeded';
  readonly usage: 'off_session';
  readonly customer: string;
  readonly payment_method: string;
  readonly payment_method_types: readonly string[];
  readonly metadata: Record<string, string>;
  readonly last_setup_error: null;
  readonly next_action: null;
  readonly created: number;
  readonly livemode: false;
}

/** What the partner's payment on a session's page came to. */
export type CheckoutPayment =
  | { readonly outcome: 'paid'; readonly paymentIntent: string; readonly paymentMethod: string }
  /** The card was declined on the page; the session stays open for another card. */
  | { readonly outcome: 'declined'; readonly paymentIntent: string; readonly declineCode: string };

export class Checkout {
  private readonly sessions = new Map<string, FakeCheckoutSession>();
  /** What each setup session passes to the SetupIntent it creates. */
  private readonly setupMetadata = new Map<string, Record<string, string>>();
  private readonly setupIntents = new Map<string, FakeSetupIntent>();
  private readonly payments: CheckoutPayments;

  constructor(
    private readonly customers: Customers,
    paymentIntents: PaymentIntents,
    private readonly events: EventLog,
    private readonly clock: Clock,
    private readonly baseUrl: string,
  ) {
    this.payments = new CheckoutPayments(customers, paymentIntents);
  }

  /** POST /v1/checkout/sessions, in setup mode or payment mode. */
  create(params: Params): FakeCheckoutSession {
    if (params.mode === undefined) throw missingParam('mode');
    if (params.mode !== 'setup' && params.mode !== 'payment') {
      throw invalidRequest('Only setup and payment modes are served here.', {
        code: 'parameter_invalid_empty',
        param: 'mode',
      });
    }
    if (params.success_url === undefined) throw missingParam('success_url');
    const allowed = listParam(params, 'allowed_payment_method_types');
    const created = secondsAt(this.clock);
    const id = stripeId('cs_test');
    const common = {
      id,
      object: 'checkout.session',
      status: 'open',
      ui_mode: 'hosted_page',
      url: `${this.baseUrl}/checkout/${id}`,
      setup_intent: null,
      success_url: params.success_url,
      cancel_url: params.cancel_url ?? null,
      allowed_payment_method_types: allowed.length === 0 ? null : allowed,
      metadata: nested(params, 'metadata'),
      created,
      expires_at: expiresAt(params, created),
      livemode: false,
    } as const;
    const session: FakeCheckoutSession =
      params.mode === 'payment'
        ? { ...common, mode: 'payment', ...this.payments.open(id, params) }
        : { ...common, mode: 'setup', ...this.setupFields(params, allowed) };
    this.sessions.set(id, session);
    if (session.mode === 'setup') this.setupMetadata.set(id, nested(params, 'setup_intent_data[metadata]'));
    return session;
  }

  /** Every session, in the order it was created, as it stands now. */
  get all(): FakeCheckoutSession[] {
    return [...this.sessions.values()];
  }

  /** GET /v1/checkout/sessions/:id */
  retrieve(id: string): FakeCheckoutSession {
    const session = this.sessions.get(id);
    if (session === undefined) throw noSuch('checkout.session', id);
    return session;
  }

  /** GET /v1/checkout/sessions: newest first, filtered by `customer` and `created[gte]`, paged by `starting_after`. */
  list(query: Params): Answer {
    if (query.customer !== undefined) this.customers.existing(query.customer);
    const since = nested(query, 'created').gte;
    const matching = this.all
      .reverse()
      .filter(
        (session) =>
          (query.customer === undefined || session.customer === query.customer) &&
          (since === undefined || session.created >= Number(since)),
      );
    return page(matching, query, { url: '/v1/checkout/sessions', kind: 'checkout.session' });
  }

  /** POST /v1/checkout/sessions/:id/expire: only an open session can be expired. */
  expire(id: string): FakeCheckoutSession {
    const session = this.retrieve(id);
    if (session.status !== 'open') {
      throw invalidRequest(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${session.status}\`.`,
      );
    }
    return this.close(session);
  }

  /** The session reaches its `expires_at` unpaid, as Stripe's clock would have it. */
  lapse(id: string): FakeCheckoutSession {
    const session = this.retrieve(id);
    if (session.status !== 'open') throw new Error(`checkout session ${id} is ${session.status}, not open`);
    return this.close(session);
  }

  /** GET /v1/setup_intents/:id */
  retrieveSetupIntent(id: string): FakeSetupIntent {
    const setupIntent = this.setupIntents.get(id);
    if (setupIntent === undefined) throw noSuch('setup_intent', id);
    return setupIntent;
  }

  /** The partner saves the card of `token` on a setup session's page. */
  complete(sessionId: string, token: string): { readonly setupIntent: string; readonly paymentMethod: string } {
    const session = this.pageOf(sessionId, 'setup');
    const entered = this.customers.retrieveMethod(token);
    if (session.allowed_payment_method_types?.includes(entered.type) === false) {
      throw new Error(`checkout session ${sessionId} does not take ${entered.type} payment methods`);
    }
    if (session.customer === null) throw new Error(`setup session ${sessionId} has no customer`);
    const card = this.customers.attach(entered.id, { customer: session.customer });
    const setupIntent: FakeSetupIntent = {
      id: stripeId('seti'),
      object: 'setup_intent',
      status: 'succeeded',
      usage: 'off_session',
      customer: session.customer,
      payment_method: card.id,
      payment_method_types: [card.type],
      metadata: this.setupMetadata.get(sessionId) ?? {},
      last_setup_error: null,
      next_action: null,
      created: secondsAt(this.clock),
      livemode: false,
    };
    this.setupIntents.set(setupIntent.id, setupIntent);
    this.events.record('setup_intent.succeeded', setupIntent);
    this.completed({ ...session, status: 'complete', url: null, setup_intent: setupIntent.id });
    return { setupIntent: setupIntent.id, paymentMethod: card.id };
  }

  /**
   * The partner pays a payment session with the card of `token`: the session completes,
   * or the decline shows on the page and the session stays open for another card.
   */
  pay(sessionId: string, token: string): CheckoutPayment {
    const session = this.pageOf(sessionId, 'payment');
    const intent = this.payments.pay(session, token);
    if (intent.status !== 'succeeded') {
      this.sessions.set(sessionId, { ...session, payment_intent: intent.id });
      const error = intent.last_payment_error;
      return {
        outcome: 'declined',
        paymentIntent: intent.id,
        declineCode: error?.decline_code ?? error?.code ?? 'card_declined',
      };
    }
    this.completed({ ...session, status: 'complete', url: null, payment_intent: intent.id, payment_status: 'paid' });
    return { outcome: 'paid', paymentIntent: intent.id, paymentMethod: intent.payment_method ?? '' };
  }

  clear(): void {
    this.sessions.clear();
    this.setupMetadata.clear();
    this.setupIntents.clear();
  }

  private setupFields(params: Params, allowed: readonly string[]) {
    if (params.customer === undefined) {
      throw invalidRequest('A setup session must name the customer the card is saved to.', {
        code: 'parameter_missing',
        param: 'customer',
      });
    }
    if (allowed.length === 0 && params.currency === undefined) {
      throw invalidRequest('currency is required in setup mode when allowed_payment_method_types is not set.', {
        code: 'parameter_missing',
        param: 'currency',
      });
    }
    return {
      customer: this.customers.existing(params.customer).id,
      currency: params.currency ?? null,
      payment_intent: null,
      payment_status: 'no_payment_required',
      amount_subtotal: null,
      amount_total: null,
    } as const;
  }

  /** An open session of `mode` whose page the partner can still act on. */
  private pageOf(sessionId: string, mode: FakeCheckoutSession['mode']): FakeCheckoutSession {
    const session = this.sessions.get(sessionId);
    if (session?.mode !== mode) throw new Error(`no ${mode} checkout session ${sessionId}`);
    if (session.status !== 'open') throw new Error(`checkout session ${sessionId} is ${session.status}, not open`);
    if (secondsAt(this.clock) >= session.expires_at) {
      throw new Error(`checkout session ${sessionId} expired at ${session.expires_at}; let it lapse first`);
    }
    return session;
  }

  private completed(session: FakeCheckoutSession): void {
    this.sessions.set(session.id, session);
    this.events.record('checkout.session.completed', session);
  }

  /** Expired: the page is gone, and a PaymentIntent a declined card left on it is canceled. */
  private close(session: FakeCheckoutSession): FakeCheckoutSession {
    if (session.payment_intent !== null) this.payments.abandon(session.payment_intent);
    const expired: FakeCheckoutSession = { ...session, status: 'expired', url: null };
    this.sessions.set(session.id, expired);
    this.events.record('checkout.session.expired', expired);
    return expired;
  }
}

/**
 * `expires_at` as asked, within what Stripe takes: from 30 minutes to 24 hours after the
 * session is created; 24 hours when not asked.
 */
function expiresAt(params: Params, created: number): number {
  if (params.expires_at === undefined) return created + SESSION_LIFETIME_SECONDS;
  const at = Number(params.expires_at);
  if (!Number.isInteger(at)) {
    throw invalidRequest('Invalid integer: expires_at', { code: 'parameter_invalid_integer', param: 'expires_at' });
  }
  if (at < created + 30 * 60) {
    throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', {
      param: 'expires_at',
    });
  }
  if (at > created + SESSION_LIFETIME_SECONDS) {
    throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', {
      param: 'expires_at',
    });
  }
  return at;
}
