/**
 * The card provider of local runs and tests. It plays in memory the flows Stripe plays:
 * Stripe's test payment method ids (sandbox-cards.ts, docs/contract.md §5), idempotency
 * keys that answer about the same charge forever, charges that wait for the cardholder on
 * a hosted page, setup sessions that save a card, payment pages where the partner pays a
 * charge on-session (sandbox-checkout.ts), disputes and refunds of the charges
 * (sandbox-money-back.ts), and a Stripe-shaped event for each change a webhook endpoint would
 * hear of. It can be told to lose the answer of its next charges or refunds, to play the
 * provider timeouts a real system meets.
 *
 * The hosted pages of the local runtime call `completeAuthentication`, `completeSetup`,
 * `payPage` and `abandonPage`, its stand-in for Stripe's dashboard `refundFromDashboard` and `closeDispute`, and its test
 * clock `clockMoved`; events go to `onEvent` unsigned (signing them is the listener's job).
 * Its whole state can be taken as plain JSON after each change (`onChange`) and given to a
 * new sandbox (`state`), so the local runtime's charges outlive a restart as Stripe's do. The
 * Stripe SDK is not imported here: this module is bundled into functions that load Stripe lazily.
 */
import { randomBytes } from 'node:crypto';
import type {
  ChargeRefunds,
  MoneyBackProvider,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../domain/money-back/money-back-provider';
import type { PaymentPageRequest, PaymentPages } from '../../domain/recharge/payment-pages';
import type {
  CardRole,
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
import {
  AUTHENTICATION_FAILED,
  NOT_A_CARD,
  type PaymentError,
  TEST_CARDS,
  UNKNOWN_PAYMENT_METHOD,
  declineCodeOf,
} from './sandbox-cards';
import {
  type CheckoutEventType,
  type PagePayment,
  type PaymentPageRefusal,
  SandboxCheckout,
  type SandboxPaymentPage,
  type SandboxPaymentSession,
  type SandboxPaymentSessionState,
} from './sandbox-checkout';
import {
  type DisputeCloseRefusal,
  type DisputeEventType,
  type RefundFault,
  type RefundRefusal,
  type SandboxChargeObject,
  type SandboxDispute,
  SandboxMoneyBack,
  type SandboxMoneyBackState,
  type SandboxPayment,
  type SandboxRefund,
} from './sandbox-money-back';

/** The Stripe API version of the SDK in package.json, which the real events carry (kept equal by the unit test). */
export const SANDBOX_API_VERSION = '2026-10-28.endive';
/** Stripe Checkout's default: a session not completed within 24 hours expires. */
export const SETUP_SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Where `npm start` serves the hosted pages. */
const DEFAULT_PAGES_BASE_URL = 'http://127.0.0.1:8080';
/**
 * A replay of a canceled charge: the port's charge answers have no `canceled`, and no money
 * was taken, so it is a decline.
 */
const CANCELED_DECLINE = 'canceled';

export interface SandboxOptions {
  /** Base of the hosted pages' addresses. */
  readonly pagesBaseUrl?: string;
  /**
   * Receives each event as Stripe would send it to a webhook endpoint, before the call that
   * caused it returns. It must not throw: like Stripe's deliveries, retrying is the listener's.
   */
  readonly onEvent?: (event: StripeShapedEvent) => void;
  /** The time setup sessions expire by and events are stamped with. */
  readonly now?: () => Date;
  /** Where an earlier sandbox left off (its `snapshot()`): its charges, setup sessions, saved cards and charge ids go on. */
  readonly state?: SandboxState;
  /**
   * Receives the whole state after each change (a charge made, authenticated or canceled, a
   * setup session opened or completed, a dispute opened or closed, a refund made), before the
   * event that reports the change is sent. It
   * runs inside the call that made the change: an error it throws fails that call, with the
   * change kept in memory.
   */
  readonly onChange?: (state: SandboxState) => void;
}

/**
 * `timeout-after-charge`: the card is charged but the answer is lost; `timeout-before-charge`:
 * nothing happens and the answer is lost; `refused`: the provider refuses the request and says
 * that nothing was charged (a `failed` answer), leaving the key free for a later charge.
 */
export type SandboxFault = 'timeout-after-charge' | 'timeout-before-charge' | 'refused';

/** Stripe's PaymentIntent statuses the sandbox reaches. */
export const PAYMENT_INTENT_STATUSES = ['succeeded', 'requires_payment_method', 'requires_action', 'canceled'] as const;
export type PaymentIntentStatus = (typeof PAYMENT_INTENT_STATUSES)[number];

export interface SandboxPaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  readonly status: PaymentIntentStatus;
  readonly amount: number;
  /** Lower case, as Stripe writes it. */
  readonly currency: string;
  readonly customer: string | null;
  readonly payment_method: string;
  readonly description: string;
  readonly metadata: { readonly partnerId: string; readonly attemptId: string };
  readonly last_payment_error: PaymentError | null;
  readonly next_action: { readonly type: 'redirect_to_url'; readonly redirect_to_url: { readonly url: string } } | null;
  readonly cancellation_reason: 'abandoned' | null;
  readonly livemode: false;
}

export interface SandboxCheckoutSession {
  readonly id: string;
  readonly object: 'checkout.session';
  readonly mode: 'setup';
  readonly status: 'complete';
  readonly customer: string;
  readonly setup_intent: string;
  readonly metadata: { readonly partnerId: string; readonly role: CardRole };
}

interface EventEnvelope<Type extends string, DataObject> {
  readonly id: string;
  readonly object: 'event';
  readonly type: Type;
  /** Unix seconds. */
  readonly created: number;
  readonly api_version: string;
  readonly livemode: false;
  readonly data: { readonly object: DataObject };
}

export type PaymentIntentEventType =
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'payment_intent.requires_action'
  | 'payment_intent.canceled';

/** An event as Stripe sends it to a webhook endpoint, before signing. */
export type StripeShapedEvent =
  | EventEnvelope<PaymentIntentEventType, SandboxPaymentIntent>
  | EventEnvelope<'checkout.session.completed', SandboxCheckoutSession>
  | EventEnvelope<CheckoutEventType, SandboxPaymentSession>
  | EventEnvelope<DisputeEventType, SandboxDispute>
  | EventEnvelope<'charge.refunded', SandboxChargeObject>
  | EventEnvelope<'refund.created', SandboxRefund>;

/** The event Stripe sends when a new PaymentIntent reaches each status. */
const EVENT_OF_STATUS: Readonly<Record<PaymentIntentStatus, PaymentIntentEventType>> = {
  succeeded: 'payment_intent.succeeded',
  requires_payment_method: 'payment_intent.payment_failed',
  requires_action: 'payment_intent.requires_action',
  canceled: 'payment_intent.canceled',
};

export interface SandboxCharge {
  readonly chargeId: string;
  readonly request: ChargeRequest;
  /** Where the charge stands now. */
  readonly result: ChargeStatus;
}

export interface SandboxSetupSession extends SetupSession {
  readonly partnerId: string;
  readonly customerId: string;
  readonly role: CardRole;
  readonly status: 'open' | 'complete' | 'expired';
  /** Set once the session saved a card. */
  readonly setupReference?: string;
}

/** Why a hosted page's action was not taken; the page shows `detail`. */
export interface SandboxRefusal {
  readonly outcome: 'refused';
  readonly code: 'not-found' | 'not-waiting' | 'completed' | 'expired' | 'card-refused';
  readonly detail: string;
}

export type SetupCompletion =
  | {
      readonly outcome: 'completed';
      readonly sessionId: string;
      readonly setupReference: string;
      readonly paymentMethod: string;
      readonly customerId: string;
    }
  | SandboxRefusal;

/**
 * Everything the sandbox knows, as plain JSON with times as ISO-8601 strings: what a new
 * sandbox needs to answer as the one it replaces would have. The events already sent are not
 * part of it: they were handed to `onEvent`, and no answer of the sandbox depends on them.
 */
export interface SandboxState extends SandboxMoneyBackState {
  /** The number of the last charge id handed out (`pi_sandbox_000042`: 42); new ids go on from it. */
  readonly sequence: number;
  /** Every charge, in the order they were made; each key names one charge. */
  readonly charges: readonly SandboxChargeState[];
  readonly setupSessions: readonly SandboxSetupSessionState[];
  /** The cards completed setups saved, by the setup's reference. */
  readonly savedCards: readonly SandboxSavedCardState[];
  /** The payment pages, in the order they were opened. */
  readonly paymentSessions: readonly SandboxPaymentSessionState[];
}

export interface SandboxChargeState {
  readonly chargeId: string;
  readonly request: Omit<ChargeRequest, 'firstTriedAt'> & { readonly firstTriedAt?: string };
  readonly status: PaymentIntentStatus;
  readonly lastPaymentError: PaymentError | null;
}

export interface SandboxSetupSessionState {
  readonly sessionId: string;
  readonly request: SetupSessionRequest;
  readonly expiresAt: string;
  readonly setupReference?: string;
}

export interface SandboxSavedCardState extends SavedCard {
  readonly setupReference: string;
}

const CHARGE_ID_PREFIX = 'pi_sandbox_';

interface ChargeRecord {
  readonly chargeId: string;
  readonly request: ChargeRequest;
  status: PaymentIntentStatus;
  lastPaymentError: PaymentError | null;
}

interface SessionRecord {
  readonly sessionId: string;
  readonly request: SetupSessionRequest;
  readonly expiresAt: Date;
  setupReference?: string;
}

export class SandboxPaymentProvider implements PaymentProvider, MoneyBackProvider, PaymentPages {
  /** Local partners may have no customer; a customer id given is recorded on the charge. */
  readonly requiresCustomer = false;

  private readonly byKey = new Map<string, ChargeRecord>();
  private readonly byId = new Map<string, ChargeRecord>();
  private readonly chargeViews: SandboxCharge[] = [];
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly setups = new Map<string, SavedCard>();
  private readonly sent: StripeShapedEvent[] = [];
  private readonly lostAnswers: SandboxFault[] = [];
  private sequence = 0;
  private readonly pagesBaseUrl: string;
  private readonly onEvent: (event: StripeShapedEvent) => void;
  private readonly onChange: ((state: SandboxState) => void) | undefined;
  private readonly now: () => Date;
  private readonly moneyBack: SandboxMoneyBack;
  private readonly checkout: SandboxCheckout;

  constructor(options: SandboxOptions = {}) {
    const pagesBaseUrl = options.pagesBaseUrl ?? DEFAULT_PAGES_BASE_URL;
    // A bad address fails here, not on the first page a partner is sent to.
    if (!URL.canParse(pagesBaseUrl)) throw new RangeError(`pagesBaseUrl is not an absolute URL: ${pagesBaseUrl}`);
    this.pagesBaseUrl = new URL(pagesBaseUrl).href.replace(/\/+$/, '');
    this.onEvent = options.onEvent ?? (() => undefined);
    this.onChange = options.onChange;
    this.now = options.now ?? (() => new Date());
    if (options.state !== undefined) this.restore(options.state);
    // After the charges: each dispute and refund taken up must be on one of them.
    this.moneyBack = new SandboxMoneyBack(
      {
        payment: (chargeId) => {
          const charge = this.byId.get(chargeId);
          return charge === undefined ? undefined : paymentOf(charge);
        },
        payments: () => [...this.byId.values()].map(paymentOf),
        now: () => this.now(),
        newId: randomId,
        changed: () => this.changed(),
        emit: ({ type, object }) => this.emit(type, object),
      },
      options.state,
    );
    this.checkout = new SandboxCheckout(
      {
        now: () => this.now(),
        newId: randomId,
        pageUrl: (sessionId) => `${this.pagesBaseUrl}/local/pages/checkout/${encodeURIComponent(sessionId)}`,
        hasPayment: (paymentIntent) => this.byId.has(paymentIntent),
        makePayment: (request) => this.makePayment(request).chargeId,
        reportPayment: (paymentIntent) => {
          const charge = this.byId.get(paymentIntent);
          if (charge !== undefined) this.emitIntent('payment_intent.succeeded', charge);
        },
        changed: () => this.changed(),
        emit: ({ type, object }) => this.emit(type, object),
      },
      options.state?.paymentSessions,
    );
  }

  /** Every charge that reached the card network, in order; each `result` reads where the charge stands now. */
  get charges(): readonly SandboxCharge[] {
    return [...this.chargeViews];
  }

  /** Every event sent, in order. */
  get events(): readonly StripeShapedEvent[] {
    return [...this.sent];
  }

  get setupSessions(): readonly SandboxSetupSession[] {
    return [...this.sessions.values()].map((session) => this.viewOf(session));
  }

  /** Every PaymentIntent, in the order they were made, as Stripe shows it now. */
  get paymentIntents(): readonly SandboxPaymentIntent[] {
    return [...this.byId.values()].map((charge) => this.intentOf(charge));
  }

  /** Every payment page, in the order they were opened, as the local server shows it now. */
  get paymentPages(): readonly SandboxPaymentPage[] {
    return this.checkout.pages;
  }

  /** Every dispute, in the order they were opened. */
  get disputes(): readonly SandboxDispute[] {
    return this.moneyBack.disputes;
  }

  /** Every refund, in the order they were made. */
  get refunds(): readonly SandboxRefund[] {
    return this.moneyBack.refunds;
  }

  /**
   * The next new charges and payment pages lose their answers or are refused, in this
   * order; replays and other calls are not affected.
   */
  failNext(...losses: SandboxFault[]): void {
    this.lostAnswers.push(...losses);
  }

  /** As `failNext`, for the next new refunds asked through `refund`. */
  failNextRefund(...faults: RefundFault[]): void {
    this.moneyBack.failNext(...faults);
  }

  /** The whole state, for a later sandbox's `state` option; faults waiting for `failNext` are not part of it. */
  snapshot(): SandboxState {
    return {
      sequence: this.sequence,
      charges: [...this.byId.values()].map(({ chargeId, request, status, lastPaymentError }) => ({
        chargeId,
        request: requestState(request),
        status,
        lastPaymentError: lastPaymentError === null ? null : { ...lastPaymentError },
      })),
      setupSessions: [...this.sessions.values()].map(({ sessionId, request, expiresAt, setupReference }) => ({
        sessionId,
        request: { partnerId: request.partnerId, customerId: request.customerId, role: request.role },
        expiresAt: expiresAt.toISOString(),
        ...(setupReference !== undefined && { setupReference }),
      })),
      savedCards: [...this.setups].map(([setupReference, { paymentMethod, customerId }]) => ({
        setupReference,
        paymentMethod,
        customerId,
      })),
      paymentSessions: this.checkout.snapshot(),
      ...this.moneyBack.snapshot(),
    };
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const earlier = this.byKey.get(request.idempotencyKey);
    if (earlier !== undefined) return this.replay(earlier, request);
    const fault = this.lostAnswers.shift();
    if (fault === 'timeout-before-charge')
      return { outcome: 'unknown', reason: 'sandbox: timed out before the charge' };
    if (fault === 'refused') return { outcome: 'failed', reason: 'sandbox: the request was refused, nothing charged' };
    const charge = this.create(request);
    if (fault === 'timeout-after-charge') return { outcome: 'unknown', reason: 'sandbox: timed out after the charge' };
    return this.resultOf(charge);
  }

  /** A payment page of the local server, once per attempt; the same faults as a charge (`failNext`) apply to a new one. */
  async createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    const earlier = this.checkout.replay(request);
    if (earlier !== undefined) return earlier;
    const fault = this.lostAnswers.shift();
    if (fault === 'timeout-before-charge')
      return { outcome: 'unknown', reason: 'sandbox: timed out before the payment page was opened' };
    if (fault === 'refused') return { outcome: 'failed', reason: 'sandbox: the request was refused, no page opened' };
    const page = this.checkout.open(request);
    if (fault === 'timeout-after-charge')
      return { outcome: 'unknown', reason: 'sandbox: timed out after the payment page was opened' };
    return page;
  }

  async chargeStatus(reference: ChargeReference): Promise<ChargeStatus> {
    if (this.checkout.holds(reference.providerChargeId)) return this.checkout.status(reference);
    const charge = this.find(reference);
    return 'chargeId' in charge ? this.statusOf(charge) : charge;
  }

  async cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    if (this.checkout.holds(reference.providerChargeId)) return this.checkout.cancel(reference);
    const charge = this.find(reference);
    if (!('chargeId' in charge)) return charge;
    if (charge.status === 'requires_action') {
      charge.status = 'canceled';
      this.changed();
      this.emitIntent('payment_intent.canceled', charge);
    }
    return this.statusOf(charge);
  }

  async checkPaymentMethod(paymentMethod: string, _customerId: string | undefined): Promise<PaymentMethodCheck> {
    return checkCard(paymentMethod);
  }

  async createSetupSession(request: SetupSessionRequest): Promise<SetupSession> {
    const sessionId = randomId('cs_sandbox');
    const session: SessionRecord = {
      sessionId,
      request,
      expiresAt: new Date(this.now().getTime() + SETUP_SESSION_LIFETIME_MS),
    };
    this.sessions.set(sessionId, session);
    this.changed();
    const { url, expiresAt } = this.viewOf(session);
    return { sessionId, url, expiresAt };
  }

  async savedCard(setupReference: string): Promise<SavedCard | undefined> {
    return this.setups.get(setupReference);
  }

  async dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    return this.moneyBack.dispute(disputeId);
  }

  async refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    return this.moneyBack.refundsOf(providerChargeId);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    return this.moneyBack.refund(request);
  }

  /** The dashboard's refund of a PaymentIntent: `amountCents`, or all that is left of it. */
  refundFromDashboard(paymentIntentId: string, amountCents?: number): SandboxRefund | RefundRefusal {
    return this.moneyBack.refundFromDashboard(paymentIntentId, amountCents);
  }

  /** The bank's decision on a dispute, as the dashboard shows it (sandbox-money-back.ts). */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): SandboxDispute | DisputeCloseRefusal {
    return this.moneyBack.closeDispute(disputeId, outcome);
  }

  /**
   * The test clock moved: payment pages past their time expire, and the charges paid with a
   * dispute test card are disputed now, as Stripe disputes them shortly after the payment.
   */
  clockMoved(): void {
    this.checkout.expireDue();
    this.moneyBack.openDueDisputes();
  }

  /** The payment page's button: pays it with a test card (`pm_card_visa` unless told), once, before it expires. */
  payPage(sessionId: string, paymentMethod?: string): PagePayment | PaymentPageRefusal {
    return this.checkout.pay(sessionId, paymentMethod);
  }

  /** The payment page's "cancel": the partner gives up, and the page expires with nothing charged. */
  abandonPage(sessionId: string): SandboxPaymentPage | PaymentPageRefusal {
    return this.checkout.abandon(sessionId);
  }

  /** The authentication page's answer: the waiting charge succeeds, or fails as a failed 3D Secure does. */
  completeAuthentication(chargeId: string, outcome: 'succeed' | 'fail' = 'succeed'): ChargeStatus | SandboxRefusal {
    const charge = this.byId.get(chargeId);
    if (charge === undefined) return { outcome: 'refused', code: 'not-found', detail: `no charge ${chargeId}` };
    if (charge.status !== 'requires_action')
      return {
        outcome: 'refused',
        code: 'not-waiting',
        detail: `charge ${chargeId} is ${charge.status}, not waiting for authentication`,
      };
    if (outcome === 'succeed') {
      charge.status = 'succeeded';
    } else {
      charge.status = 'requires_payment_method';
      charge.lastPaymentError = AUTHENTICATION_FAILED;
    }
    this.changed();
    this.emitIntent(outcome === 'succeed' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed', charge);
    return this.statusOf(charge);
  }

  /** The setup page's submit: saves the card to the session's customer, once, before the session expires. */
  completeSetup(sessionId: string, paymentMethod: string): SetupCompletion {
    const session = this.sessions.get(sessionId);
    if (session === undefined)
      return { outcome: 'refused', code: 'not-found', detail: `no setup session ${sessionId}` };
    const { status } = this.viewOf(session);
    if (status === 'complete')
      return { outcome: 'refused', code: 'completed', detail: `setup session ${sessionId} already saved a card` };
    if (status === 'expired')
      return {
        outcome: 'refused',
        code: 'expired',
        detail: `setup session ${sessionId} expired at ${session.expiresAt.toISOString()}`,
      };
    const check = checkCard(paymentMethod);
    if (check.verdict !== 'usable') return { outcome: 'refused', code: 'card-refused', detail: check.detail };

    const setupReference = randomId('seti_sandbox');
    const { partnerId, customerId, role } = session.request;
    this.setups.set(setupReference, { paymentMethod, customerId });
    session.setupReference = setupReference;
    this.changed();
    this.emit('checkout.session.completed', {
      id: sessionId,
      object: 'checkout.session',
      mode: 'setup',
      status: 'complete',
      customer: customerId,
      setup_intent: setupReference,
      metadata: { partnerId, role },
    });
    return { outcome: 'completed', sessionId, setupReference, paymentMethod, customerId };
  }

  private create(request: ChargeRequest): ChargeRecord {
    const chargeId = this.nextChargeId();
    const card = TEST_CARDS.get(request.paymentMethod) ?? { charge: 'declines', error: UNKNOWN_PAYMENT_METHOD };
    const charge: ChargeRecord =
      card.charge === 'succeeds'
        ? { chargeId, request, status: 'succeeded', lastPaymentError: null }
        : card.charge === 'requires-authentication'
          ? { chargeId, request, status: 'requires_action', lastPaymentError: null }
          : { chargeId, request, status: 'requires_payment_method', lastPaymentError: card.error };
    this.remember(charge);
    this.changed();
    this.emitIntent(EVENT_OF_STATUS[charge.status], charge);
    return charge;
  }

  /**
   * The PaymentIntent a payment page makes when the partner pays it on-session: paid. The
   * page saves the state and sends its events.
   */
  private makePayment(request: ChargeRequest): ChargeRecord {
    const charge: ChargeRecord = {
      chargeId: this.nextChargeId(),
      request,
      status: 'succeeded',
      lastPaymentError: null,
    };
    this.remember(charge);
    return charge;
  }

  private nextChargeId(): string {
    this.sequence += 1;
    return `${CHARGE_ID_PREFIX}${String(this.sequence).padStart(6, '0')}`;
  }

  private remember(charge: ChargeRecord): void {
    this.byKey.set(charge.request.idempotencyKey, charge);
    this.byId.set(charge.chargeId, charge);
    const current = () => this.statusOf(charge);
    this.chargeViews.push({
      chargeId: charge.chargeId,
      request: charge.request,
      get result() {
        return current();
      },
    });
  }

  /**
   * Takes up a snapshot. A sequence behind one of its charge ids would hand that id out
   * again, and an old `actionUrl` would open the new charge: refused.
   */
  private restore(state: SandboxState): void {
    for (const { chargeId, request, status, lastPaymentError } of state.charges) {
      if (chargeNumberOf(chargeId) > state.sequence)
        throw new RangeError(`sandbox state: sequence ${state.sequence} is behind charge ${chargeId}`);
      const { firstTriedAt, ...rest } = request;
      this.remember({
        chargeId,
        request: { ...rest, ...(firstTriedAt !== undefined && { firstTriedAt: new Date(firstTriedAt) }) },
        status,
        lastPaymentError,
      });
    }
    for (const { sessionId, request, expiresAt, setupReference } of state.setupSessions)
      this.sessions.set(sessionId, {
        sessionId,
        request,
        expiresAt: new Date(expiresAt),
        ...(setupReference !== undefined && { setupReference }),
      });
    for (const { setupReference, paymentMethod, customerId } of state.savedCards)
      this.setups.set(setupReference, { paymentMethod, customerId });
    this.sequence = state.sequence;
  }

  private changed(): void {
    this.onChange?.(this.snapshot());
  }

  /**
   * A replayed key answers where its charge stands now (a charge completed after
   * authentication replays as succeeded); the key with other parameters is refused, as Stripe does.
   */
  private replay(earlier: ChargeRecord, request: ChargeRequest): ChargeResult {
    const same =
      earlier.request.amountCents === request.amountCents &&
      earlier.request.currency === request.currency &&
      earlier.request.paymentMethod === request.paymentMethod;
    return same
      ? this.resultOf(earlier)
      : {
          outcome: 'unknown',
          reason: `sandbox: idempotency key ${request.idempotencyKey} reused with other parameters`,
        };
  }

  /** The charge a reference names, or `unknown` when the sandbox never made it for that attempt. */
  private find(reference: ChargeReference): ChargeRecord | ChargeStatus {
    const charge = this.byId.get(reference.providerChargeId);
    if (charge === undefined) return { outcome: 'unknown', reason: `sandbox: no charge ${reference.providerChargeId}` };
    const { partnerId, idempotencyKey } = charge.request;
    if (partnerId !== reference.partnerId || idempotencyKey !== reference.idempotencyKey)
      return {
        outcome: 'unknown',
        reason: `sandbox: charge ${charge.chargeId} was made for attempt ${idempotencyKey} of partner ${partnerId}, not attempt ${reference.idempotencyKey} of partner ${reference.partnerId}`,
      };
    return charge;
  }

  private statusOf(charge: ChargeRecord): ChargeStatus {
    const providerChargeId = charge.chargeId;
    switch (charge.status) {
      case 'succeeded':
        return { outcome: 'succeeded', providerChargeId };
      case 'requires_payment_method':
        return {
          outcome: 'declined',
          declineCode: declineCodeOf(charge.lastPaymentError ?? UNKNOWN_PAYMENT_METHOD),
          providerChargeId,
        };
      case 'requires_action':
        return { outcome: 'action-required', providerChargeId, actionUrl: this.authenticationUrl(charge) };
      case 'canceled':
        return { outcome: 'canceled', providerChargeId };
    }
  }

  private resultOf(charge: ChargeRecord): ChargeResult {
    const status = this.statusOf(charge);
    return status.outcome === 'canceled'
      ? { outcome: 'declined', declineCode: CANCELED_DECLINE, providerChargeId: status.providerChargeId }
      : status;
  }

  private viewOf(session: SessionRecord): SandboxSetupSession {
    const status =
      session.setupReference !== undefined
        ? 'complete'
        : this.now().getTime() >= session.expiresAt.getTime()
          ? 'expired'
          : 'open';
    return {
      sessionId: session.sessionId,
      url: `${this.pagesBaseUrl}/local/pages/setup/${encodeURIComponent(session.sessionId)}`,
      expiresAt: new Date(session.expiresAt),
      partnerId: session.request.partnerId,
      customerId: session.request.customerId,
      role: session.request.role,
      status,
      ...(session.setupReference !== undefined && { setupReference: session.setupReference }),
    };
  }

  private authenticationUrl(charge: ChargeRecord): string {
    return `${this.pagesBaseUrl}/local/pages/authenticate/${encodeURIComponent(charge.chargeId)}`;
  }

  private emitIntent(type: PaymentIntentEventType, charge: ChargeRecord): void {
    this.emit(type, this.intentOf(charge));
  }

  private intentOf(charge: ChargeRecord): SandboxPaymentIntent {
    const { request } = charge;
    return {
      id: charge.chargeId,
      object: 'payment_intent',
      status: charge.status,
      amount: request.amountCents,
      currency: request.currency.toLowerCase(),
      customer: request.customerId ?? null,
      payment_method: request.paymentMethod,
      description: request.description,
      metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
      last_payment_error: charge.lastPaymentError,
      next_action:
        charge.status === 'requires_action'
          ? { type: 'redirect_to_url', redirect_to_url: { url: this.authenticationUrl(charge) } }
          : null,
      cancellation_reason: charge.status === 'canceled' ? 'abandoned' : null,
      livemode: false,
    };
  }

  private emit<Event extends StripeShapedEvent>(type: Event['type'], object: Event['data']['object']): void {
    const event = {
      id: randomId('evt_sandbox'),
      object: 'event',
      type,
      created: Math.floor(this.now().getTime() / 1000),
      api_version: SANDBOX_API_VERSION,
      livemode: false,
      data: { object },
    } as StripeShapedEvent;
    this.sent.push(event);
    this.onEvent(event);
  }
}

/** The sandbox's test cards can be saved and charged; it has no customers, so it does not check one. */
function checkCard(paymentMethod: string): PaymentMethodCheck {
  if (TEST_CARDS.has(paymentMethod)) return { verdict: 'usable' };
  if (paymentMethod === NOT_A_CARD)
    return { verdict: 'refused', reason: 'not-a-card', detail: `${paymentMethod} is a SEPA debit, not a card` };
  return {
    verdict: 'refused',
    reason: 'not-found',
    detail: `${paymentMethod} is not one of the sandbox's test payment methods`,
  };
}

function paymentOf(charge: ChargeRecord): SandboxPayment {
  return { chargeId: charge.chargeId, request: charge.request, paid: charge.status === 'succeeded' };
}

/** A charge request as plain JSON: the port's fields, the time as an ISO-8601 string. */
function requestState(request: ChargeRequest): SandboxChargeState['request'] {
  const { partnerId, customerId, paymentMethod, amountCents, currency, idempotencyKey, description, firstTriedAt } =
    request;
  return {
    partnerId,
    ...(customerId !== undefined && { customerId }),
    paymentMethod,
    amountCents,
    currency,
    idempotencyKey,
    description,
    ...(firstTriedAt !== undefined && { firstTriedAt: firstTriedAt.toISOString() }),
  };
}

/** The number in a sandbox charge id; 0 for an id the sequence did not make. */
function chargeNumberOf(chargeId: string): number {
  const digits = chargeId.startsWith(CHARGE_ID_PREFIX) ? chargeId.slice(CHARGE_ID_PREFIX.length) : '';
  return /^\d+$/.test(digits) ? Number(digits) : 0;
}

/**
 * Ids that stay unique with no counter to keep: the local runtime's data may outlive the
 * sandbox's state (its file deleted from a data folder), and an event id seen
 * before would be taken for a redelivery.
 */
function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
