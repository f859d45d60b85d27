/**
 * Money that comes back from the sandbox's charges, as Stripe plays it (docs/contract.md
 * §13): the cardholder's bank disputes a charge paid with one of Stripe's dispute test
 * cards (sandbox-cards.ts) and the dispute is closed won or lost, as Stripe's dashboard
 * shows it; a charge is refunded through the API (idempotent per key) or from the
 * dashboard, never beyond what is left of it and never once it is charged back. Each change
 * is reported with the Stripe events a webhook endpoint hears of it.
 *
 * Part of SandboxPaymentProvider, which holds the charges, stamps and sends the events and
 * saves the state: it reaches them through `MoneyBackHost`.
 */
import type {
  ChargeOfAttempt,
  ChargeRefunds,
  DisputeStatus,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../domain/money-back/money-back-provider';
import { type Currency, MICROS_PER_CENT, formatAmount, micros } from '../../domain/money';
import type { ChargeRequest } from '../../domain/recharge/payment-provider';
import { TEST_CARDS } from './sandbox-cards';

/** Stripe's dispute statuses the sandbox reaches. */
export const SANDBOX_DISPUTE_STATUSES = [
  'warning_needs_response',
  'warning_closed',
  'needs_response',
  'won',
  'lost',
] as const;
export type SandboxDisputeStatus = (typeof SANDBOX_DISPUTE_STATUSES)[number];

/** Where the books read each Stripe status to stand (docs/contract.md §13): inquiries take no money. */
const STATUS_OF: Readonly<Record<SandboxDisputeStatus, DisputeStatus>> = {
  warning_needs_response: 'inquiry',
  warning_closed: 'inquiry-closed',
  needs_response: 'open',
  won: 'won',
  lost: 'lost',
};

const CLOSED: ReadonlySet<SandboxDisputeStatus> = new Set(['warning_closed', 'won', 'lost']);

/** Stripe's Dispute object, as far as the sandbox fills it. */
export interface SandboxDispute {
  readonly id: string;
  readonly object: 'dispute';
  /** Cents, as Stripe writes amounts. */
  readonly amount: number;
  /** The Charge's id; `payment_intent` names the PaymentIntent our attempt made. */
  readonly charge: string;
  readonly created: number;
  readonly currency: string;
  /** Stripe refuses to refund a charged-back payment; an inquiry's may still be refunded. */
  readonly is_charge_refundable: boolean;
  readonly livemode: false;
  readonly metadata: Readonly<Record<string, string>>;
  readonly payment_intent: string;
  readonly reason: string;
  readonly status: SandboxDisputeStatus;
}

/** Stripe's Refund object. */
export interface SandboxRefund {
  readonly id: string;
  readonly object: 'refund';
  readonly amount: number;
  readonly charge: string;
  readonly created: number;
  readonly currency: string;
  /** `operatorReference` for a refund this system asked for; empty for one made on the dashboard. */
  readonly metadata: { readonly operatorReference?: string };
  readonly payment_intent: string;
  readonly reason: null;
  /** Card refunds in Stripe's test mode succeed at once. */
  readonly status: 'succeeded';
}

/** Stripe's Charge object behind a paid PaymentIntent, as `charge.refunded` carries it. */
export interface SandboxChargeObject {
  readonly id: string;
  readonly object: 'charge';
  readonly amount: number;
  readonly amount_refunded: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly disputed: boolean;
  readonly livemode: false;
  readonly metadata: { readonly partnerId: string; readonly attemptId: string };
  readonly payment_intent: string;
  readonly payment_method: string;
  readonly refunded: boolean;
  readonly status: 'succeeded';
}

export type DisputeEventType =
  | 'charge.dispute.created'
  | 'charge.dispute.updated'
  | 'charge.dispute.funds_withdrawn'
  | 'charge.dispute.closed'
  | 'charge.dispute.funds_reinstated';

/** An event's type and object, before the host puts them in Stripe's envelope. */
export type MoneyBackEvent =
  | { readonly type: DisputeEventType; readonly object: SandboxDispute }
  | { readonly type: 'charge.refunded'; readonly object: SandboxChargeObject }
  | { readonly type: 'refund.created'; readonly object: SandboxRefund };

export interface SandboxDisputeState {
  readonly disputeId: string;
  /** The PaymentIntent disputed. */
  readonly chargeId: string;
  readonly status: SandboxDisputeStatus;
  readonly amountCents: number;
  readonly reason: string;
  readonly createdAt: string;
}

export interface SandboxRefundState {
  readonly refundId: string;
  readonly chargeId: string;
  readonly amountCents: number;
  readonly createdAt: string;
  /** The key a refund asked through the API was made under; none for the dashboard's. */
  readonly idempotencyKey?: string;
  readonly operatorReference?: string;
}

/** Disputes and refunds as plain JSON, in the order they were made. */
export interface SandboxMoneyBackState {
  readonly disputes: readonly SandboxDisputeState[];
  readonly refunds: readonly SandboxRefundState[];
}

/**
 * `timeout-before-refund`: nothing is refunded and the answer is lost; `timeout-after-refund`:
 * the refund is made and its answer lost; `refused`: Stripe refuses the request and nothing
 * is refunded, leaving the key free.
 */
export type RefundFault = 'timeout-before-refund' | 'timeout-after-refund' | 'refused';

/** Why Stripe refuses a refund or a dashboard action: its error code and message. */
export interface StripeRefusal<Code extends string> {
  readonly outcome: 'refused';
  readonly code: Code;
  readonly detail: string;
}

export type RefundRefusal = StripeRefusal<
  | 'resource_missing'
  | 'parameter_invalid_integer'
  | 'payment_intent_unexpected_state'
  | 'charge_disputed'
  | 'charge_already_refunded'
  | 'amount_too_large'
>;

export type DisputeCloseRefusal = StripeRefusal<'resource_missing' | 'dispute_already_closed'>;

/** What money coming back needs of a charge the sandbox made: its PaymentIntent's id and request, and whether it paid. */
export interface SandboxPayment {
  readonly chargeId: string;
  readonly request: ChargeRequest;
  readonly paid: boolean;
}

export interface MoneyBackHost {
  payment(chargeId: string): SandboxPayment | undefined;
  /** Every charge, in the order they were made. */
  payments(): readonly SandboxPayment[];
  now(): Date;
  /** A new id that stays unique across restarts, such as `du_sandbox_…`. */
  newId(prefix: string): string;
  /** Saves the whole state: called after each change, before its events are sent. */
  changed(): void;
  emit(event: MoneyBackEvent): void;
}

interface DisputeRecord {
  readonly disputeId: string;
  readonly chargeId: string;
  status: SandboxDisputeStatus;
  readonly amountCents: number;
  readonly reason: string;
  readonly createdAt: Date;
}

interface RefundRecord {
  readonly refundId: string;
  readonly chargeId: string;
  readonly amountCents: number;
  readonly createdAt: Date;
  readonly idempotencyKey?: string;
  readonly operatorReference?: string;
}

export class SandboxMoneyBack {
  private readonly disputesById = new Map<string, DisputeRecord>();
  private readonly disputeOfCharge = new Map<string, DisputeRecord>();
  private readonly refundList: RefundRecord[] = [];
  private readonly refundsByKey = new Map<string, RefundRecord>();
  private readonly faults: RefundFault[] = [];

  /** `state`: an earlier sandbox's; each dispute and refund must be on a charge the host holds. */
  constructor(
    private readonly host: MoneyBackHost,
    state: SandboxMoneyBackState = { disputes: [], refunds: [] },
  ) {
    for (const { createdAt, ...dispute } of state.disputes) {
      this.paymentNamed(dispute.chargeId, `dispute ${dispute.disputeId}`);
      this.rememberDispute({ ...dispute, createdAt: new Date(createdAt) });
    }
    for (const { createdAt, ...refund } of state.refunds) {
      this.paymentNamed(refund.chargeId, `refund ${refund.refundId}`);
      this.rememberRefund({ ...refund, createdAt: new Date(createdAt) });
    }
  }

  /** Every dispute, in the order they were opened, as Stripe shows it now. */
  get disputes(): readonly SandboxDispute[] {
    return [...this.disputesById.values()].map((dispute) => this.disputeObject(dispute));
  }

  /** Every refund, in the order they were made. */
  get refunds(): readonly SandboxRefund[] {
    return this.refundList.map((refund) => this.refundObject(refund));
  }

  /** The next new refunds lose their answers or are refused, in this order; replays are not affected. */
  failNext(...faults: RefundFault[]): void {
    this.faults.push(...faults);
  }

  snapshot(): SandboxMoneyBackState {
    return {
      disputes: [...this.disputesById.values()].map(({ createdAt, ...dispute }) => ({
        ...dispute,
        createdAt: createdAt.toISOString(),
      })),
      refunds: this.refundList.map(({ createdAt, ...refund }) => ({ ...refund, createdAt: createdAt.toISOString() })),
    };
  }

  dispute(disputeId: string): ProviderDispute | undefined {
    const dispute = this.disputesById.get(disputeId);
    if (dispute === undefined) return undefined;
    const { request } = this.paymentNamed(dispute.chargeId, `dispute ${disputeId}`);
    return {
      disputeId,
      status: STATUS_OF[dispute.status],
      amountCents: dispute.amountCents,
      currency: request.currency,
      reason: dispute.reason,
      openedAt: new Date(dispute.createdAt),
      charge: chargeOfAttempt(dispute.chargeId, request),
    };
  }

  refundsOf(chargeId: string): ChargeRefunds | undefined {
    const payment = this.host.payment(chargeId);
    if (payment === undefined) return undefined;
    return {
      charge: chargeOfAttempt(chargeId, payment.request),
      refunds: this.refundsOfCharge(chargeId).map(({ refundId, amountCents, createdAt, operatorReference }) => ({
        refundId,
        amountCents,
        status: 'succeeded',
        createdAt: new Date(createdAt),
        ...(operatorReference !== undefined && { operatorReference }),
      })),
    };
  }

  /**
   * A refund asked through the API. Its key answers about the same refund forever; the key
   * with another charge or amount is Stripe's idempotency error, an answer that says nothing.
   */
  refund(request: RefundRequest): RefundResult {
    const earlier = this.refundsByKey.get(request.idempotencyKey);
    if (earlier !== undefined) {
      return earlier.chargeId === request.charge.providerChargeId && earlier.amountCents === request.amountCents
        ? { outcome: 'refunded', refundId: earlier.refundId }
        : {
            outcome: 'unknown',
            reason: `sandbox: idempotency key ${request.idempotencyKey} reused with other parameters`,
          };
    }
    const fault = this.faults.shift();
    if (fault === 'timeout-before-refund')
      return { outcome: 'unknown', reason: 'sandbox: timed out before the refund' };
    if (fault === 'refused')
      return { outcome: 'refused', reason: 'sandbox: the request was refused, nothing refunded' };
    const made = this.refundOfAttempt(request);
    if (fault === 'timeout-after-refund') return { outcome: 'unknown', reason: 'sandbox: timed out after the refund' };
    return 'outcome' in made
      ? { outcome: 'refused', reason: `${made.code}: ${made.detail}` }
      : { outcome: 'refunded', refundId: made.refundId };
  }

  /** A refund made on Stripe's dashboard: `amountCents`, or all that is left of the charge. */
  refundFromDashboard(chargeId: string, amountCents?: number): SandboxRefund | RefundRefusal {
    const payment = this.host.payment(chargeId);
    if (payment === undefined) return missing(`No such payment_intent: '${chargeId}'`);
    const refund = this.makeRefund(payment, amountCents ?? this.unrefundedCents(payment), {});
    return 'outcome' in refund ? refund : this.refundObject(refund);
  }

  /**
   * The bank decides, as Stripe's dashboard then shows it: a chargeback is `won` (the money
   * comes back) or `lost`; an inquiry won closes with nothing taken, and lost becomes a
   * chargeback, which takes the money and is closed in its turn.
   */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): SandboxDispute | DisputeCloseRefusal {
    const dispute = this.disputesById.get(disputeId);
    if (dispute === undefined) return missing(`No such dispute: '${disputeId}'`);
    if (CLOSED.has(dispute.status))
      return {
        outcome: 'refused',
        code: 'dispute_already_closed',
        detail: `Dispute ${disputeId} is already closed (${dispute.status}).`,
      };
    const inquiry = dispute.status === 'warning_needs_response';
    const next: { status: SandboxDisputeStatus; events: readonly DisputeEventType[] } = inquiry
      ? outcome === 'won'
        ? { status: 'warning_closed', events: ['charge.dispute.closed'] }
        : { status: 'needs_response', events: ['charge.dispute.updated', 'charge.dispute.funds_withdrawn'] }
      : outcome === 'won'
        ? { status: 'won', events: ['charge.dispute.closed', 'charge.dispute.funds_reinstated'] }
        : { status: 'lost', events: ['charge.dispute.closed'] };
    dispute.status = next.status;
    this.host.changed();
    for (const type of next.events) this.host.emit({ type, object: this.disputeObject(dispute) });
    return this.disputeObject(dispute);
  }

  /**
   * The test clock moved: each paid charge on a dispute test card not disputed yet is
   * disputed now, for what was not refunded of it (a charge refunded in full cannot be).
   */
  openDueDisputes(): void {
    const opened: DisputeRecord[] = [];
    for (const payment of this.host.payments()) {
      const card = TEST_CARDS.get(payment.request.paymentMethod);
      const opening = card?.charge === 'succeeds' ? card.disputed : undefined;
      const amountCents = this.unrefundedCents(payment);
      if (opening === undefined || !payment.paid || this.disputeOfCharge.has(payment.chargeId) || amountCents === 0)
        continue;
      const dispute: DisputeRecord = {
        disputeId: this.host.newId('du_sandbox'),
        chargeId: payment.chargeId,
        status: opening.status,
        amountCents,
        reason: opening.reason,
        createdAt: this.host.now(),
      };
      this.rememberDispute(dispute);
      opened.push(dispute);
    }
    if (opened.length === 0) return;
    this.host.changed();
    for (const dispute of opened) {
      const object = this.disputeObject(dispute);
      this.host.emit({ type: 'charge.dispute.created', object });
      if (dispute.status === 'needs_response') this.host.emit({ type: 'charge.dispute.funds_withdrawn', object });
    }
  }

  private refundOfAttempt(request: RefundRequest): RefundRecord | RefundRefusal {
    const { partnerId, attemptId, providerChargeId } = request.charge;
    const payment = this.host.payment(providerChargeId);
    if (payment === undefined) return missing(`No such payment_intent: '${providerChargeId}'`);
    if (payment.request.partnerId !== partnerId || payment.request.idempotencyKey !== attemptId)
      return missing(
        `payment_intent ${providerChargeId} was made for attempt ${payment.request.idempotencyKey} of partner ${payment.request.partnerId}, not attempt ${attemptId} of partner ${partnerId}`,
      );
    return this.makeRefund(payment, request.amountCents, {
      idempotencyKey: request.idempotencyKey,
      operatorReference: request.operatorReference,
    });
  }

  private makeRefund(
    payment: SandboxPayment,
    amountCents: number,
    keys: Pick<RefundRecord, 'idempotencyKey' | 'operatorReference'>,
  ): RefundRecord | RefundRefusal {
    const refusal = this.refusalOf(payment, amountCents);
    if (refusal !== undefined) return refusal;
    const refund: RefundRecord = {
      refundId: this.host.newId('re_sandbox'),
      chargeId: payment.chargeId,
      amountCents,
      createdAt: this.host.now(),
      ...keys,
    };
    this.rememberRefund(refund);
    this.host.changed();
    this.host.emit({ type: 'charge.refunded', object: this.chargeObject(payment) });
    this.host.emit({ type: 'refund.created', object: this.refundObject(refund) });
    return refund;
  }

  /** What Stripe says to a refund it will not make. */
  private refusalOf(payment: SandboxPayment, amountCents: number): RefundRefusal | undefined {
    const charge = chargeObjectId(payment.chargeId);
    if (!payment.paid)
      return refused(
        'payment_intent_unexpected_state',
        `PaymentIntent ${payment.chargeId} does not have a successful charge to refund.`,
      );
    const dispute = this.disputeOfCharge.get(payment.chargeId);
    if (dispute !== undefined && !isRefundable(dispute))
      return refused('charge_disputed', `Charge ${charge} has been charged back; cannot issue a refund.`);
    const left = this.unrefundedCents(payment);
    if (left === 0) return refused('charge_already_refunded', `Charge ${charge} has already been refunded.`);
    if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
      return refused('parameter_invalid_integer', `Invalid positive integer: ${amountCents}`);
    if (amountCents > left) {
      const { currency } = payment.request;
      return refused(
        'amount_too_large',
        `Refund amount (${centsText(amountCents, currency)}) is greater than unrefunded amount on charge (${centsText(left, currency)})`,
      );
    }
    return undefined;
  }

  private unrefundedCents(payment: SandboxPayment): number {
    const refunded = this.refundsOfCharge(payment.chargeId).reduce((total, refund) => total + refund.amountCents, 0);
    return payment.request.amountCents - refunded;
  }

  private refundsOfCharge(chargeId: string): RefundRecord[] {
    return this.refundList.filter((refund) => refund.chargeId === chargeId);
  }

  private rememberDispute(dispute: DisputeRecord): void {
    this.disputesById.set(dispute.disputeId, dispute);
    this.disputeOfCharge.set(dispute.chargeId, dispute);
  }

  private rememberRefund(refund: RefundRecord): void {
    this.refundList.push(refund);
    if (refund.idempotencyKey !== undefined) this.refundsByKey.set(refund.idempotencyKey, refund);
  }

  /** The charge a dispute or a refund is on: one the sandbox holds, or its state was not its own. */
  private paymentNamed(chargeId: string, what: string): SandboxPayment {
    const payment = this.host.payment(chargeId);
    if (payment === undefined)
      throw new RangeError(`sandbox state: ${what} is on charge ${chargeId}, which it does not hold`);
    return payment;
  }

  private disputeObject(dispute: DisputeRecord): SandboxDispute {
    const { request } = this.paymentNamed(dispute.chargeId, `dispute ${dispute.disputeId}`);
    return {
      id: dispute.disputeId,
      object: 'dispute',
      amount: dispute.amountCents,
      charge: chargeObjectId(dispute.chargeId),
      created: unixSeconds(dispute.createdAt),
      currency: request.currency.toLowerCase(),
      is_charge_refundable: isRefundable(dispute),
      livemode: false,
      metadata: {},
      payment_intent: dispute.chargeId,
      reason: dispute.reason,
      status: dispute.status,
    };
  }

  private refundObject(refund: RefundRecord): SandboxRefund {
    const { request } = this.paymentNamed(refund.chargeId, `refund ${refund.refundId}`);
    return {
      id: refund.refundId,
      object: 'refund',
      amount: refund.amountCents,
      charge: chargeObjectId(refund.chargeId),
      created: unixSeconds(refund.createdAt),
      currency: request.currency.toLowerCase(),
      metadata: refund.operatorReference === undefined ? {} : { operatorReference: refund.operatorReference },
      payment_intent: refund.chargeId,
      reason: null,
      status: 'succeeded',
    };
  }

  private chargeObject(payment: SandboxPayment): SandboxChargeObject {
    const { request } = payment;
    const left = this.unrefundedCents(payment);
    return {
      id: chargeObjectId(payment.chargeId),
      object: 'charge',
      amount: request.amountCents,
      amount_refunded: request.amountCents - left,
      currency: request.currency.toLowerCase(),
      customer: request.customerId ?? null,
      disputed: this.disputeOfCharge.has(payment.chargeId),
      livemode: false,
      metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
      payment_intent: payment.chargeId,
      payment_method: request.paymentMethod,
      refunded: left === 0,
      status: 'succeeded',
    };
  }
}

/** The Charge behind a sandbox PaymentIntent: `pi_sandbox_000042` pays with `ch_sandbox_000042`. */
export function chargeObjectId(paymentIntentId: string): string {
  return paymentIntentId.replace(/^pi_/, 'ch_');
}

function chargeOfAttempt(chargeId: string, request: ChargeRequest): ChargeOfAttempt {
  return { partnerId: request.partnerId, attemptId: request.idempotencyKey, providerChargeId: chargeId };
}

function isRefundable(dispute: DisputeRecord): boolean {
  return dispute.status === 'warning_needs_response' || dispute.status === 'warning_closed';
}

function refused<Code extends RefundRefusal['code']>(code: Code, detail: string): StripeRefusal<Code> {
  return { outcome: 'refused', code, detail };
}

function missing(detail: string): StripeRefusal<'resource_missing'> {
  return { outcome: 'refused', code: 'resource_missing', detail };
}

function centsText(cents: number, currency: Currency): string {
  return `${formatAmount(micros(cents * MICROS_PER_CENT))} ${currency}`;
}

function unixSeconds(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}
