/**
 * The usage the platform sends, drawn from the PRNG: new conversations, late arrivals,
 * redeliveries (also spelled differently: "0.50" and "0.500000" are the same amount),
 * conflicting repeats of debited events, and poison: bodies that are not JSON, break the
 * schema, cost nothing, name an unknown partner or the wrong currency; and the extremes:
 * costs up to the largest amount and beyond it, events dated far in the future, usage on
 * another partner's hosted number. Each message is put on the simulated queue with the
 * fate it must meet.
 */
import {
  type Currency,
  MAX_AMOUNT,
  type Micros,
  formatAmount,
  micros,
  parseAmount,
} from '../../functions/domain/money';
import { USAGE_CATEGORIES } from '../../functions/domain/usage/usage-event';
import type { Prng } from './prng';
import type { EventModel, Expectation, PartnerModel, ReferenceModel, UsageWire } from './reference-model';
import type { SimulatedQueue } from './simulated-sqs';

const MESSAGE_KINDS = {
  new: 70,
  late: 8,
  redelivery: 9,
  respelled: 3,
  conflict: 2,
  'invalid-json': 1.5,
  'schema-violation': 1.5,
  'non-positive-cost': 1,
  'unknown-partner': 1,
  'currency-mismatch': 1,
  extreme: 0.1,
  'out-of-range': 0.5,
  'occurred-in-future': 0.5,
  'channel-of-another-partner': 0.5,
} as const;
export type MessageKind = keyof typeof MESSAGE_KINDS;

const HOUR_MS = 60 * 60 * 1000;
const RECENT_EVENTS = 200;

export class UsageMessages {
  private eventSequence = 0;
  /** The latest events sent: redeliveries come soon after the original. */
  private readonly recent: EventModel[] = [];
  readonly sent = new Map<MessageKind, number>();

  constructor(
    private readonly prng: Prng,
    private readonly model: ReferenceModel,
    private readonly queue: SimulatedQueue,
    private readonly now: () => Date,
  ) {}

  /** Puts `count` messages on the usage queue. */
  send(count: number): void {
    for (let i = 0; i < count; i += 1) {
      const kind = this.prng.weighted(MESSAGE_KINDS);
      const message = this.compose(kind);
      if (message === undefined) continue;
      const messageId = this.queue.send(message.body);
      this.model.expect({ messageId, body: message.body, expect: message.expect });
      this.sent.set(kind, (this.sent.get(kind) ?? 0) + 1);
    }
  }

  private compose(kind: MessageKind): { body: string; expect: Expectation } | undefined {
    const partners = [...this.model.partners.values()];
    if (partners.length === 0) return undefined;
    const partner = this.prng.pick(partners);
    switch (kind) {
      case 'new':
      case 'late': {
        const event = this.newEvent(
          partner,
          kind === 'late' ? this.prng.int(2, 240) * HOUR_MS : this.prng.int(0, 600_000),
        );
        this.model.addEvent(event);
        this.recent.push(event);
        if (this.recent.length > RECENT_EVENTS) this.recent.shift();
        return { body: JSON.stringify(event.wire), expect: { kind: 'accept', eventId: event.eventId } };
      }
      case 'redelivery':
      case 'respelled': {
        const event = this.earlierEvent(false);
        if (event === undefined) return undefined;
        const wire = kind === 'respelled' ? respell(event.wire) : event.wire;
        return { body: JSON.stringify(wire), expect: { kind: 'accept', eventId: event.eventId } };
      }
      case 'conflict': {
        // Only against an event already debited, so which content is the original is known.
        const event = this.earlierEvent(true);
        if (event === undefined) return undefined;
        const wire = { ...event.wire, conversationId: `${event.wire.conversationId}-other` };
        return { body: JSON.stringify(wire), expect: { kind: 'reject', reason: 'conflicting-repeat' } };
      }
      case 'invalid-json':
        return {
          body: JSON.stringify(this.newEvent(partner, 0).wire).slice(0, this.prng.int(0, 40)),
          expect: { kind: 'reject', reason: 'invalid-json' },
        };
      case 'schema-violation': {
        const { wire } = this.newEvent(partner, 0);
        const broken = this.prng.pick([
          { ...wire, category: 'promotional' },
          { ...wire, cost: { ...wire.cost, amount: '1.5' } },
          { ...wire, channelId: 'not-a-number' },
          { ...wire, extra: true },
        ]);
        return { body: JSON.stringify(broken), expect: { kind: 'reject', reason: 'schema-violation' } };
      }
      case 'non-positive-cost': {
        const { wire } = this.newEvent(partner, 0);
        return {
          body: JSON.stringify({ ...wire, category: 'marketing', cost: { ...wire.cost, amount: '0.00' } }),
          expect: { kind: 'reject', reason: 'non-positive-cost' },
        };
      }
      case 'unknown-partner': {
        const { wire } = this.newEvent(partner, 0);
        return {
          body: JSON.stringify({ ...wire, partnerId: `ghost-${this.prng.int(1, 9)}` }),
          expect: { kind: 'reject', reason: 'unknown-partner' },
        };
      }
      case 'currency-mismatch': {
        const { wire } = this.newEvent(partner, 0);
        const other: Currency = partner.currency === 'EUR' ? 'USD' : 'EUR';
        return {
          body: JSON.stringify({ ...wire, cost: { ...wire.cost, currency: other } }),
          expect: { kind: 'reject', reason: 'currency-mismatch' },
        };
      }
      case 'extreme': {
        // A cost near or at the largest amount: debited like any other.
        const event = this.newEvent(
          partner,
          0,
          this.prng.chance(0.2) ? MAX_AMOUNT : micros(this.prng.int(100_000, 1_000_000) * 10_000_000),
        );
        this.model.addEvent(event);
        return { body: JSON.stringify(event.wire), expect: { kind: 'accept', eventId: event.eventId } };
      }
      case 'out-of-range': {
        const { wire } = this.newEvent(partner, 0);
        const amount = this.prng.pick([
          '10000000.000001',
          `${this.prng.int(10_000_001, 2_000_000_000)}.00`,
          '90071992547409.93',
          `1${'0'.repeat(30)}.00`,
        ]);
        return {
          body: JSON.stringify({ ...wire, cost: { ...wire.cost, amount } }),
          expect: { kind: 'reject', reason: 'amount-out-of-range' },
        };
      }
      case 'occurred-in-future': {
        const { wire } = this.newEvent(partner, 0);
        const occurredAt = new Date(this.now().getTime() + this.prng.int(25, 24 * 365 * 80) * HOUR_MS).toISOString();
        return {
          body: JSON.stringify({ ...wire, occurredAt }),
          expect: { kind: 'reject', reason: 'occurred-in-future' },
        };
      }
      case 'channel-of-another-partner': {
        const owners = partners.filter((other) => other.partnerId !== partner.partnerId && other.channels.length > 0);
        if (owners.length === 0) return undefined;
        const { wire } = this.newEvent(partner, 0);
        const channelId = this.prng.pick(this.prng.pick(owners).channels);
        return {
          body: JSON.stringify({ ...wire, channelId }),
          expect: { kind: 'reject', reason: 'channel-of-another-partner' },
        };
      }
    }
  }

  private newEvent(partner: PartnerModel, ageMs: number, extreme?: Micros): EventModel {
    this.eventSequence += 1;
    const category = extreme === undefined ? this.prng.pick(USAGE_CATEGORIES) : 'marketing';
    // Four decimals like conversation prices; a service conversation may be free.
    const cost =
      extreme ?? micros(category === 'service' && this.prng.chance(0.3) ? 0 : this.prng.int(1, 300_000) * 100);
    const wire: UsageWire = {
      eventId: `wamid-${this.eventSequence}`,
      partnerId: partner.partnerId,
      channelId: `+4915${String(this.prng.int(0, 999_999_999)).padStart(9, '0')}`,
      conversationId: `c-${this.eventSequence}`,
      category,
      occurredAt: new Date(this.now().getTime() - ageMs).toISOString(),
      cost: { amount: formatAmount(cost), currency: partner.currency },
    };
    return { eventId: wire.eventId, partnerId: partner.partnerId, cost, wire, confirmed: false };
  }

  private earlierEvent(confirmed: boolean): EventModel | undefined {
    const candidates = confirmed ? this.recent.filter((event) => event.confirmed) : this.recent;
    return candidates.length === 0 ? undefined : this.prng.pick(candidates);
  }
}

/** The same event written differently: six fraction digits, an explicit offset. */
function respell(wire: UsageWire): UsageWire {
  return {
    ...wire,
    occurredAt: wire.occurredAt.replace('Z', '+00:00'),
    cost: { ...wire.cost, amount: sixDigits(parseAmount(wire.cost.amount)) },
  };
}

function sixDigits(amount: Micros): string {
  return `${Math.floor(amount / 1_000_000)}.${String(amount % 1_000_000).padStart(6, '0')}`;
}
