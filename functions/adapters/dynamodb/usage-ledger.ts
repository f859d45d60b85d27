/**
 * Debits usage in chunks: one transaction writes each event's dedupe record, one ledger
 * entry for the chunk's total and one ADD on the partner's live balance, which also adds
 * the chunk to its month's figures (month-figure-attributes.ts): conversations and cost
 * by category, and by channel for the few channels the partner item keeps per month
 * (usage-channel-plan.ts); the usage of any other channel is added to that channel's
 * month item in the same transaction. When DynamoDB cancels it because some events exist
 * already, the cancellation reasons say exactly which; those are set aside and the rest
 * is applied in one transaction again.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../domain/ledger';
import { MAX_BALANCE, formatAmount, micros, negate, sum } from '../../domain/money';
import { type Month, monthOf } from '../../domain/month';
import type { EventFate, UsageChunk, UsageChunkResult, UsageLedger } from '../../domain/ports';
import { type UsageEvent, usageDigest } from '../../domain/usage/usage-event';
import { usageEventKey } from './keys';
import { inlineChannelsName } from './month-figure-attributes';
import { balanceLimitError, moveBalance, putLedgerEntry } from './posting-writes';
import { type CancellationReason, cancellationReasons, isConditionFailure, retryOnContention } from './transactions';
import {
  InlineChannelMemory,
  type UsagePiece,
  inlineChannelUpdate,
  overflowUpdates,
  partnerFigures,
  planPiece,
} from './usage-channel-plan';

/** DynamoDB allows 100 items per transaction: the partner update, the ledger entry and 98 events. */
export const MAX_EVENTS_PER_CHUNK = 98;

/** Position of the first event in the transaction's items, after the partner update and the entry. */
const FIRST_EVENT_ITEM = 2;

/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * Transactions one call may try: a chunk is cancelled again only when events were refused
 * or the partner's channels moved meanwhile, and both have an end.
 */
const MAX_ROUNDS = 50;

/** A chunk still to debit in this call, and what became of its events so far. */
interface ChunkState {
  readonly chunk: UsageChunk;
  readonly month: Month;
  pending: UsageEvent[];
  readonly fates: Map<string, EventFate>;
  readonly entries: LedgerEntry[];
}

/** A chunk's part in the next transaction. */
interface Part {
  readonly state: ChunkState;
  readonly piece: UsagePiece;
  readonly entry: LedgerEntry;
  readonly items: readonly Record<string, unknown>[];
}

export class DynamoDbUsageLedger implements UsageLedger {
  /** What this instance learnt of partners' inline channels, so that a debit rarely meets a moved set. */
  private readonly channels = new InlineChannelMemory();

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
    const states: ChunkState[] = chunks.map((chunk) => ({
      chunk,
      month: monthOf(chunk.postedAt),
      pending: [...chunk.events],
      fates: new Map(),
      entries: [],
    }));
    for (let round = 0; ; round += 1) {
      const parts = this.nextTransaction(states);
      if (parts.length === 0) break;
      if (round === MAX_ROUNDS) throw new Error(`usage was still not debited after ${MAX_ROUNDS} transactions`);
      await this.debitTogether(parts);
    }
    return states.map(({ fates, entries }) => ({ fates, entries }));
  }

  /**
   * The next parts to debit together: each pending chunk's next piece, in order, while they
   * fit in one transaction. A piece is a whole chunk unless the items of channels the
   * partner item does not keep leave no room for all its events.
   */
  private nextTransaction(states: readonly ChunkState[]): Part[] {
    const parts: Part[] = [];
    let items = 0;
    for (const state of states) {
      if (state.pending.length === 0) continue;
      const known = this.channels.recall(state.chunk.partnerId, state.month);
      const piece = planPiece(state.pending, known, MAX_TRANSACTION_ITEMS - FIRST_EVENT_ITEM);
      const size = FIRST_EVENT_ITEM + piece.events.length + piece.overflow.length;
      if (items + size > MAX_TRANSACTION_ITEMS) break;
      const entry = usageEntry(state.chunk, piece.events);
      parts.push({ state, piece, entry, items: this.items(state, entry, piece) });
      items += size;
    }
    return parts;
  }

  /** One transaction for the parts; refused events are set aside, learnt channels remembered. */
  private async debitTogether(parts: readonly Part[]): Promise<void> {
    try {
      await retryOnContention(() =>
        this.client.send(new TransactWriteCommand({ TransactItems: parts.flatMap((part) => part.items) })),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      let offset = 0;
      let explained = false;
      for (const part of parts) {
        explained = this.setAsideRefused(part, reasons.slice(offset, offset + part.items.length)) || explained;
        offset += part.items.length;
      }
      if (!explained) {
        throw new Error(
          `usage transaction was cancelled without a refused item: ${reasons.map((reason) => reason.code).join(', ')}`,
        );
      }
      return;
    }
    for (const { state, piece, entry } of parts) {
      for (const event of piece.events) state.fates.set(event.eventId, { kind: 'debited' });
      const debited = new Set(piece.events);
      state.pending = state.pending.filter((event) => !debited.has(event));
      state.entries.push(entry);
      this.channels.note(state.chunk.partnerId, state.month, piece.inline);
    }
  }

  private items(state: ChunkState, entry: LedgerEntry, piece: UsagePiece): Record<string, unknown>[] {
    const { chunk, month } = state;
    const processedAt = chunk.postedAt.toISOString();
    return [
      moveBalance(this.tableName, entry, partnerFigures(piece, month), inlineChannelUpdate(piece, month)),
      putLedgerEntry(this.tableName, entry),
      ...piece.events.map((event) => ({
        Put: {
          TableName: this.tableName,
          Item: usageEventItem(event, entry.entryId, processedAt),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      })),
      ...overflowUpdates(piece, this.tableName, chunk.partnerId, month),
    ];
  }

  /**
   * Reads the cancellation reasons of one part: a refused partner update rejects the whole
   * chunk (unknown partner or currency mismatch), meets the balance limit, or found the
   * partner's inline channels other than planned (learnt from the item, planned again);
   * each refused event is a duplicate when its stored digest matches, a conflicting repeat
   * otherwise. True when the reasons explain the cancellation.
   */
  private setAsideRefused(part: Part, reasons: readonly CancellationReason[]): boolean {
    const { state, piece, entry } = part;
    const { chunk } = state;
    const partner = reasons[0];
    const stored = partner?.item;
    const refusedPartner = isConditionFailure(partner);
    if (refusedPartner && (stored === undefined || stored.currency !== chunk.currency)) {
      const rejection =
        stored === undefined
          ? { reason: 'unknown-partner' as const, detail: `partner "${chunk.partnerId}" does not exist` }
          : {
              reason: 'currency-mismatch' as const,
              detail: `cost is in ${chunk.currency} but partner "${chunk.partnerId}" is billed in ${String(stored.currency)}`,
            };
      for (const event of state.pending) state.fates.set(event.eventId, { kind: 'rejected', rejection });
      state.pending = [];
      return true;
    }
    const balance = Number(stored?.liveBalance);
    const limited = refusedPartner && Math.abs(balance + entry.amount) > MAX_BALANCE;
    if (refusedPartner && !limited) {
      // Only the inline channels' condition is left: the set moved since it was planned.
      const set = stored?.[inlineChannelsName(state.month)] as ReadonlySet<string> | undefined;
      this.channels.learn(chunk.partnerId, state.month, set ?? new Set());
    }
    let refused = 0;
    piece.events.forEach((event, index) => {
      const reason = reasons[FIRST_EVENT_ITEM + index];
      if (!isConditionFailure(reason)) return;
      refused += 1;
      const existing = reason?.item;
      state.fates.set(
        event.eventId,
        existing?.digest === usageDigest(event)
          ? { kind: 'duplicate' }
          : {
              kind: 'rejected',
              rejection: {
                reason: 'conflicting-repeat',
                detail: `event "${event.eventId}" was already debited with other content (partner ${String(existing?.partnerId)}, cost ${formatAmount(micros(Number(existing?.amount ?? 0)))} ${String(existing?.currency)})`,
              },
            },
      );
    });
    state.pending = state.pending.filter((event) => !state.fates.has(event.eventId));
    if (limited) state.pending = withinBalanceLimit(state, piece.events, balance);
    return refused > 0 || refusedPartner;
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

/** One ledger entry for a chunk's piece: its id is derived from the event ids it debits. */
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
 * The events that keep the balance within MAX_BALANCE, in order, from the balance the
 * refused transaction met; the others are refused as out of range. A balance that moved
 * meanwhile only makes the next transaction refuse again and this run again.
 */
function withinBalanceLimit(state: ChunkState, planned: readonly UsageEvent[], liveBalance: number): UsageEvent[] {
  const inPiece = new Set(planned);
  const fitting: UsageEvent[] = [];
  let balance = liveBalance;
  for (const event of state.pending) {
    if (!inPiece.has(event) || balance - event.cost >= -MAX_BALANCE) {
      fitting.push(event);
      if (inPiece.has(event)) balance -= event.cost;
      continue;
    }
    state.fates.set(event.eventId, {
      kind: 'rejected',
      rejection: {
        reason: 'amount-out-of-range',
        detail: balanceLimitError(state.chunk.partnerId, balance, negate(event.cost)).message,
      },
    });
  }
  return fitting;
}
