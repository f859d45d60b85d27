/**
 * Debits usage in chunks: one transaction writes each event's dedupe record, one ledger
 * entry for the chunk's total and one ADD on the partner's live balance. When DynamoDB
 * cancels it because some events exist already, the cancellation reasons say exactly
 * which; those are set aside and the rest is applied in one transaction again.
 */
import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerEntry } from '../../domain/ledger';
import { formatAmount, micros, negate, sum } from '../../domain/money';
import { EventFate, UsageChunk, UsageChunkResult, UsageLedger } from '../../domain/ports';
import { UsageEvent, usageDigest } from '../../domain/usage/usage-event';
import { usageEventKey } from './keys';
import { moveBalance, putLedgerEntry } from './posting-writes';
import { CancellationReason, cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

/** DynamoDB allows 100 items per transaction: the partner update, the ledger entry and 98 events. */
export const MAX_EVENTS_PER_CHUNK = 98;

/** Position of the first event in the transaction's items, after the partner update and the entry. */
const FIRST_EVENT_ITEM = 2;

export class DynamoDbUsageLedger implements UsageLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async debit(chunk: UsageChunk): Promise<UsageChunkResult> {
    if (chunk.events.length > MAX_EVENTS_PER_CHUNK) {
      throw new RangeError(`a usage chunk holds at most ${MAX_EVENTS_PER_CHUNK} events, got ${chunk.events.length}`);
    }
    const fates = new Map<string, EventFate>();
    let pending = [...chunk.events];
    while (pending.length > 0) {
      const entry = usageEntry(chunk, pending);
      try {
        await retryOnContention(() => this.client.send(this.transaction(chunk, entry, pending)));
        for (const event of pending) fates.set(event.eventId, { kind: 'debited' });
        return { fates, entry };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        pending = setAsideRefused(chunk, pending, reasons, fates);
      }
    }
    return { fates };
  }

  private transaction(chunk: UsageChunk, entry: LedgerEntry, events: readonly UsageEvent[]) {
    const processedAt = chunk.postedAt.toISOString();
    return new TransactWriteCommand({
      TransactItems: [
        moveBalance(this.tableName, chunk.partnerId, entry.amount, chunk.currency),
        putLedgerEntry(this.tableName, entry),
        ...events.map((event) => ({
          Put: {
            TableName: this.tableName,
            Item: {
              ...usageEventKey(event.eventId),
              type: 'usage-event',
              eventId: event.eventId,
              partnerId: event.partnerId,
              channelId: event.channelId,
              conversationId: event.conversationId,
              category: event.category,
              occurredAt: event.occurredAt.toISOString(),
              amount: event.cost,
              currency: event.currency,
              digest: usageDigest(event),
              entryId: entry.entryId,
              processedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        })),
      ],
    });
  }
}

/** One ledger entry for the chunk: its id is derived from the event ids it debits. */
function usageEntry(chunk: UsageChunk, events: readonly UsageEvent[]): LedgerEntry {
  const ids = events.map((event) => event.eventId).sort();
  const key = createHash('sha256').update(JSON.stringify(ids)).digest('base64url').slice(0, 24);
  const total = sum(events.map((event) => event.cost));
  return {
    partnerId: chunk.partnerId,
    currency: chunk.currency,
    kind: 'usage',
    idempotencyKey: key,
    entryId: `usage:${key}`,
    amount: negate(total),
    postedAt: chunk.postedAt,
    eventCount: events.length,
    memo: `${events.length} conversation${events.length === 1 ? '' : 's'}, ${formatAmount(total)} ${chunk.currency}`,
  };
}

/**
 * Reads the cancellation reasons: a refused partner update rejects the whole chunk
 * (unknown partner or currency mismatch); each refused event is a duplicate when its
 * stored digest matches, a conflicting repeat otherwise. Returns the events still to debit.
 */
function setAsideRefused(
  chunk: UsageChunk,
  pending: readonly UsageEvent[],
  reasons: readonly CancellationReason[],
  fates: Map<string, EventFate>,
): UsageEvent[] {
  const partner = reasons[0];
  if (isConditionFailure(partner)) {
    const rejection =
      partner?.item === undefined
        ? { reason: 'unknown-partner' as const, detail: `partner "${chunk.partnerId}" does not exist` }
        : {
            reason: 'currency-mismatch' as const,
            detail: `cost is in ${chunk.currency} but partner "${chunk.partnerId}" is billed in ${String(partner.item.currency)}`,
          };
    for (const event of pending) fates.set(event.eventId, { kind: 'rejected', rejection });
    return [];
  }
  const stillPending: UsageEvent[] = [];
  pending.forEach((event, index) => {
    const reason = reasons[FIRST_EVENT_ITEM + index];
    if (!isConditionFailure(reason)) {
      stillPending.push(event);
      return;
    }
    const stored = reason?.item;
    fates.set(
      event.eventId,
      stored?.digest === usageDigest(event)
        ? { kind: 'duplicate' }
        : {
            kind: 'rejected',
            rejection: {
              reason: 'conflicting-repeat',
              detail: `event "${event.eventId}" was already debited with other content (partner ${String(stored?.partnerId)}, cost ${formatAmount(micros(Number(stored?.amount ?? 0)))} ${String(stored?.currency)})`,
            },
          },
    );
  });
  if (stillPending.length === pending.length) {
    throw new Error(`usage chunk was cancelled without a refused item: ${reasons.map((reason) => reason.code).join(', ')}`);
  }
  return stillPending;
}
