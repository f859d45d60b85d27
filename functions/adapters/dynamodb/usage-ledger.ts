/**
 * Debits usage in chunks: one transaction writes each event's dedupe record, one ledger
 * entry for the chunk's total and one ADD on the partner's live balance. When DynamoDB
 * cancels it because some events exist already, the cancellation reasons say exactly
 * which; those are set aside and the rest is applied in one transaction again.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../domain/ledger';
import { MAX_BALANCE, formatAmount, micros, negate, sum } from '../../domain/money';
import type { EventFate, UsageChunk, UsageChunkResult, UsageLedger } from '../../domain/ports';
import { type UsageEvent, usageDigest } from '../../domain/usage/usage-event';
import { usageEventKey } from './keys';
import { balanceLimitError, isBalanceLimit, moveBalance, putLedgerEntry } from './posting-writes';
import { type CancellationReason, cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

/** DynamoDB allows 100 items per transaction: the partner update, the ledger entry and 98 events. */
export const MAX_EVENTS_PER_CHUNK = 98;

/** Position of the first event in the transaction's items, after the partner update and the entry. */
const FIRST_EVENT_ITEM = 2;

/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/** A chunk still to debit in this call, and what became of its events so far. */
interface ChunkState {
  readonly chunk: UsageChunk;
  pending: UsageEvent[];
  readonly fates: Map<string, EventFate>;
  entry?: LedgerEntry;
}

export class DynamoDbUsageLedger implements UsageLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Debits the chunks, packing the chunks of several partners into one transaction while
   * they fit in its 100 items: a batch spread over many partners costs a few
   * transactions, not one per partner.
   */
  async debit(chunks: readonly UsageChunk[]): Promise<UsageChunkResult[]> {
    for (const chunk of chunks) {
      if (chunk.events.length > MAX_EVENTS_PER_CHUNK) {
        throw new RangeError(`a usage chunk holds at most ${MAX_EVENTS_PER_CHUNK} events, got ${chunk.events.length}`);
      }
    }
    const states: ChunkState[] = chunks.map((chunk) => ({ chunk, pending: [...chunk.events], fates: new Map() }));
    for (let group = nextTransaction(states); group.length > 0; group = nextTransaction(states)) {
      await this.debitTogether(group);
    }
    return states.map(({ fates, entry }) => ({ fates, ...(entry !== undefined && { entry }) }));
  }

  /** One transaction for the group; refused events are set aside and the rest tried again until it commits. */
  private async debitTogether(group: readonly ChunkState[]): Promise<void> {
    for (;;) {
      const live = group.filter((state) => state.pending.length > 0);
      if (live.length === 0) return;
      const entries = live.map((state) => usageEntry(state.chunk, state.pending));
      try {
        await retryOnContention(() =>
          this.client.send(
            new TransactWriteCommand({
              TransactItems: live.flatMap((state, index) =>
                this.items(state.chunk, entries[index] as LedgerEntry, state.pending),
              ),
            }),
          ),
        );
        live.forEach((state, index) => {
          for (const event of state.pending) state.fates.set(event.eventId, { kind: 'debited' });
          state.entry = entries[index];
          state.pending = [];
        });
        return;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        let offset = 0;
        let refused = 0;
        for (const state of live) {
          const size = FIRST_EVENT_ITEM + state.pending.length;
          const before = state.pending.length;
          state.pending = setAsideRefused(
            state.chunk,
            state.pending,
            reasons.slice(offset, offset + size),
            state.fates,
          );
          refused += before - state.pending.length;
          offset += size;
        }
        if (refused === 0) {
          throw new Error(
            `usage transaction was cancelled without a refused item: ${reasons.map((reason) => reason.code).join(', ')}`,
          );
        }
      }
    }
  }

  private items(chunk: UsageChunk, entry: LedgerEntry, events: readonly UsageEvent[]) {
    const processedAt = chunk.postedAt.toISOString();
    return [
      moveBalance(this.tableName, chunk.partnerId, entry.amount, chunk.currency),
      putLedgerEntry(this.tableName, entry),
      ...events.map((event) => ({
        Put: {
          TableName: this.tableName,
          Item: usageEventItem(event, entry.entryId, processedAt),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      })),
    ];
  }
}

/** The dedupe record of one event: the global proof that its id was debited, and by which entry. */
export function usageEventItem(event: UsageEvent, entryId: string, processedAt: string): Record<string, unknown> {
  return {
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
    entryId,
    processedAt,
  };
}

/** The next chunks to debit together: those still pending, in order, while they fit in one transaction. */
function nextTransaction(states: readonly ChunkState[]): ChunkState[] {
  const group: ChunkState[] = [];
  let items = 0;
  for (const state of states) {
    if (state.pending.length === 0) continue;
    const size = FIRST_EVENT_ITEM + state.pending.length;
    if (items + size > MAX_TRANSACTION_ITEMS) break;
    group.push(state);
    items += size;
  }
  return group;
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
  const limited = isConditionFailure(partner) && isBalanceLimit(partner?.item, chunk.currency);
  if (isConditionFailure(partner) && !limited) {
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
  return limited ? withinBalanceLimit(chunk, stillPending, Number(partner?.item?.liveBalance), fates) : stillPending;
}

/**
 * The events that keep the balance within MAX_BALANCE, in order, from the balance the
 * refused transaction met; the others are refused as out of range. A balance that moved
 * meanwhile only makes the next transaction refuse again and this run again.
 */
function withinBalanceLimit(
  chunk: UsageChunk,
  pending: readonly UsageEvent[],
  liveBalance: number,
  fates: Map<string, EventFate>,
): UsageEvent[] {
  const fitting: UsageEvent[] = [];
  let balance = liveBalance;
  for (const event of pending) {
    if (balance - event.cost >= -MAX_BALANCE) {
      fitting.push(event);
      balance -= event.cost;
      continue;
    }
    fates.set(event.eventId, {
      kind: 'rejected',
      rejection: {
        reason: 'amount-out-of-range',
        detail: balanceLimitError(chunk.partnerId, balance, negate(event.cost)).message,
      },
    });
  }
  return fitting;
}
