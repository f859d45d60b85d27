/**
 * The card provider as the simulator plays it: the sandbox provider (Stripe's test cards,
 * idempotency keys that answer about the same charge forever, charges that wait for the
 * cardholder, setup sessions) behind the whole payment port, with three things added.
 *
 * - Cards of their own: every card the simulator hands out has an id of its own
 *   (`pm_sim_000007_lostCard`) and behaves as the test card of its kind, so a card is never
 *   confused with another partner's card of the same kind, and a card that was lost stays lost.
 * - A record of everything that reached the network, per card: every charge call (new or
 *   a replay of its key), every change of a charge's status, every authentication the
 *   cardholder completed or failed. The invariants judge the system by it.
 * - Faults: answers lost before or after the network acted (charges, payment pages,
 *   refunds, status lookups, cancellations), requests refused with nothing charged or refunded, and a
 *   cardholder who pays a waiting charge at the very moment the system cancels it. Each
 *   depends on the seed, the partner and the call's number for that partner, so it does not
 *   matter which of two partners' concurrent calls reaches the network first.
 *
 * Top-ups paid on a payment page are the sandbox's pages, paid with a card of ours
 * (`payPage`) or given up. Money comes back through the sandbox as well (the money-back port): charges paid with
 * Stripe's dispute test cards are disputed when the clock moves, and their banks decide
 * (card-disputes.ts); refunds are asked by the system or made on the dashboard. Every change
 * the sandbox reports, as Stripe would to a webhook endpoint, becomes a provider report
 * (`ProviderEvent`) with an id of the simulator's, handed to `onReport`.
 */
import {
  type PaymentIntentStatus,
  type SandboxPaymentIntent,
  SandboxPaymentProvider,
  type StripeShapedEvent,
} from '../../functions/adapters/payments/sandbox-payment-provider';
import type {
  ChargeRefunds,
  MoneyBackProvider,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../functions/domain/money-back/money-back-provider';
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
} from '../../functions/domain/recharge/payment-provider';
import type { SandboxPaymentPage } from '../../functions/adapters/payments/sandbox-checkout';
import type { PaymentPageRequest, PaymentPages } from '../../functions/domain/recharge/payment-pages';
import type { ProviderEvent } from '../../functions/domain/recharge/provider-events';
import { CardDisputes } from './card-disputes';
import { chanceOf } from './prng';

/** The kinds of card the simulator hands out, each played by one of Stripe's test payment methods. */
export const CARD_KINDS = {
  visa: 'pm_card_visa',
  mastercard: 'pm_card_mastercard',
  declined: 'pm_card_chargeDeclined',
  insufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds',
  expiredCard: 'pm_card_chargeDeclinedExpiredCard',
  lostCard: 'pm_card_chargeDeclinedLostCard',
  stolenCard: 'pm_card_chargeDeclinedStolenCard',
  fraudulent: 'pm_card_chargeDeclinedFraudulent',
  authenticationRequired: 'pm_card_authenticationRequired',
  disputed: 'pm_card_createDispute',
  inquiry: 'pm_card_createDisputeInquiry',
} as const;
export type CardKind = keyof typeof CARD_KINDS;

/**
 * Charges that go through · decline softly (another day may work) · decline hard · wait for
 * the cardholder · go through and are then disputed by the cardholder's bank.
 */
export const CARD_GROUPS = {
  succeeding: ['visa', 'mastercard'],
  softDeclining: ['declined', 'insufficientFunds'],
  hardDeclining: ['expiredCard', 'lostCard', 'stolenCard', 'fraudulent'],
  authenticating: ['authenticationRequired'],
  disputing: ['disputed', 'inquiry'],
} as const satisfies Record<string, readonly CardKind[]>;

/** What the cardholder does with a charge waiting for authentication, once told about it. */
export type AuthenticationPlan = 'complete' | 'fail' | 'never';

/**
 * What reached the network, in order: a charge call (a new charge, or a replay of a key it
 * knows), a charge reaching a status (`requires_payment_method` is a decline, with its
 * code), or a decline answered to the caller (from then on the system may know of it).
 */
export type CardFact =
  | {
      readonly kind: 'call';
      readonly sequence: number;
      readonly card: string;
      readonly partnerId: string;
      readonly idempotencyKey: string;
    }
  | {
      readonly kind: 'status';
      readonly sequence: number;
      readonly card: string;
      readonly partnerId: string;
      readonly idempotencyKey: string;
      readonly chargeId: string;
      readonly status: PaymentIntentStatus;
      readonly declineCode?: string;
    }
  | {
      readonly kind: 'decline-answered';
      readonly sequence: number;
      readonly card: string;
      readonly partnerId: string;
      readonly idempotencyKey: string;
      readonly declineCode: string;
    };

/** A charge the network made, and where it stands now. */
export interface NetworkCharge {
  readonly chargeId: string;
  readonly card: string;
  readonly partnerId: string;
  readonly idempotencyKey: string;
  /** What the card was charged, in cents. */
  readonly amountCents: number;
  status: PaymentIntentStatus;
}

export interface WaitingCharge {
  readonly chargeId: string;
  readonly partnerId: string;
  readonly idempotencyKey: string;
  readonly plan: AuthenticationPlan;
  /** When the cardholder acts, if told by then. */
  readonly actAt: Date;
  /** What came of the cardholder's action: the network took it, or refused it (the charge no longer waited). */
  outcome?: 'completed' | 'failed' | 'refused';
}

export interface NetworkOptions {
  readonly seed: number;
  /** Chance that a call loses its answer (half of them after the network acted). */
  readonly timeoutRate: number;
  /** Chance that a new charge is refused as a request, with nothing charged. */
  readonly refusalRate: number;
  readonly now: () => Date;
}

const MINUTE_MS = 60_000;
/**
 * A run asks for few refunds next to its charges: their answers are lost, and their
 * requests refused (a part then goes back to the balance), this many times as often as a
 * charge's, so that every run meets them.
 */
const REFUND_FAULTS_SCALE = 4;
const REFUND_REFUSALS_SCALE = 10;
/** Chance that a cardholder about to pay does so while the system cancels the charge. */
const PAYS_DURING_CANCEL = 0.3;

export class SimulatedCardNetwork implements PaymentProvider, MoneyBackProvider, PaymentPages {
  readonly requiresCustomer = false;
  readonly sandbox: SandboxPaymentProvider;
  /** The disputes the cardholders' banks opened, and what they will decide. */
  readonly disputes: CardDisputes;
  /** Every charge call and status change, in order. */
  readonly facts: CardFact[] = [];
  /** By provider charge id. */
  readonly charges = new Map<string, NetworkCharge>();
  readonly waiting = new Map<string, WaitingCharge>();
  /** Every card handed out: its kind, and the role it was handed out for. */
  readonly issued = new Map<string, { readonly kind: CardKind; readonly role: CardRole }>();
  readonly faults = {
    answersLostAfterCharge: 0,
    answersLostBeforeCharge: 0,
    refusedRequests: 0,
    statusAnswersLost: 0,
    cancelAnswersLost: 0,
    paidDuringCancel: 0,
    refundAnswersLostAfter: 0,
    refundAnswersLostBefore: 0,
    refusedRefunds: 0,
  };
  onReport: (report: ProviderEvent) => void = () => undefined;

  private readonly cardOfKey = new Map<string, string>();
  private readonly cardOfSetup = new Map<string, string>();
  private readonly callsByPartner = new Map<string, number>();
  private readonly reportsByPartner = new Map<string, number>();
  private readonly known = new Set<string>();
  /** Refund keys a refund was made under: asking again with one replays it. */
  private readonly knownRefunds = new Set<string>();
  private sequence = 0;
  private cardSequence = 0;
  private timeoutRate: number;
  private refusalRate: number;

  constructor(private readonly options: NetworkOptions) {
    this.timeoutRate = options.timeoutRate;
    this.refusalRate = options.refusalRate;
    this.sandbox = new SandboxPaymentProvider({ now: options.now, onEvent: (event) => this.noteEvent(event) });
    this.disputes = new CardDisputes(options.seed, this.sandbox, options.now);
  }

  /** A new card of that kind, never handed out before. */
  issueCard(kind: CardKind, role: CardRole): string {
    this.cardSequence += 1;
    const card = `pm_sim_${String(this.cardSequence).padStart(6, '0')}_${kind}`;
    this.issued.set(card, { kind, role });
    return card;
  }

  /** The final drain runs with a network that answers every call and refuses nothing. */
  calm(): void {
    this.timeoutRate = 0;
    this.refusalRate = 0;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const key = request.idempotencyKey;
    const fresh = !this.known.has(key);
    const draw = this.draw('charge', request.partnerId);
    this.sequence += 1;
    this.facts.push({
      kind: 'call',
      sequence: this.sequence,
      card: request.paymentMethod,
      partnerId: request.partnerId,
      idempotencyKey: key,
    });
    this.cardOfKey.set(key, request.paymentMethod);
    // The sandbox replays a known key without looking at its faults: lose only answers of new charges.
    if (fresh) this.failNextBy(draw);
    return this.answered(
      key,
      await this.sandbox.charge({ ...request, paymentMethod: this.testCardOf(request.paymentMethod) }),
    );
  }

  async chargeStatus(reference: ChargeReference): Promise<ChargeStatus> {
    if (this.draw('status', reference.partnerId) < this.timeoutRate) {
      this.faults.statusAnswersLost += 1;
      return { outcome: 'unknown', reason: 'simulated: the status lookup timed out' };
    }
    return this.answered(reference.idempotencyKey, await this.sandbox.chargeStatus(reference));
  }

  async cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    const draw = this.draw('cancel', reference.partnerId);
    if (draw < this.timeoutRate / 2) {
      this.faults.cancelAnswersLost += 1;
      return { outcome: 'unknown', reason: 'simulated: the cancellation timed out before it was made' };
    }
    const waiting = this.waiting.get(reference.providerChargeId);
    if (
      waiting?.plan === 'complete' &&
      waiting.outcome === undefined &&
      chanceOf(`${this.options.seed}/pays-during-cancel/${waiting.chargeId}`) < PAYS_DURING_CANCEL
    ) {
      this.faults.paidDuringCancel += 1;
      this.authenticate(waiting);
    }
    const answer = await this.sandbox.cancelCharge(reference);
    if (draw < this.timeoutRate) {
      this.faults.cancelAnswersLost += 1;
      return { outcome: 'unknown', reason: 'simulated: the cancellation timed out after it was made' };
    }
    return this.answered(reference.idempotencyKey, answer);
  }

  async dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    return this.sandbox.dispute(disputeId);
  }

  async refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    return this.sandbox.refundsOf(providerChargeId);
  }

  /** A top-up's payment page, the sandbox's: the partner pays it (`payPage`), gives up, or lets it expire. */
  createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    const draw = this.draw('page', request.partnerId);
    if (this.pageOf(request.idempotencyKey) === undefined) this.failNextBy(draw);
    return this.sandbox.createPaymentPage(request);
  }

  /** The payment page the system opened for an attempt, if any. */
  pageOf(attemptId: string): SandboxPaymentPage | undefined {
    return this.sandbox.paymentPages.find((page) => page.request.idempotencyKey === attemptId);
  }

  /**
   * The partner pays a payment page with a card of ours (played by its test card): the
   * charge it makes is recorded as that card's. False when the page refused (declined,
   * expired, paid).
   */
  payPage(page: SandboxPaymentPage, card: string): boolean {
    this.cardOfKey.set(page.request.idempotencyKey, card);
    return !('outcome' in this.sandbox.payPage(page.sessionId, this.testCardOf(card)));
  }

  /** The partner gives up on a payment page; false when it was no longer open. */
  abandonPage(page: SandboxPaymentPage): boolean {
    return !('outcome' in this.sandbox.abandonPage(page.sessionId));
  }

  /** A refund the system asks for; a new key may lose its answer (before or after the refund is made) or be refused. */
  async refund(request: RefundRequest): Promise<RefundResult> {
    const key = request.idempotencyKey;
    if (!this.knownRefunds.has(key)) {
      const draw = this.draw('refund', request.charge.partnerId);
      const timeoutRate = this.timeoutRate * REFUND_FAULTS_SCALE;
      if (draw < timeoutRate / 2) {
        this.sandbox.failNextRefund('timeout-before-refund');
        this.faults.refundAnswersLostBefore += 1;
      } else if (draw < timeoutRate) {
        this.sandbox.failNextRefund('timeout-after-refund');
        this.faults.refundAnswersLostAfter += 1;
      } else if (draw < timeoutRate + this.refusalRate * REFUND_REFUSALS_SCALE) {
        this.sandbox.failNextRefund('refused');
        this.faults.refusedRefunds += 1;
      }
    }
    const made = this.sandbox.refunds.length;
    const answer = await this.sandbox.refund(request);
    if (this.sandbox.refunds.length > made) this.knownRefunds.add(key);
    return answer;
  }

  /** The partner a report is about: named by a charge-changed or saved-card report, through the charge or dispute otherwise. */
  partnerOfReport(report: ProviderEvent): string | undefined {
    switch (report.kind) {
      case 'card-saved':
      case 'charge-changed':
        return report.partnerId;
      case 'dispute-changed':
        return this.disputes.byId.get(report.disputeId)?.partnerId;
      case 'charge-refunded':
        return this.charges.get(report.providerChargeId)?.partnerId;
      case 'ignored':
        return undefined;
    }
  }

  /** The test clock moved: the banks open the disputes of charges paid with dispute cards. */
  clockMoved(): void {
    this.sandbox.clockMoved();
  }

  async checkPaymentMethod(paymentMethod: string, customerId: string | undefined): Promise<PaymentMethodCheck> {
    return this.sandbox.checkPaymentMethod(this.testCardOf(paymentMethod), customerId);
  }

  async createSetupSession(request: SetupSessionRequest): Promise<SetupSession> {
    return this.sandbox.createSetupSession(request);
  }

  async savedCard(setupReference: string): Promise<SavedCard | undefined> {
    const saved = await this.sandbox.savedCard(setupReference);
    const card = this.cardOfSetup.get(setupReference);
    return saved === undefined || card === undefined ? saved : { ...saved, paymentMethod: card };
  }

  /** The partner saves a card on a setup session's page; false when the page refused (expired, completed). */
  completeSetup(sessionId: string, card: string): boolean {
    const completion = this.sandbox.completeSetup(sessionId, this.testCardOf(card));
    if (completion.outcome !== 'completed') return false;
    this.cardOfSetup.set(completion.setupReference, card);
    return true;
  }

  /** Recharges waiting for their cardholder now, in the order they began to wait. */
  stillWaiting(): WaitingCharge[] {
    return [...this.waiting.values()].filter(
      (waiting) =>
        waiting.idempotencyKey.startsWith('att-') && this.charges.get(waiting.chargeId)?.status === 'requires_action',
    );
  }

  /** Waiting charges whose cardholder means to act by `now` and has not yet. */
  due(now: Date): WaitingCharge[] {
    return [...this.waiting.values()].filter(
      (waiting) => waiting.plan !== 'never' && waiting.outcome === undefined && waiting.actAt <= now,
    );
  }

  /** The cardholder completes or fails the authentication as planned; the network may refuse (the charge no longer waits). */
  authenticate(waiting: WaitingCharge): void {
    if (waiting.plan === 'never' || waiting.outcome !== undefined) return;
    const answer = this.sandbox.completeAuthentication(
      waiting.chargeId,
      waiting.plan === 'complete' ? 'succeed' : 'fail',
    );
    waiting.outcome = answer.outcome === 'refused' ? 'refused' : waiting.plan === 'complete' ? 'completed' : 'failed';
  }

  /** Notes a decline the network answered, so the caller may know of it from now on. */
  private answered<Answer extends ChargeStatus>(idempotencyKey: string, answer: Answer): Answer {
    if (answer.outcome !== 'declined') return answer;
    this.sequence += 1;
    const charge = answer.providerChargeId === undefined ? undefined : this.charges.get(answer.providerChargeId);
    if (charge !== undefined)
      this.facts.push({
        kind: 'decline-answered',
        sequence: this.sequence,
        card: charge.card,
        partnerId: charge.partnerId,
        idempotencyKey,
        declineCode: answer.declineCode,
      });
    return answer;
  }

  /** Loses the answer of the next new charge or page (before or after the network acted), or refuses it, as `draw` falls. */
  private failNextBy(draw: number): void {
    if (draw < this.timeoutRate / 2) {
      this.sandbox.failNext('timeout-before-charge');
      this.faults.answersLostBeforeCharge += 1;
    } else if (draw < this.timeoutRate) {
      this.sandbox.failNext('timeout-after-charge');
      this.faults.answersLostAfterCharge += 1;
    } else if (draw < this.timeoutRate + this.refusalRate) {
      this.sandbox.failNext('refused');
      this.faults.refusedRequests += 1;
    }
  }

  /** Whose test card plays a card of ours; ids the simulator did not hand out go to the sandbox as they are. */
  private testCardOf(card: string): string {
    const issued = this.issued.get(card);
    return issued === undefined ? card : CARD_KINDS[issued.kind];
  }

  /** A draw for the partner's next call of that kind. */
  private draw(call: string, partnerId: string): number {
    const counter = `${call}/${partnerId}`;
    const number = this.callsByPartner.get(counter) ?? 0;
    this.callsByPartner.set(counter, number + 1);
    return chanceOf(`${this.options.seed}/card/${counter}/${number}`);
  }

  /** What the sandbox tells a webhook endpoint: recorded, and reported as the webhook reader would read it. */
  private noteEvent(event: StripeShapedEvent): void {
    this.sequence += 1;
    const occurredAt = new Date(event.created * 1000);
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.expired': {
        const session = event.data.object;
        // A top-up's payment page paid or expired: the attempt it charges is asked where it stands.
        if (session.mode === 'payment') {
          const { partnerId, attemptId } = session.metadata;
          this.report(partnerId, (eventId) => ({
            kind: 'charge-changed',
            eventId,
            occurredAt,
            partnerId,
            attemptId,
            providerChargeId: session.id,
          }));
          return;
        }
        this.report(session.metadata.partnerId, (eventId) => ({
          kind: 'card-saved',
          eventId,
          occurredAt,
          partnerId: session.metadata.partnerId,
          role: session.metadata.role,
          sessionId: session.id,
          setupReference: session.setup_intent,
        }));
        return;
      }
      case 'charge.dispute.created':
      case 'charge.dispute.updated':
      case 'charge.dispute.funds_withdrawn':
      case 'charge.dispute.closed':
      case 'charge.dispute.funds_reinstated': {
        const dispute = event.data.object;
        const charge = this.chargeNamed(dispute.payment_intent);
        this.disputes.noted(dispute, charge.partnerId, charge.idempotencyKey);
        this.report(charge.partnerId, (eventId) => ({
          kind: 'dispute-changed',
          eventId,
          occurredAt,
          disputeId: dispute.id,
        }));
        return;
      }
      case 'charge.refunded':
      case 'refund.created': {
        const providerChargeId = event.data.object.payment_intent;
        this.report(this.chargeNamed(providerChargeId).partnerId, (eventId) => ({
          kind: 'charge-refunded',
          eventId,
          occurredAt,
          providerChargeId,
        }));
        return;
      }
      default:
        this.noteIntent(event.data.object, occurredAt);
    }
  }

  private noteIntent(intent: SandboxPaymentIntent, occurredAt: Date): void {
    const { partnerId, attemptId } = intent.metadata;
    let charge = this.charges.get(intent.id);
    if (charge === undefined) {
      charge = {
        chargeId: intent.id,
        card: this.cardOfKey.get(attemptId) ?? intent.payment_method,
        partnerId,
        idempotencyKey: attemptId,
        amountCents: intent.amount,
        status: intent.status,
      };
      this.charges.set(intent.id, charge);
      // A key is known once a charge was made under it: a refused or lost request left it free.
      this.known.add(attemptId);
    }
    charge.status = intent.status;
    const error = intent.last_payment_error;
    this.facts.push({
      kind: 'status',
      sequence: this.sequence,
      card: charge.card,
      partnerId,
      idempotencyKey: attemptId,
      chargeId: intent.id,
      status: intent.status,
      ...(intent.status === 'requires_payment_method' &&
        error !== null && { declineCode: error.decline_code ?? error.code }),
    });
    if (intent.status === 'requires_action' && !this.waiting.has(intent.id)) this.planAuthentication(charge);
    this.report(partnerId, (eventId) => ({
      kind: 'charge-changed',
      eventId,
      occurredAt,
      partnerId,
      attemptId,
      providerChargeId: intent.id,
    }));
  }

  /** A charge money comes back from: one the network made and recorded. */
  private chargeNamed(chargeId: string): NetworkCharge {
    const charge = this.charges.get(chargeId);
    if (charge === undefined) throw new Error(`the sandbox reported money back on ${chargeId}, a charge it never made`);
    return charge;
  }

  /**
   * What the cardholder will do: recharges wait for the partner, who was told; a license fee
   * is charged with nobody at hand, and nobody is told of it.
   */
  private planAuthentication(charge: NetworkCharge): void {
    const draw = this.draw('authentication', charge.partnerId);
    const plan: AuthenticationPlan = !charge.idempotencyKey.startsWith('att-')
      ? 'never'
      : draw < 0.55
        ? 'complete'
        : draw < 0.8
          ? 'fail'
          : 'never';
    const delay = this.draw('authentication-delay', charge.partnerId);
    // Most partners act within hours, some take days.
    const minutes = delay < 0.7 ? 5 + Math.floor(delay * 600) : Math.floor(delay * 4 * 24 * 60);
    this.waiting.set(charge.chargeId, {
      chargeId: charge.chargeId,
      partnerId: charge.partnerId,
      idempotencyKey: charge.idempotencyKey,
      plan,
      actAt: new Date(this.options.now().getTime() + minutes * MINUTE_MS),
    });
  }

  private report(partnerId: string, build: (eventId: string) => ProviderEvent): void {
    const number = (this.reportsByPartner.get(partnerId) ?? 0) + 1;
    this.reportsByPartner.set(partnerId, number);
    this.onReport(build(`evt_sim_${partnerId}_${String(number).padStart(5, '0')}`));
  }
}
