/**
 * Refunds of paid PaymentIntents, made through the API or from the dashboard, with Stripe's
 * refusals: a charge refunded in full already (`charge_already_refunded`), more than is
 * left of it (`amount_too_large`), a charge under a chargeback (`charge_disputed`); each is
 * a 400 invalid_request_error and refunds nothing. A refund records `refund.created` and
 * `charge.refunded`; one that moves later records `refund.updated` and
 * `charge.refund.updated`, and `refund.failed` when it failed.
 */
import type { Clock } from '../../../functions/domain/ports';
import type { Charges, FakeCharge } from './charges';
import type { Disputes } from './disputes';
import type { EventLog } from './events';
import type { PaymentIntents } from './payment-intents';
import { type Answer, type Params, invalidRequest, nested, noSuch, page, secondsAt, stripeId } from './wire';

/** How a refund may be made: at once for cards, or waiting (`pending`, `requires_action`) as for other methods. */
export type RefundOpening = 'succeeded' | 'pending' | 'requires_action';
/** Where a refund may move once made. */
export type RefundMove = 'succeeded' | 'failed' | 'canceled';

export interface FakeRefund {
  readonly id: string;
  readonly object: 'refund';
  readonly amount: number;
  readonly balance_transaction: null;
  readonly charge: string;
  readonly created: number;
  readonly currency: string;
  readonly failure_reason?: string;
  readonly metadata: Record<string, string>;
  readonly payment_intent: string;
  readonly reason: string | null;
  readonly receipt_number: null;
  readonly status: RefundOpening | RefundMove;
}

/** Stripe's reason for a refund the card network sent back. */
const FAILURE_REASON = 'expired_or_canceled_card';
const LEFT_THE_ACCOUNT: readonly FakeRefund['status'][] = ['succeeded', 'pending', 'requires_action'];

export class Refunds {
  private readonly refunds = new Map<string, FakeRefund>();
  private forced?: RefundOpening;

  constructor(
    private readonly intents: PaymentIntents,
    private readonly charges: Charges,
    private readonly disputes: Disputes,
    private readonly events: EventLog,
    private readonly clock: Clock,
  ) {}

  /** Every refund, in the order it was made, as it stands now. */
  get all(): FakeRefund[] {
    return [...this.refunds.values()];
  }

  endNextIn(status: RefundOpening): void {
    this.forced = status;
  }

  /** POST /v1/refunds, of a PaymentIntent: its amount left unless `amount` is given. */
  create(params: Params): FakeRefund {
    if (params.payment_intent === undefined) {
      throw invalidRequest('Refunds are served here by payment_intent only.', {
        code: 'parameter_missing',
        param: 'payment_intent',
      });
    }
    const charge = this.refundable(params.payment_intent);
    const left = charge.amount - charge.amount_refunded;
    if (params.amount !== undefined && !/^[1-9][0-9]*$/.test(params.amount)) {
      throw invalidRequest('This value must be greater than or equal to 1.', {
        code: 'parameter_invalid_integer',
        param: 'amount',
      });
    }
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (amount > left) {
      throw invalidRequest(
        `Refund amount (${money(amount, charge)}) is greater than unrefunded amount on charge (${money(left, charge)})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    const refund: FakeRefund = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      balance_transaction: null,
      charge: charge.id,
      created: secondsAt(this.clock),
      currency: charge.currency,
      metadata: nested(params, 'metadata'),
      payment_intent: charge.payment_intent,
      reason: params.reason ?? null,
      receipt_number: null,
      status: this.forced ?? 'succeeded',
    };
    this.forced = undefined;
    this.refunds.set(refund.id, refund);
    this.events.record('refund.created', refund);
    this.events.record('charge.refunded', this.charges.refund(charge.payment_intent, amount));
    return refund;
  }

  /** GET /v1/refunds: newest first, of one PaymentIntent if `payment_intent` is given. */
  list(query: Params): Answer {
    const paymentIntent = query.payment_intent;
    if (paymentIntent !== undefined) this.intents.existing(paymentIntent, 'payment_intent');
    const matching = this.all
      .reverse()
      .filter((refund) => paymentIntent === undefined || refund.payment_intent === paymentIntent);
    return page(matching, query, { url: '/v1/refunds', kind: 'refund' });
  }

  /** GET /v1/refunds/:id */
  retrieve(id: string): FakeRefund {
    const refund = this.refunds.get(id);
    if (refund === undefined) throw noSuch('refund', id);
    return refund;
  }

  /** A refund that was waiting goes through, or one fails or is canceled and its money stays with the merchant. */
  move(id: string, status: RefundMove): FakeRefund {
    const refund = this.retrieve(id);
    if (!LEFT_THE_ACCOUNT.includes(refund.status) || refund.status === status) {
      throw new Error(`refund ${id} is ${refund.status} and cannot become ${status}`);
    }
    const moved: FakeRefund = { ...refund, status, ...(status === 'failed' && { failure_reason: FAILURE_REASON }) };
    this.refunds.set(id, moved);
    if (status !== 'succeeded') this.charges.refund(refund.payment_intent, -refund.amount);
    this.events.record('refund.updated', moved);
    this.events.record('charge.refund.updated', moved);
    if (status === 'failed') this.events.record('refund.failed', moved);
    return moved;
  }

  clear(): void {
    this.refunds.clear();
    this.forced = undefined;
  }

  /** The paid charge of a PaymentIntent, as long as Stripe would refund some of it. */
  private refundable(paymentIntentId: string): FakeCharge {
    this.intents.existing(paymentIntentId, 'payment_intent');
    const charge = this.charges.ofIntent(paymentIntentId);
    if (charge === undefined) {
      throw invalidRequest(`This PaymentIntent (${paymentIntentId}) does not have a successful charge to refund.`, {
        param: 'payment_intent',
      });
    }
    if (this.disputes.ofCharge(charge)?.is_charge_refundable === false) {
      throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, {
        code: 'charge_disputed',
      });
    }
    if (charge.refunded) {
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    }
    return charge;
  }
}

function money(cents: number, charge: FakeCharge): string {
  return `${(cents / 100).toFixed(2)} ${charge.currency.toUpperCase()}`;
}
