/**
 * Checkout Sessions in setup mode, the hosted page where a partner saves a card to its
 * customer, and the SetupIntents they create. As in Stripe's current API versions, a
 * session has no SetupIntent until the partner completes it; the SetupIntent then holds
 * the saved card and the session's `setup_intent_data[metadata]`.
 */
import type { Clock } from '../../../functions/domain/ports';
import type { Customers } from './customers';
import type { EventLog } from './events';
import { type Params, invalidRequest, listParam, missingParam, nested, noSuch, secondsAt, stripeId } from './wire';

/** Stripe's default: a session can be completed for 24 hours. */
const SESSION_LIFETIME_SECONDS = 24 * 60 * 60;

export interface FakeCheckoutSession {
  readonly id: string;
  readonly object: 'checkout.session';
  readonly mode: 'setup';
  readonly status: 'open' | 'complete' | 'expired';
  readonly ui_mode: 'hosted_page';
  readonly url: string | null;
  readonly customer: string;
  readonly setup_intent: string | null;
  readonly success_url: string;
  readonly cancel_url: string | null;
  readonly allowed_payment_method_types: readonly string[] | null;
  readonly currency: string | null;
  readonly metadata: Record<string, string>;
  readonly payment_status: 'no_payment_required';
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

export class SetupCheckout {
  private readonly sessions = new Map<string, FakeCheckoutSession>();
  /** What each session passes to the SetupIntent it creates. */
  private readonly setupMetadata = new Map<string, Record<string, string>>();
  private readonly setupIntents = new Map<string, FakeSetupIntent>();

  constructor(
    private readonly customers: Customers,
    private readonly events: EventLog,
    private readonly clock: Clock,
    private readonly baseUrl: string,
  ) {}

  /** POST /v1/checkout/sessions, served in setup mode for an existing customer. */
  create(params: Params): FakeCheckoutSession {
    if (params.mode === undefined) throw missingParam('mode');
    if (params.mode !== 'setup') {
      throw invalidRequest('Only setup mode is served here.', { code: 'parameter_invalid_empty', param: 'mode' });
    }
    if (params.customer === undefined) {
      throw invalidRequest('A setup session must name the customer the card is saved to.', {
        code: 'parameter_missing',
        param: 'customer',
      });
    }
    const customer = this.customers.existing(params.customer);
    if (params.success_url === undefined) throw missingParam('success_url');
    const allowed = listParam(params, 'allowed_payment_method_types');
    if (allowed.length === 0 && params.currency === undefined) {
      throw invalidRequest('currency is required in setup mode when allowed_payment_method_types is not set.', {
        code: 'parameter_missing',
        param: 'currency',
      });
    }
    const id = stripeId('cs_test');
    const created = secondsAt(this.clock);
    const session: FakeCheckoutSession = {
      id,
      object: 'checkout.session',
      mode: 'setup',
      status: 'open',
      ui_mode: 'hosted_page',
      url: `${this.baseUrl}/checkout/${id}`,
      customer: customer.id,
      setup_intent: null,
      success_url: params.success_url,
      cancel_url: params.cancel_url ?? null,
      allowed_payment_method_types: allowed.length === 0 ? null : allowed,
      currency: params.currency ?? null,
      metadata: nested(params, 'metadata'),
      payment_status: 'no_payment_required',
      created,
      expires_at: created + SESSION_LIFETIME_SECONDS,
      livemode: false,
    };
    this.sessions.set(id, session);
    this.setupMetadata.set(id, nested(params, 'setup_intent_data[metadata]'));
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

  /** GET /v1/setup_intents/:id */
  retrieveSetupIntent(id: string): FakeSetupIntent {
    const setupIntent = this.setupIntents.get(id);
    if (setupIntent === undefined) throw noSuch('setup_intent', id);
    return setupIntent;
  }

  /** The partner saves the card of `token` on the session's page. */
  complete(sessionId: string, token: string): { readonly setupIntent: string; readonly paymentMethod: string } {
    const session = this.sessions.get(sessionId);
    if (session?.status !== 'open') throw new Error(`checkout session ${sessionId} is not open`);
    const entered = this.customers.retrieveMethod(token);
    if (session.allowed_payment_method_types?.includes(entered.type) === false) {
      throw new Error(`checkout session ${sessionId} does not take ${entered.type} payment methods`);
    }
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
    const completed: FakeCheckoutSession = { ...session, status: 'complete', url: null, setup_intent: setupIntent.id };
    this.sessions.set(sessionId, completed);
    this.events.record('checkout.session.completed', completed);
    return { setupIntent: setupIntent.id, paymentMethod: card.id };
  }

  clear(): void {
    this.sessions.clear();
    this.setupMetadata.clear();
    this.setupIntents.clear();
  }
}
