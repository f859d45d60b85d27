/**
 * Usage event bodies of docs/contract.md §4 for the benchmark, the SQS events that carry them
 * (as Lambda's event source delivers them), the partners they are billed to, and items
 * shaped exactly like the dedupe record ingestion writes for each event.
 */
import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { partnerToItem } from '../../functions/adapters/dynamodb/items';
import type { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import { usageEventItem } from '../../functions/adapters/dynamodb/usage-ledger';
import { type Currency, type Micros, parseAmount } from '../../functions/domain/money';
import type { Clock, NewPartner } from '../../functions/domain/ports';
import { DEFAULT_RECHARGE_SETTINGS } from '../../functions/domain/recharge-rules';
import { NO_DECLINES } from '../../functions/domain/recharge/decline-policy';
import { parseUsageBody } from '../../functions/schemas/usage-event-schema';

export const CURRENCY: Currency = 'EUR';
export const EVENT_COST = '0.0625';
/** Far above what the run debits, so no partner crosses its threshold. */
export const OPENING_BALANCE = '1000000.00';
export const THRESHOLD = DEFAULT_RECHARGE_SETTINGS.threshold;

export const fixedClock = (at: Date): Clock => ({ now: () => at });

export function usageBodies(count: number, partnerOf: (index: number) => string, idPrefix = 'wamid'): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      eventId: `${idPrefix}-${randomUUID()}`,
      partnerId: partnerOf(index),
      channelId: '+4915112345678',
      conversationId: `c-${randomUUID()}`,
      category: 'marketing',
      occurredAt: '2026-11-22T10:15:00Z',
      cost: { amount: EVENT_COST, currency: CURRENCY },
    }),
  );
}

/** Cuts the bodies into SQS events of `batchSize` records each. */
export function sqsEvents(bodies: readonly string[], batchSize: number, queueArn: string): SQSEvent[] {
  const events: SQSEvent[] = [];
  for (let start = 0; start < bodies.length; start += batchSize) {
    events.push({
      Records: bodies.slice(start, start + batchSize).map((body) => ({
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1795000000000',
          SenderId: 'bench',
          ApproximateFirstReceiveTimestamp: '1795000000000',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'us-east-1',
      })),
    });
  }
  return events;
}

/**
 * An item of the same shape and size as the dedupe record ingestion writes for this body
 * (functions/adapters/dynamodb/usage-ledger.ts), under another event id of the same length
 * so that it never collides with the real one.
 */
export function dedupeRecordLike(body: string, processedAt: Date): Record<string, unknown> {
  const parsed = parseUsageBody(body);
  if (!parsed.ok) throw new Error(`benchmark body is invalid: ${parsed.rejection.detail}`);
  const event = { ...parsed.event, eventId: parsed.event.eventId.replace(/^wamid-/, 'floor-') };
  // An entry id has the form usage:{24 characters}.
  return usageEventItem(event, `usage:${'x'.repeat(24)}`, processedAt.toISOString());
}

function newPartner(partnerId: string, createdAt: Date): NewPartner {
  return {
    account: {
      partnerId,
      currency: CURRENCY,
      paymentMethod: 'pm_card_visa',
      rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
      createdAt,
    },
    openingBalance: parseAmount(OPENING_BALANCE),
  };
}

/** Creates a partner as the product does: its account item, opening ledger entry and posting guard in one transaction. */
export async function createPartner(
  ledger: DynamoDbLedgerRepository,
  partnerId: string,
  createdAt: Date,
): Promise<void> {
  await ledger.createPartner(newPartner(partnerId, createdAt));
}

/**
 * The account items of many partners, as createPartner writes them, with BatchWriteItem:
 * DynamoDB Local runs only about a hundred transactions a second, and ingestion reads and
 * writes only the account item, never the opening entry or its guard.
 */
export function partnerItems(partnerIds: readonly string[], createdAt: Date): Record<string, unknown>[] {
  return partnerIds.map((partnerId) => {
    const { account, openingBalance } = newPartner(partnerId, createdAt);
    return partnerToItem({
      ...account,
      cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
      status: 'active',
      liveBalance: openingBalance,
      version: 1,
    });
  });
}

/** The balance a partner must have after `events` debits of EVENT_COST. */
export function expectedBalance(events: number): Micros {
  return (parseAmount(OPENING_BALANCE) - events * parseAmount(EVENT_COST)) as Micros;
}

/** A small seeded generator (mulberry32), so every run spreads events over partners the same way. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
