/**
 * What the books must say, kept apart from the system: the partners and what the
 * simulator did to them (openings, payments, reconciliations, monthly caps, top-ups,
 * operator refunds, closures),
 * every usage event and the fate each of its messages must meet. The invariants compare
 * DynamoDB with this.
 */
import type { Currency, Micros } from '../../functions/domain/money';
import type { RejectionReason } from '../../functions/domain/usage/usage-event';

export interface PartnerModel {
  readonly partnerId: string;
  readonly currency: Currency;
  /** The previous invoice's remainder: the opening entry. */
  readonly opening: Micros;
  readonly createdAt: Date;
  /** The card network's customer the partner's cards are saved to. */
  readonly customerId: string;
  /** The primary card the operator set last; a saved card replaces it when its report is applied. */
  paymentMethod: string;
  backupPaymentMethod?: string;
  /** Finance payments answered with success, by reference. */
  readonly payments: Map<string, Micros>;
  /** Reconciled months: the actual amount entered and the adjustment booked. */
  readonly reconciliations: Map<string, { readonly actual: Micros; readonly adjustment: Micros }>;
  readonly channels: string[];
  /** Operator refunds the system took on (answered with the refund), by reference: the amount asked. */
  readonly refunds: Map<string, Micros>;
  /** References of those refunds last answered with a part still open: the operator asks again. */
  readonly unfinishedRefunds: Set<string>;
  /** The partner's monthly caps on automatic recharges, as the operator set them (none before the first). */
  readonly limits: LimitChange[];
  /** The partner's top-ups the system took on, by reference. */
  readonly topUps: Map<string, TopUpModel>;
  /** Set once the operator closed the account. */
  closure?: Closure;
  /** Events whose message was acknowledged: debited, and only once. */
  confirmedEvents: number;
  confirmedCost: Micros;
  /** Events sent whose messages are all still on the queue: debited or not yet. */
  readonly unconfirmed: Set<string>;
}

export interface LimitChange {
  readonly at: Date;
  /** Undefined: no cap from then on. */
  readonly limit?: Micros;
}

export interface TopUpModel {
  readonly amount: Micros;
  readonly checkout: boolean;
  readonly attemptId: string;
}

export interface Closure {
  /** When the system says the account was closed. */
  readonly closedAt: Date;
  /** How many facts the card network had recorded when the closure was first asked for. */
  readonly networkFactsBefore: number;
  /** `closing`: closed, but a charge or the refund had no answer yet, so the operator asks again. */
  state: 'closing' | 'closed';
}

/** The wire body of a usage event, as the platform sends it. */
export interface UsageWire {
  readonly eventId: string;
  readonly partnerId: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly category: string;
  readonly occurredAt: string;
  readonly cost: { readonly amount: string; readonly currency: string };
}

export interface EventModel {
  readonly eventId: string;
  readonly partnerId: string;
  readonly cost: Micros;
  readonly wire: UsageWire;
  confirmed: boolean;
}

export type Expectation =
  | { readonly kind: 'accept'; readonly eventId: string }
  | { readonly kind: 'reject'; readonly reason: RejectionReason };

export interface MessageModel {
  readonly messageId: string;
  readonly body: string;
  readonly expect: Expectation;
}

export class ReferenceModel {
  readonly partners = new Map<string, PartnerModel>();
  readonly events = new Map<string, EventModel>();
  /** Messages on the usage queue, by message id. */
  readonly pending = new Map<string, MessageModel>();

  addPartner(
    partner: Omit<
      PartnerModel,
      | 'payments'
      | 'reconciliations'
      | 'channels'
      | 'refunds'
      | 'unfinishedRefunds'
      | 'limits'
      | 'topUps'
      | 'confirmedEvents'
      | 'confirmedCost'
      | 'unconfirmed'
    >,
  ): PartnerModel {
    const model: PartnerModel = {
      ...partner,
      payments: new Map(),
      reconciliations: new Map(),
      channels: [],
      refunds: new Map(),
      unfinishedRefunds: new Set(),
      limits: [],
      topUps: new Map(),
      confirmedEvents: 0,
      confirmedCost: 0 as Micros,
      unconfirmed: new Set(),
    };
    this.partners.set(partner.partnerId, model);
    return model;
  }

  /** Partners whose account the operator has not closed. */
  get openPartners(): PartnerModel[] {
    return [...this.partners.values()].filter((partner) => partner.closure === undefined);
  }

  partner(partnerId: string): PartnerModel {
    const partner = this.partners.get(partnerId);
    if (partner === undefined) throw new Error(`the model has no partner ${partnerId}`);
    return partner;
  }

  addEvent(event: EventModel): void {
    this.events.set(event.eventId, event);
    this.partner(event.partnerId).unconfirmed.add(event.eventId);
  }

  expect(message: MessageModel): void {
    this.pending.set(message.messageId, message);
  }

  /** A message of the event was acknowledged: from now on it counts as debited. */
  confirm(eventId: string): void {
    const event = this.events.get(eventId);
    if (event === undefined || event.confirmed) return;
    event.confirmed = true;
    const partner = this.partner(event.partnerId);
    partner.unconfirmed.delete(eventId);
    partner.confirmedEvents += 1;
    partner.confirmedCost = (partner.confirmedCost + event.cost) as Micros;
  }
}
