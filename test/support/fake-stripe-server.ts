/**
 * Just enough of Stripe's API, over real HTTP on 127.0.0.1, for the real SDK to charge
 * saved cards off-session, bring a cardholder to the bank's authentication page, cancel,
 * look up and list PaymentIntents, check PaymentMethods and customers, save cards
 * through Checkout in setup mode, take a payment through Checkout in payment mode, refund
 * charges and read their disputes. It refuses what Stripe refuses (cards saved to another
 * customer or detached, unknown ids, keys reused with other parameters, refunds of more
 * than is left or of a charged-back charge), keeps every POST's answer under its
 * `Idempotency-Key`, records the webhook events each change would send, and signs their
 * deliveries as Stripe does. Tests can make the next requests fail (500) or hang before or
 * after they are carried out, and play the partner on Checkout's pages, the cardholder's
 * bank (disputes) and the dashboard (refunds).
 *
 * The resources live under test/support/fake-stripe/, one file each; this is the server
 * and the helpers tests drive it with.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../functions/adapters/system-clock';
import type { Clock } from '../../functions/domain/ports';
import { Charges, type FakeCharge } from './fake-stripe/charges';
import { Checkout, type CheckoutPayment, type FakeCheckoutSession } from './fake-stripe/checkout';
import { Customers } from './fake-stripe/customers';
import { type DisputeOpening, Disputes, type FakeDispute, type FakeDisputeStatus } from './fake-stripe/disputes';
import { EventLog, type FakeEvent, type SignedDelivery } from './fake-stripe/events';
import { IdempotentAnswers } from './fake-stripe/idempotency';
import { type FakePaymentIntent, type LastPaymentError, PaymentIntents } from './fake-stripe/payment-intents';
import { type FakeRefund, type RefundMove, type RefundOpening, Refunds } from './fake-stripe/refunds';
import {
  type Answer,
  type Params,
  Refusal,
  apiError,
  header,
  invalidRequest,
  listParam,
  readBody,
  send,
  sendPage,
} from './fake-stripe/wire';

export type { FakeCharge } from './fake-stripe/charges';
export type { CheckoutPayment, FakeCheckoutSession, FakeSetupIntent } from './fake-stripe/checkout';
export type { FakeCustomer, FakePaymentMethod } from './fake-stripe/customers';
export type { DisputeOpening, FakeDispute, FakeDisputeStatus } from './fake-stripe/disputes';
export type { FakeEvent, SignedDelivery } from './fake-stripe/events';
export type { FakePaymentIntent, LastPaymentError, NextAction } from './fake-stripe/payment-intents';
export type { FakeRefund, RefundMove, RefundOpening } from './fake-stripe/refunds';

/**
 * `500`: answered with an api_error; `timeout-before-charge`: never answered, nothing done;
 * `timeout-after-charge`: carried out (a charge made, a list read), the answer never sent.
 */
export type FailureKind = '500' | 'timeout-after-charge' | 'timeout-before-charge';

/** Which requests a failure may hit; by default any. */
export interface RequestFilter {
  readonly method?: 'GET' | 'POST';
  readonly path?: string | RegExp;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey?: string;
  /** Form fields (POST) or query parameters (GET) as sent, bracketed keys kept as they are (`metadata[partnerId]`). */
  readonly params: Readonly<Record<string, string>>;
}

interface Route {
  readonly method: 'GET' | 'POST';
  /** The path, with the id of the object in the first group. */
  readonly pattern: RegExp;
  readonly run: (id: string, params: Params) => Answer;
}

const ok = (body: unknown): Answer => ({ status: 200, body });

export class FakeStripeServer {
  /** Every request received, in order, answered or not. */
  readonly requests: ReceivedRequest[] = [];

  private readonly log: EventLog;
  private readonly customers: Customers;
  private readonly chargeStore: Charges;
  private readonly disputeStore: Disputes;
  private readonly paymentIntents: PaymentIntents;
  private readonly refundStore: Refunds;
  private readonly checkout: Checkout;
  private readonly idempotency = new IdempotentAnswers();
  private readonly failures: { readonly kind: FailureKind; readonly only: RequestFilter }[] = [];
  private readonly stalled = new Set<ServerResponse>();
  private readonly routes: readonly Route[];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    clock: Clock,
  ) {
    const baseUrl = `http://127.0.0.1:${port}`;
    this.log = new EventLog(clock);
    this.customers = new Customers(this.log, clock);
    this.chargeStore = new Charges(clock);
    this.disputeStore = new Disputes(this.chargeStore, this.log, clock);
    this.paymentIntents = new PaymentIntents(
      this.customers,
      this.chargeStore,
      this.disputeStore,
      this.log,
      clock,
      baseUrl,
    );
    this.refundStore = new Refunds(this.paymentIntents, this.chargeStore, this.disputeStore, this.log, clock);
    this.checkout = new Checkout(this.customers, this.paymentIntents, this.log, clock, baseUrl);
    const intents = this.paymentIntents;
    this.routes = [
      { method: 'POST', pattern: /^\/v1\/customers()$/, run: (_, params) => ok(this.customers.create(params)) },
      { method: 'GET', pattern: /^\/v1\/customers\/([^/]+)$/, run: (id) => ok(this.customers.retrieve(id)) },
      {
        method: 'GET',
        pattern: /^\/v1\/payment_methods\/([^/]+)$/,
        run: (id) => ok(this.customers.retrieveMethod(id)),
      },
      {
        method: 'POST',
        pattern: /^\/v1\/payment_methods\/([^/]+)\/attach$/,
        run: (id, params) => ok(this.customers.attach(id, params)),
      },
      {
        method: 'POST',
        pattern: /^\/v1\/payment_methods\/([^/]+)\/detach$/,
        run: (id) => ok(this.customers.detach(id)),
      },
      { method: 'POST', pattern: /^\/v1\/payment_intents()$/, run: (_, params) => intents.create(params) },
      { method: 'GET', pattern: /^\/v1\/payment_intents()$/, run: (_, params) => intents.list(params) },
      {
        method: 'GET',
        pattern: /^\/v1\/payment_intents\/search()$/,
        run: (_, params) => ok(intents.search(params.query ?? '')),
      },
      { method: 'GET', pattern: /^\/v1\/payment_intents\/([^/]+)$/, run: (id) => ok(intents.retrieve(id)) },
      {
        method: 'POST',
        pattern: /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
        run: (id, params) => intents.confirm(id, params),
      },
      {
        method: 'POST',
        pattern: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
        run: (id, params) => intents.cancel(id, params),
      },
      { method: 'POST', pattern: /^\/v1\/refunds()$/, run: (_, params) => ok(this.refundStore.create(params)) },
      { method: 'GET', pattern: /^\/v1\/refunds()$/, run: (_, params) => this.refundStore.list(params) },
      { method: 'GET', pattern: /^\/v1\/refunds\/([^/]+)$/, run: (id) => ok(this.refundStore.retrieve(id)) },
      {
        method: 'GET',
        pattern: /^\/v1\/disputes\/([^/]+)$/,
        run: (id, params) => ok(this.withExpansions(this.disputeStore.retrieve(id), params)),
      },
      { method: 'POST', pattern: /^\/v1\/checkout\/sessions()$/, run: (_, params) => ok(this.checkout.create(params)) },
      { method: 'GET', pattern: /^\/v1\/checkout\/sessions()$/, run: (_, params) => this.checkout.list(params) },
      { method: 'GET', pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/, run: (id) => ok(this.checkout.retrieve(id)) },
      {
        method: 'POST',
        pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
        run: (id) => ok(this.checkout.expire(id)),
      },
      {
        method: 'GET',
        pattern: /^\/v1\/setup_intents\/([^/]+)$/,
        run: (id) => ok(this.checkout.retrieveSetupIntent(id)),
      },
    ];
  }

  /** `clock`: Stripe's time, which stamps objects and events (`created`); the wall clock by default. */
  static async start(options: { readonly clock?: Clock } = {}): Promise<FakeStripeServer> {
    let fake: FakeStripeServer | undefined;
    const server = createServer((request, response) => {
      fake?.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, apiError(`fake Stripe failed: ${String(error)}`));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    fake = new FakeStripeServer(server, (server.address() as AddressInfo).port, options.clock ?? systemClock);
    return fake;
  }

  /** Every PaymentIntent created, declined ones too (Stripe keeps those as well), as it stands now. */
  get intents(): readonly FakePaymentIntent[] {
    return this.paymentIntents.all;
  }

  /** Intents whose money was taken. */
  get charges(): FakePaymentIntent[] {
    return this.paymentIntents.all.filter((intent) => intent.status === 'succeeded');
  }

  /** The paid charge of a PaymentIntent, as it stands now (what of it was refunded, whether it is disputed). */
  chargeOf(paymentIntentId: string): FakeCharge {
    const charge = this.chargeStore.ofIntent(paymentIntentId);
    if (charge === undefined) throw new Error(`payment intent ${paymentIntentId} has no paid charge`);
    return charge;
  }

  /** Every refund, in the order it was made, as it stands now. */
  get refunds(): readonly FakeRefund[] {
    return this.refundStore.all;
  }

  /** Every dispute, in the order it was opened, as it stands now. */
  get disputes(): readonly FakeDispute[] {
    return this.disputeStore.all;
  }

  /** Every Checkout Session created, as it stands now. */
  get checkoutSessions(): readonly FakeCheckoutSession[] {
    return this.checkout.all;
  }

  /** Every webhook event, in the order the changes happened. */
  get events(): readonly FakeEvent[] {
    return this.log.events;
  }

  /** The signing secret of the webhook endpoint the events go to. */
  get webhookSecret(): string {
    return this.log.webhookSecret;
  }

  eventsOf(type: string): FakeEvent[] {
    return this.log.events.filter((event) => event.type === type);
  }

  /** A delivery of `event` signed as Stripe signs it: now and with `webhookSecret` unless told. */
  signedDelivery(
    event: unknown,
    options: { readonly timestamp?: number; readonly secret?: string } = {},
  ): SignedDelivery {
    return this.log.signedDelivery(event, options);
  }

  /** The next `times` requests (those matching `only`, if given) fail as told, in order, before any other behaviour. */
  failNext(times: number, kind: FailureKind, only: RequestFilter = {}): void {
    for (let index = 0; index < times; index += 1) this.failures.push({ kind, only });
  }

  /**
   * The next PaymentIntent created ends in `status` whatever its payment method, for
   * states Stripe reaches in ways a test card does not show (e.g. `processing`).
   */
  nextIntentEndsIn(status: string, lastPaymentError: LastPaymentError | null = null): void {
    this.paymentIntents.endNextIn(status, lastPaymentError);
  }

  /**
   * The cardholder's bank disputes the paid charge of a PaymentIntent: a chargeback
   * (`needs_response`, the money taken) unless told `warning_needs_response` (an inquiry)
   * or `prevented`; for the charge's amount and reason `general` unless told.
   */
  openDispute(paymentIntentId: string, opening: DisputeOpening = {}): FakeDispute {
    return this.disputeStore.open(paymentIntentId, opening);
  }

  /** The dispute moves on as the bank and the network decide: under review, won, lost, appealed. */
  moveDispute(disputeId: string, status: FakeDisputeStatus): FakeDispute {
    return this.disputeStore.move(disputeId, status);
  }

  /**
   * Someone refunds a PaymentIntent from Stripe's dashboard, all that is left of it unless
   * `amountCents` is given: a refund without our metadata. Refused as the API refuses it.
   */
  refundFromDashboard(paymentIntentId: string, amountCents?: number): FakeRefund {
    return this.refundStore.create({
      payment_intent: paymentIntentId,
      ...(amountCents !== undefined && { amount: String(amountCents) }),
    });
  }

  /** The next refund made waits (`pending`, `requires_action`) instead of succeeding at once, as refunds to some methods do. */
  nextRefundEndsIn(status: RefundOpening): void {
    this.refundStore.endNextIn(status);
  }

  /** A refund made goes through, fails (the card network sent it back) or is canceled. */
  moveRefund(refundId: string, status: RefundMove): FakeRefund {
    return this.refundStore.move(refundId, status);
  }

  /** Stripe forgets idempotency keys after 24 hours: a replay then runs the request again. */
  expireIdempotencyKeys(): void {
    this.idempotency.forget();
  }

  /** A customer, with the given id or a new one. */
  createCustomer(id?: string): string {
    return this.customers.create({}, id).id;
  }

  deleteCustomer(id: string): void {
    this.customers.delete(id);
  }

  /** Saves a card to a customer, as a setup would: a test token becomes a new `pm_…`; answers its id. */
  attach(tokenOrPaymentMethod: string, customerId: string): string {
    return this.customers.attach(tokenOrPaymentMethod, { customer: customerId }).id;
  }

  detach(paymentMethod: string): void {
    this.customers.detach(paymentMethod);
  }

  /** The cardholder finishes the bank's page of an intent waiting in `requires_action`. */
  completeAuthentication(paymentIntentId: string, result: 'succeed' | 'fail'): FakePaymentIntent {
    return this.paymentIntents.completeAuthentication(paymentIntentId, result);
  }

  /** The partner saves the card of `token` on a setup session's page; answers the SetupIntent and the saved card. */
  completeSetupSession(
    sessionId: string,
    token: string,
  ): { readonly setupIntent: string; readonly paymentMethod: string } {
    return this.checkout.complete(sessionId, token);
  }

  /**
   * The partner pays a Checkout Session in payment mode on its page with the card of
   * `token` (`pm_card_visa` unless told): the session completes and its PaymentIntent is
   * paid, the card saved to the customer when the session asked for it; or the card is
   * declined, the failed PaymentIntent kept, and the session stays open for another card.
   */
  payCheckoutSession(sessionId: string, token = 'pm_card_visa'): CheckoutPayment {
    return this.checkout.pay(sessionId, token);
  }

  /** An open Checkout Session reaches its `expires_at` without being completed: it expires. */
  lapseCheckoutSession(sessionId: string): FakeCheckoutSession {
    return this.checkout.lapse(sessionId);
  }

  reset(): void {
    this.requests.length = 0;
    this.customers.clear();
    this.chargeStore.clear();
    this.disputeStore.clear();
    this.paymentIntents.clear();
    this.refundStore.clear();
    this.checkout.clear();
    this.log.clear();
    this.idempotency.forget();
    this.failures.length = 0;
    for (const response of this.stalled) response.destroy();
    this.stalled.clear();
  }

  async close(): Promise<void> {
    this.reset();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const params = Object.fromEntries(method === 'GET' ? url.searchParams : new URLSearchParams(body));
    const path = url.pathname;
    const idempotencyKey = header(request, 'idempotency-key');
    this.requests.push({ method, path, params, ...(idempotencyKey !== undefined && { idempotencyKey }) });

    const page = /^\/(authenticate|checkout)\/([^/]+)$/.exec(path);
    if (method === 'GET' && page !== null) {
      sendPage(response, `Stripe test ${page[1]} page for ${page[2]}`);
      return;
    }
    if (!/^Bearer sk_test_\w+$/.test(header(request, 'authorization') ?? '')) {
      send(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }
    const route = this.routes.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    if (route === undefined) {
      send(response, 404, invalidRequest(`Unrecognized request URL (${method}: ${path}).`).answer.body);
      return;
    }

    const failure = this.takeFailure(method, path);
    if (failure === '500') {
      send(response, 500, apiError('An unknown error occurred while processing your request.'));
      return;
    }
    if (failure === 'timeout-before-charge') {
      this.stall(response);
      return;
    }
    const id = decodeURIComponent(route.pattern.exec(path)?.[1] ?? '');
    const answer =
      method === 'POST'
        ? this.idempotency.run(idempotencyKey, path, params, () => route.run(id, params))
        : { ...refusedOrRun(() => route.run(id, params)), replayed: false };
    if (failure === 'timeout-after-charge') {
      this.stall(response);
      return;
    }
    send(response, answer.status, answer.body, answer.replayed ? { 'Idempotent-Replayed': 'true' } : {});
  }

  /** A dispute with its PaymentIntent expanded, when the request asks for it (`expand[]=payment_intent`). */
  private withExpansions(dispute: FakeDispute, params: Params): unknown {
    if (!listParam(params, 'expand').includes('payment_intent')) return dispute;
    return { ...dispute, payment_intent: this.paymentIntents.retrieve(dispute.payment_intent) };
  }

  private takeFailure(method: string, path: string): FailureKind | undefined {
    const index = this.failures.findIndex(
      ({ only }) =>
        (only.method === undefined || only.method === method) &&
        (only.path === undefined || (typeof only.path === 'string' ? only.path === path : only.path.test(path))),
    );
    if (index < 0) return undefined;
    return this.failures.splice(index, 1)[0]?.kind;
  }

  /** Never answers; the client gives up at its timeout, and `reset`/`close` drop the socket. */
  private stall(response: ServerResponse): void {
    this.stalled.add(response);
    response.once('close', () => this.stalled.delete(response));
  }
}

function refusedOrRun(run: () => Answer): Answer {
  try {
    return run();
  } catch (error) {
    if (error instanceof Refusal) return error.answer;
    throw error;
  }
}
