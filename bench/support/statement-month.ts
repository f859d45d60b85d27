/**
 * One partner's closed month in the table's shape, for the statement benchmark: the items
 * the usage of `events` conversations and the month's other movements leave behind once
 * the daily run has closed the month (the partner item, the month's item with its figures
 * and closing balance, an item per channel beyond the 4 the partner item keeps, the daily
 * snapshots, the invoices) and the month's ledger entries, one per chunk of 98 events as
 * ingestion writes them. Written directly, not through ingestion: the event dedupe
 * records are left out, since no read of a statement or a reconciliation touches them.
 * Every month has the same categories, channels and other movements, only more events.
 */
import { entryToItem, invoiceToItem, partnerToItem } from '../../functions/adapters/dynamodb/items';
import { channelMonthKey, historyPartition, monthKey } from '../../functions/adapters/dynamodb/keys';
import { INLINE_CHANNELS, figureAdds, figureItem } from '../../functions/adapters/dynamodb/month-figure-attributes';
import type { LedgerEntry } from '../../functions/domain/ledger';
import { type Micros, micros, parseAmount } from '../../functions/domain/money';
import { type Month, monthRange } from '../../functions/domain/month';
import type { Invoice } from '../../functions/domain/recharge/charge-attempt';
import { DEFAULT_RECHARGE_SETTINGS } from '../../functions/domain/recharge-rules';
import { NO_DECLINES } from '../../functions/domain/recharge/decline-policy';
import {
  type MonthFigures,
  type MovementKind,
  type Tally,
  netMovement,
} from '../../functions/domain/statements/month-figures';
import type { UsageCategory } from '../../functions/domain/usage/usage-event';

export type Item = Record<string, unknown>;

export const MONTH = '2026-11' as Month;
const OPENING = parseAmount('5000000.00');
const CATEGORIES: readonly { readonly category: UsageCategory; readonly cost: Micros }[] = [
  { category: 'marketing', cost: parseAmount('0.0625') },
  { category: 'utility', cost: parseAmount('0.0125') },
  { category: 'authentication', cost: parseAmount('0.03') },
];
/** Channels of the month: the partner item keeps 4, the others have items of their own. */
export const CHANNELS = 20;
const EVENTS_PER_ENTRY = 98;
const RECHARGE = parseAmount('1000.00');
const PAYMENT = parseAmount('250.00');

const channelOf = (index: number) => `+4915100${String(index).padStart(6, '0')}`;

export interface StatementMonth {
  readonly partnerId: string;
  readonly events: number;
  readonly ledgerEntries: number;
  readonly usage: Micros;
  readonly items: readonly Item[];
}

export function statementMonth(partnerId: string, events: number): StatementMonth {
  const { start, end } = monthRange(MONTH);
  const span = end.getTime() - start.getTime();
  const byCategory = new Map<UsageCategory, { count: number; amount: number }>();
  const byChannel = new Map<string, { count: number; amount: number }>();
  const entries: LedgerEntry[] = [];
  const chunks = Math.ceil(events / EVENTS_PER_ENTRY);
  let usage = 0;
  for (let chunk = 0; chunk < chunks; chunk += 1) {
    let debited = 0;
    const last = Math.min(events, (chunk + 1) * EVENTS_PER_ENTRY);
    for (let event = chunk * EVENTS_PER_ENTRY; event < last; event += 1) {
      const { category, cost } = CATEGORIES[event % CATEGORIES.length] as (typeof CATEGORIES)[number];
      const channel = channelOf(event % CHANNELS);
      add(byCategory, category, cost);
      add(byChannel, channel, cost);
      debited += cost;
    }
    usage += debited;
    entries.push(
      ledgerEntry(
        partnerId,
        'usage',
        `b-${chunk}`,
        micros(-debited),
        new Date(start.getTime() + (chunk * span) / chunks),
        last - chunk * EVENTS_PER_ENTRY,
      ),
    );
  }
  const recharges = [0, 1].map((index) =>
    ledgerEntry(
      partnerId,
      'recharge',
      `att-${index}`,
      RECHARGE,
      new Date(start.getTime() + ((index + 1) * span) / 3),
      1,
    ),
  );
  const payment = ledgerEntry(partnerId, 'payment', 'bank-1', PAYMENT, new Date(start.getTime() + span / 2), 1);
  const channels = [...byChannel.keys()].sort();
  const tally = (value: { count: number; amount: number }): Tally => ({
    count: value.count,
    amount: micros(value.amount),
  });
  const kept: MonthFigures = {
    usageByCategory: new Map([...byCategory].map(([key, value]) => [key, tally(value)])),
    usageByChannel: new Map(
      channels
        .slice(0, INLINE_CHANNELS)
        .map((channel) => [channel, tally(byChannel.get(channel) ?? { count: 0, amount: 0 })]),
    ),
    movementsByKind: new Map<MovementKind, Tally>([
      ['recharge', { count: 2, amount: micros(2 * RECHARGE) }],
      ['payment', { count: 1, amount: PAYMENT }],
    ]),
  };
  const closing = micros(OPENING + netMovement(kept));
  const items: Item[] = [
    partnerToItem({
      partnerId,
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
      rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
      status: 'active',
      createdAt: new Date('2026-01-15T10:00:00Z'),
      liveBalance: closing,
      version: entries.length + 3,
    }),
    {
      ...monthKey(partnerId, MONTH),
      type: 'month',
      partnerId,
      month: MONTH,
      closing,
      closedAt: end.toISOString(),
      ...figureItem(figureAdds(undefined, kept)),
    },
    ...channels.slice(INLINE_CHANNELS).map((channel) => ({
      ...channelMonthKey(partnerId, MONTH, channel),
      type: 'channel-month',
      conversations: byChannel.get(channel)?.count ?? 0,
      amount: byChannel.get(channel)?.amount ?? 0,
    })),
    ...snapshots(partnerId, closing),
    ...recharges.map((entry) => invoiceToItem(invoiceOf(entry))),
    ...[...entries, ...recharges, payment].map(entryToItem),
  ];
  return { partnerId, events, ledgerEntries: entries.length + 3, usage: micros(usage), items };
}

function add<K>(totals: Map<K, { count: number; amount: number }>, key: K, cost: number): void {
  const known = totals.get(key);
  if (known === undefined) totals.set(key, { count: 1, amount: cost });
  else {
    known.count += 1;
    known.amount += cost;
  }
}

function ledgerEntry(
  partnerId: string,
  kind: LedgerEntry['kind'],
  key: string,
  amount: Micros,
  postedAt: Date,
  eventCount: number,
): LedgerEntry {
  return {
    partnerId,
    currency: 'EUR',
    kind,
    idempotencyKey: key,
    entryId: `${kind}:${key}`,
    amount,
    postedAt,
    eventCount,
  };
}

function invoiceOf(entry: LedgerEntry): Invoice {
  const fee = micros(entry.amount / 25);
  return {
    partnerId: entry.partnerId,
    invoiceId: `inv-${entry.idempotencyKey}`,
    attemptId: entry.idempotencyKey,
    issuedAt: entry.postedAt,
    currency: 'EUR',
    lines: [
      { kind: 'credit', description: 'Prepaid balance recharge', amount: entry.amount },
      { kind: 'card-fee', description: 'Card fee (4%)', amount: fee },
    ],
    total: micros(entry.amount + fee),
    providerChargeId: `ch_${entry.idempotencyKey}`,
  };
}

/** A snapshot for every cut-off of the month after its first, as a partner moving every day has. */
function snapshots(partnerId: string, closing: Micros): Item[] {
  const { start } = monthRange(MONTH);
  return Array.from({ length: 30 }, (_, index) => {
    const cutoff = new Date(start.getTime() + (index + 1) * 86_400_000);
    const day = cutoff.toISOString().slice(0, 10);
    return {
      pk: historyPartition(partnerId),
      sk: day,
      type: 'balance-snapshot',
      partnerId,
      day,
      balance: closing,
      asOf: cutoff.toISOString(),
    };
  });
}
