/**
 * The cardholders' banks, as the simulator plays them. A charge paid with one of Stripe's
 * dispute test cards is disputed by the sandbox when the clock next moves: a chargeback
 * (the money is taken back) or an inquiry (nothing taken yet). When a dispute opens, its
 * bank's decision is drawn: an inquiry is closed in our favour or escalated to a
 * chargeback, a chargeback is won (the money comes back) or lost, days later. Draws depend
 * on the seed, the partner and its number of disputes, so concurrent partners do not shift
 * each other's.
 */
import type { SandboxDispute } from '../../functions/adapters/payments/sandbox-money-back';
import type { SandboxPaymentProvider } from '../../functions/adapters/payments/sandbox-payment-provider';
import { chanceOf } from './prng';

/** A dispute the network opened, and what its bank will decide. */
export interface NetworkDispute {
  readonly disputeId: string;
  /** The PaymentIntent disputed. */
  readonly chargeId: string;
  readonly partnerId: string;
  readonly attemptId: string;
  /** Opened as an inquiry (no money taken), rather than a chargeback. */
  readonly openedAsInquiry: boolean;
  /** The bank's next decision and when it falls; undefined once the dispute is closed. */
  decision?: { readonly outcome: 'won' | 'lost'; readonly at: Date };
  /** Every decision the bank made, in order. */
  readonly decided: ('won' | 'lost')[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Chance that a chargeback is won: the evidence convinced the bank. */
const CHARGEBACK_WON = 0.4;
/** Chance that an inquiry is closed with nothing taken; otherwise the bank escalates it to a chargeback. */
const INQUIRY_CLOSED = 0.6;
/** Decisions fall this many days after the dispute opened or escalated, at most. */
const MAX_DECISION_DAYS = 20;

export class CardDisputes {
  /** By dispute id, in the order they opened. */
  readonly byId = new Map<string, NetworkDispute>();
  readonly counts = { opened: 0, inquiries: 0, won: 0, lost: 0, inquiriesClosed: 0, escalated: 0 };
  private readonly disputesByPartner = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly sandbox: SandboxPaymentProvider,
    private readonly now: () => Date,
  ) {}

  /** A dispute event the sandbox sent: a new dispute gets its bank's first decision. */
  noted(dispute: SandboxDispute, partnerId: string, attemptId: string): void {
    if (this.byId.has(dispute.id)) return;
    const inquiry = dispute.status === 'warning_needs_response';
    const record: NetworkDispute = {
      disputeId: dispute.id,
      chargeId: dispute.payment_intent,
      partnerId,
      attemptId,
      openedAsInquiry: inquiry,
      decided: [],
    };
    this.byId.set(dispute.id, record);
    this.counts.opened += 1;
    if (inquiry) this.counts.inquiries += 1;
    this.plan(record, inquiry);
  }

  /** Disputes whose bank decides by `by` and has not decided yet. */
  due(by: Date): NetworkDispute[] {
    return [...this.byId.values()].filter(
      (dispute) => dispute.decision !== undefined && dispute.decision.at.getTime() <= by.getTime(),
    );
  }

  /** Still waiting for a decision: the end of a run has every bank decide. */
  get undecided(): number {
    return [...this.byId.values()].filter((dispute) => dispute.decision !== undefined).length;
  }

  /** The bank decides; an inquiry it does not close becomes a chargeback, decided in its turn. */
  decide(dispute: NetworkDispute): void {
    const { decision } = dispute;
    if (decision === undefined) return;
    const before = this.sandbox.disputes.find((candidate) => candidate.id === dispute.disputeId)?.status;
    const closed = this.sandbox.closeDispute(dispute.disputeId, decision.outcome);
    if ('outcome' in closed)
      throw new Error(`the bank could not decide dispute ${dispute.disputeId}: ${closed.detail}`);
    dispute.decided.push(decision.outcome);
    delete dispute.decision;
    if (before === 'warning_needs_response') {
      if (decision.outcome === 'won') this.counts.inquiriesClosed += 1;
      else {
        this.counts.escalated += 1;
        this.plan(dispute, false);
      }
      return;
    }
    if (decision.outcome === 'won') this.counts.won += 1;
    else this.counts.lost += 1;
  }

  private plan(dispute: NetworkDispute, inquiry: boolean): void {
    const number = this.disputesByPartner.get(dispute.partnerId) ?? 0;
    this.disputesByPartner.set(dispute.partnerId, number + 1);
    const key = `${this.seed}/dispute/${dispute.partnerId}/${number}`;
    const favourable = chanceOf(`${key}/outcome`) < (inquiry ? INQUIRY_CLOSED : CHARGEBACK_WON);
    const days = chanceOf(`${key}/delay`) * MAX_DECISION_DAYS;
    dispute.decision = {
      outcome: favourable ? 'won' : 'lost',
      at: new Date(this.now().getTime() + Math.max(1 / 24, days) * DAY_MS),
    };
  }
}
