/**
 * Disputes as the cardholder's bank and the card network move them: opened on a paid
 * charge (a chargeback that takes the money, an inquiry that takes nothing, or one Stripe's
 * prevention stopped), moved through review, and closed. Each change records the events
 * Stripe sends for it: `charge.dispute.created`, `.updated`, `.closed`, and
 * `.funds_withdrawn` / `.funds_reinstated` when a chargeback takes the money or gives it back.
 */
import type { Clock } from '../../../functions/domain/ports';
import type { Charges, FakeCharge } from './charges';
import type { EventLog } from './events';
import { noSuch, secondsAt, stripeId } from './wire';

const INQUIRY_STATUSES = ['warning_needs_response', 'warning_under_review', 'warning_closed'] as const;
const CHARGEBACK_STATUSES = [
  'needs_response',
  'under_review',
  'won',
  'lost',
  'appeal_needs_response',
  'appeal_under_review',
] as const;

export type FakeDisputeStatus =
  | (typeof INQUIRY_STATUSES)[number]
  | (typeof CHARGEBACK_STATUSES)[number]
  /** Stopped before it became a chargeback (Visa's Rapid Dispute Resolution): opened so, and final. */
  | 'prevented';

/** How a dispute may open: a chargeback, an inquiry, or prevented. */
export type OpeningStatus = Extract<FakeDisputeStatus, 'needs_response' | 'warning_needs_response' | 'prevented'>;

const CLOSED: readonly FakeDisputeStatus[] = ['won', 'lost', 'warning_closed', 'prevented'];
const APPEALS: readonly FakeDisputeStatus[] = ['appeal_needs_response', 'appeal_under_review'];
/** Days Stripe gives to answer a dispute with evidence; only shown. */
const EVIDENCE_DAYS = 7;

export interface FakeDispute {
  readonly id: string;
  readonly object: 'dispute';
  readonly amount: number;
  readonly balance_transactions: readonly never[];
  readonly charge: string;
  readonly currency: string;
  readonly created: number;
  readonly evidence_details: {
    readonly due_by: number | null;
    readonly has_evidence: false;
    readonly past_due: false;
    readonly submission_count: 0;
  };
  /** True for inquiries: the charge may still be refunded; a chargeback's charge may not. */
  readonly is_charge_refundable: boolean;
  readonly livemode: false;
  readonly metadata: Record<string, string>;
  readonly payment_intent: string;
  readonly reason: string;
  readonly status: FakeDisputeStatus;
}

export interface DisputeOpening {
  readonly status?: OpeningStatus;
  /** Cents; the charge's amount unless told. */
  readonly amount?: number;
  readonly reason?: string;
}

export class Disputes {
  private readonly disputes = new Map<string, FakeDispute>();

  constructor(
    private readonly charges: Charges,
    private readonly events: EventLog,
    private readonly clock: Clock,
  ) {}

  get all(): FakeDispute[] {
    return [...this.disputes.values()];
  }

  /** The bank disputes a paid charge; a charge is disputed once at most, as on Stripe. */
  open(paymentIntentId: string, opening: DisputeOpening = {}): FakeDispute {
    const charge = this.charges.ofIntent(paymentIntentId);
    if (charge === undefined) throw new Error(`payment intent ${paymentIntentId} has no paid charge to dispute`);
    if (this.ofCharge(charge) !== undefined) throw new Error(`the charge of ${paymentIntentId} is disputed already`);
    const status = opening.status ?? 'needs_response';
    const created = secondsAt(this.clock);
    const dispute: FakeDispute = {
      id: stripeId('dp'),
      object: 'dispute',
      amount: opening.amount ?? charge.amount,
      balance_transactions: [],
      charge: charge.id,
      currency: charge.currency,
      created,
      evidence_details: {
        due_by: status === 'prevented' ? null : created + EVIDENCE_DAYS * 24 * 60 * 60,
        has_evidence: false,
        past_due: false,
        submission_count: 0,
      },
      is_charge_refundable: !isChargeback(status),
      livemode: false,
      metadata: {},
      payment_intent: paymentIntentId,
      reason: opening.reason ?? 'general',
      status,
    };
    this.charges.markDisputed(paymentIntentId);
    this.save(dispute, 'charge.dispute.created');
    if (isChargeback(status)) this.events.record('charge.dispute.funds_withdrawn', dispute);
    return dispute;
  }

  /**
   * The dispute moves on: an inquiry through its `warning_*` statuses, a chargeback through
   * review to won or lost, a lost one into an appeal. A closed dispute moves no more.
   */
  move(id: string, status: FakeDisputeStatus): FakeDispute {
    const dispute = this.retrieve(id);
    const appealed = dispute.status === 'lost' && APPEALS.includes(status);
    if (CLOSED.includes(dispute.status) && !appealed) throw new Error(`dispute ${id} is ${dispute.status} already`);
    if (isChargeback(dispute.status) !== isChargeback(status) || status === 'prevented') {
      throw new Error(`dispute ${id} cannot move from ${dispute.status} to ${status}`);
    }
    const moved = { ...dispute, status };
    if (status === 'won') this.events.record('charge.dispute.funds_reinstated', moved);
    return this.save(moved, CLOSED.includes(status) ? 'charge.dispute.closed' : 'charge.dispute.updated');
  }

  /** GET /v1/disputes/:id */
  retrieve(id: string): FakeDispute {
    const dispute = this.disputes.get(id);
    if (dispute === undefined) throw noSuch('dispute', id);
    return dispute;
  }

  /** The dispute of a charge, if it has one. */
  ofCharge(charge: FakeCharge): FakeDispute | undefined {
    return this.all.find((dispute) => dispute.charge === charge.id);
  }

  clear(): void {
    this.disputes.clear();
  }

  private save(dispute: FakeDispute, event: string): FakeDispute {
    this.disputes.set(dispute.id, dispute);
    this.events.record(event, dispute);
    return dispute;
  }
}

function isChargeback(status: FakeDisputeStatus): boolean {
  return (CHARGEBACK_STATUSES as readonly FakeDisputeStatus[]).includes(status);
}
