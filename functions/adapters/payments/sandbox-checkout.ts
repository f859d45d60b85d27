/**
 * The sandbox's payment pages, as Stripe Checkout plays them in payment mode
 * (docs/contract.md §14): one page per attempt, ever, for the amount asked, open for 30
 * minutes of the test clock. Paid on the local page with one of Stripe's test cards, it
 * makes the attempt's PaymentIntent, paid on-session (a card whose bank asks for
 * authentication is authenticated on the page; one that declines leaves the page open for
 * another card), the card kept for later. Abandoned, canceled, or past its time when the
 * clock moves, it expires and nothing is charged. Each change is reported with the events
 * Stripe sends: `payment_intent.succeeded` then `checkout.session.completed`, or
 * `checkout.session.expired`.
 *
 * Part of SandboxPaymentProvider, which holds the charges, stamps and sends the events and
 * saves the state: it reaches them through `CheckoutHost`.
 */
import type { PaymentPageRequest } from '../../domain/recharge/payment-pages';
import type {
  ChargeReference,
  ChargeRequest,
  ChargeResult,
  ChargeStatus,
} from '../../domain/recharge/payment-provider';
import { PAYMENT_PAGE_LIFETIME_MS } from './checkout-session';
import { NOT_A_CARD, TEST_CARDS, declineCodeOf } from './sandbox-cards';

/** The card a page is paid with when the partner names none, as Stripe's test card form suggests. */
export const DEFAULT_PAGE_CARD = 'pm_card_visa';

/** Stripe's Checkout Session in payment mode, as far as the sandbox fills it. */
export interface SandboxPaymentSession {
  readonly id: string;
  readonly object: 'checkout.session';
  readonly mode: 'payment';
  readonly status: PaymentPageStatus;
  /** The page, while it is open. */
  readonly url: string | null;
  readonly customer: string;
  /** Cents. */
  readonly amount_total: number;
  /** Lower case, as Stripe writes it. */
  readonly currency: string;
  /** The PaymentIntent that paid it, once paid. */
  readonly payment_intent: string | null;
  readonly payment_status: 'paid' | 'unpaid';
  /** Unix seconds. */
  readonly expires_at: number;
  readonly metadata: { readonly partnerId: string; readonly attemptId: string };
  readonly livemode: false;
}

export type PaymentPageStatus = 'open' | 'complete' | 'expired';
export type CheckoutEventType = 'checkout.session.completed' | 'checkout.session.expired';

/** A payment page as the local server shows it. */
export interface SandboxPaymentPage {
  readonly sessionId: string;
  readonly url: string;
  readonly request: PaymentPageRequest;
  readonly status: PaymentPageStatus;
  readonly expiresAt: Date;
  /** The PaymentIntent that paid it and the card it was paid with, once paid. */
  readonly paid?: PagePayment;
}

export interface PagePayment {
  readonly paymentIntent: string;
  readonly paymentMethod: string;
}

/** Why the page did not take the partner's action; the page shows `detail`. */
export interface PaymentPageRefusal {
  readonly outcome: 'refused';
  readonly code: 'not-found' | 'paid' | 'expired' | 'card-refused' | 'card-declined';
  readonly detail: string;
}

/** A payment page as plain JSON, times as ISO-8601 strings. */
export interface SandboxPaymentSessionState {
  readonly sessionId: string;
  readonly request: PaymentPageRequest;
  readonly expiresAt: string;
  readonly paid?: PagePayment;
  /** Expired and reported so: abandoned, canceled, or found past its time when the clock moved. */
  readonly expired?: true;
}

export interface CheckoutHost {
  now(): Date;
  /** A new id that stays unique across restarts, such as `cs_sandbox_…`. */
  newId(prefix: string): string;
  /** Where the local server shows the page of a session. */
  pageUrl(sessionId: string): string;
  /** Whether the sandbox holds a charge with this PaymentIntent id. */
  hasPayment(paymentIntent: string): boolean;
  /** Makes the PaymentIntent of a page paid with a card: a charge of the attempt, succeeded; answers its id. */
  makePayment(request: ChargeRequest): string;
  /** Sends `payment_intent.succeeded` for a PaymentIntent `makePayment` made. */
  reportPayment(paymentIntent: string): void;
  /** Saves the whole state: called after each change, before its events are sent. */
  changed(): void;
  emit(event: { readonly type: CheckoutEventType; readonly object: SandboxPaymentSession }): void;
}

interface PageRecord {
  readonly sessionId: string;
  readonly request: PaymentPageRequest;
  readonly expiresAt: Date;
  paid?: PagePayment;
  expired?: true;
}

export class SandboxCheckout {
  private readonly byId = new Map<string, PageRecord>();
  private readonly byKey = new Map<string, PageRecord>();

  /** `state`: an earlier sandbox's pages; the PaymentIntents they name must be among the host's charges. */
  constructor(
    private readonly host: CheckoutHost,
    state: readonly SandboxPaymentSessionState[] = [],
  ) {
    for (const { expiresAt, ...page } of state) {
      if (page.paid !== undefined && !host.hasPayment(page.paid.paymentIntent))
        throw new RangeError(
          `sandbox state: payment page ${page.sessionId} was paid by ${page.paid.paymentIntent}, which is not among the charges`,
        );
      this.remember({ ...page, expiresAt: new Date(expiresAt) });
    }
  }

  /** Every page, in the order they were opened, as the local server shows it now. */
  get pages(): readonly SandboxPaymentPage[] {
    return [...this.byId.values()].map((page) => this.viewOf(page));
  }

  /** Whether `providerChargeId` names one of the sandbox's payment pages. */
  holds(providerChargeId: string): boolean {
    return this.byId.has(providerChargeId);
  }

  snapshot(): SandboxPaymentSessionState[] {
    return [...this.byId.values()].map(({ sessionId, request, expiresAt, paid, expired }) => ({
      sessionId,
      request: { ...request },
      expiresAt: expiresAt.toISOString(),
      ...(paid !== undefined && { paid: { ...paid } }),
      ...(expired !== undefined && { expired }),
    }));
  }

  /**
   * The answer to a request for the page of an attempt that has one: where it stands; the
   * key with another amount, currency or partner is Stripe's idempotency error, an answer
   * that says nothing. Undefined when the attempt has no page yet.
   */
  replay(request: PaymentPageRequest): ChargeResult | undefined {
    const earlier = this.byKey.get(request.idempotencyKey);
    if (earlier === undefined) return undefined;
    const same =
      earlier.request.amountCents === request.amountCents &&
      earlier.request.currency === request.currency &&
      earlier.request.partnerId === request.partnerId &&
      earlier.request.customerId === request.customerId;
    if (!same) {
      return {
        outcome: 'unknown',
        reason: `sandbox: idempotency key ${request.idempotencyKey} reused with other parameters`,
      };
    }
    return pageAnswer(this.statusOf(earlier));
  }

  /** Opens the attempt's page, 30 minutes from now. */
  open(request: PaymentPageRequest): ChargeResult {
    const page: PageRecord = {
      sessionId: this.host.newId('cs_sandbox'),
      request,
      expiresAt: new Date(this.host.now().getTime() + PAYMENT_PAGE_LIFETIME_MS),
    };
    this.remember(page);
    this.host.changed();
    return pageAnswer(this.statusOf(page));
  }

  /** Where the page a reference names stands, or `unknown` when it is not the page of that attempt. */
  status(reference: ChargeReference): ChargeStatus {
    const page = this.find(reference);
    return 'sessionId' in page ? this.statusOf(page) : page;
  }

  /** Expires an open page, so it can never be paid; a page that finished first answers where it stands. */
  cancel(reference: ChargeReference): ChargeStatus {
    const page = this.find(reference);
    if (!('sessionId' in page)) return page;
    if (this.stateOf(page) === 'open') this.expire([page]);
    return this.statusOf(page);
  }

  /** The page's button: pays the page with a test card, once, before it expires. */
  pay(sessionId: string, paymentMethod: string = DEFAULT_PAGE_CARD): PagePayment | PaymentPageRefusal {
    const page = this.openPage(sessionId);
    if ('outcome' in page) return page;
    const card = TEST_CARDS.get(paymentMethod);
    if (card === undefined) {
      const detail =
        paymentMethod === NOT_A_CARD
          ? `${paymentMethod} is a SEPA debit, not a card: the page takes cards`
          : `${paymentMethod} is not one of the sandbox's test payment methods`;
      return { outcome: 'refused', code: 'card-refused', detail };
    }
    if (card.charge === 'declines') {
      return {
        outcome: 'refused',
        code: 'card-declined',
        detail: `${paymentMethod} was declined (${declineCodeOf(card.error)}); the page stays open for another card`,
      };
    }
    const { partnerId, customerId, amountCents, currency, idempotencyKey, description } = page.request;
    const paymentIntent = this.host.makePayment({
      partnerId,
      customerId,
      paymentMethod,
      amountCents,
      currency,
      idempotencyKey,
      description,
    });
    page.paid = { paymentIntent, paymentMethod };
    this.host.changed();
    this.host.reportPayment(paymentIntent);
    this.host.emit({ type: 'checkout.session.completed', object: this.sessionOf(page) });
    return { ...page.paid };
  }

  /** The page's "cancel": the partner gives up, and the page expires with nothing charged. */
  abandon(sessionId: string): SandboxPaymentPage | PaymentPageRefusal {
    const page = this.openPage(sessionId);
    if ('outcome' in page) return page;
    this.expire([page]);
    return this.viewOf(page);
  }

  /** The test clock moved: pages past their time expire, as Stripe expires them at `expires_at`. */
  expireDue(): void {
    const now = this.host.now().getTime();
    this.expire([...this.byId.values()].filter((page) => now >= page.expiresAt.getTime()));
  }

  private openPage(sessionId: string): PageRecord | PaymentPageRefusal {
    const page = this.byId.get(sessionId);
    if (page === undefined) return { outcome: 'refused', code: 'not-found', detail: `no payment page ${sessionId}` };
    const status = this.stateOf(page);
    if (status === 'complete')
      return { outcome: 'refused', code: 'paid', detail: `payment page ${sessionId} was paid already` };
    if (status === 'expired')
      return {
        outcome: 'refused',
        code: 'expired',
        detail: `payment page ${sessionId} expired${page.expired === undefined ? ` at ${page.expiresAt.toISOString()}` : ''}`,
      };
    return page;
  }

  /** Marks `pages` expired (each open until now, or past its time) and reports them so. */
  private expire(pages: readonly PageRecord[]): void {
    const due = pages.filter((page) => page.paid === undefined && page.expired === undefined);
    if (due.length === 0) return;
    for (const page of due) page.expired = true;
    this.host.changed();
    for (const page of due) this.host.emit({ type: 'checkout.session.expired', object: this.sessionOf(page) });
  }

  private remember(page: PageRecord): void {
    this.byId.set(page.sessionId, page);
    this.byKey.set(page.request.idempotencyKey, page);
  }

  private find(reference: ChargeReference): PageRecord | ChargeStatus {
    const page = this.byId.get(reference.providerChargeId);
    if (page === undefined)
      return { outcome: 'unknown', reason: `sandbox: no payment page ${reference.providerChargeId}` };
    const { partnerId, idempotencyKey } = page.request;
    if (partnerId !== reference.partnerId || idempotencyKey !== reference.idempotencyKey)
      return {
        outcome: 'unknown',
        reason: `sandbox: payment page ${page.sessionId} was opened for attempt ${idempotencyKey} of partner ${partnerId}, not attempt ${reference.idempotencyKey} of partner ${reference.partnerId}`,
      };
    return page;
  }

  /** Open until paid, abandoned or past its time; past its time it reads expired even before the clock's move reports it. */
  private stateOf(page: PageRecord): PaymentPageStatus {
    if (page.paid !== undefined) return 'complete';
    if (page.expired !== undefined || this.host.now().getTime() >= page.expiresAt.getTime()) return 'expired';
    return 'open';
  }

  private statusOf(page: PageRecord): ChargeStatus {
    if (page.paid !== undefined) return { outcome: 'succeeded', providerChargeId: page.paid.paymentIntent };
    if (this.stateOf(page) === 'expired') return { outcome: 'canceled', providerChargeId: page.sessionId };
    return {
      outcome: 'action-required',
      providerChargeId: page.sessionId,
      actionUrl: this.host.pageUrl(page.sessionId),
    };
  }

  private viewOf(page: PageRecord): SandboxPaymentPage {
    return {
      sessionId: page.sessionId,
      url: this.host.pageUrl(page.sessionId),
      request: page.request,
      status: this.stateOf(page),
      expiresAt: new Date(page.expiresAt),
      ...(page.paid !== undefined && { paid: { ...page.paid } }),
    };
  }

  private sessionOf(page: PageRecord): SandboxPaymentSession {
    const status = this.stateOf(page);
    const { partnerId, customerId, amountCents, currency, idempotencyKey } = page.request;
    return {
      id: page.sessionId,
      object: 'checkout.session',
      mode: 'payment',
      status,
      url: status === 'open' ? this.host.pageUrl(page.sessionId) : null,
      customer: customerId,
      amount_total: amountCents,
      currency: currency.toLowerCase(),
      payment_intent: page.paid?.paymentIntent ?? null,
      payment_status: page.paid === undefined ? 'unpaid' : 'paid',
      expires_at: Math.floor(page.expiresAt.getTime() / 1000),
      metadata: { partnerId, attemptId: idempotencyKey },
      livemode: false,
    };
  }
}

/**
 * A page of the attempt, as the answer to a request for it: an expired page charged
 * nothing and never will, so the attempt may end, as after a refusal.
 */
function pageAnswer(status: ChargeStatus): ChargeResult {
  return status.outcome === 'canceled'
    ? {
        outcome: 'failed',
        reason: `sandbox: payment page ${status.providerChargeId} expired unpaid: nothing was charged`,
      }
    : status;
}
