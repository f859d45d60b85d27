/**
 * Where a usage debit adds its month figures by channel. The partner item, written by
 * every debit anyway, keeps the figures of up to INLINE_CHANNELS channels per month, named
 * in its set `{month}:cs`; the usage of any other channel goes to that channel's month
 * item, one more item in the debit's transaction. A debit that adds a channel to the set
 * is conditioned on the set still having room (or holding it already), so the partner
 * item stays small whatever the number of channels; a debit planned from a set that
 * moved meanwhile is cancelled, and planned again from the set the cancellation returns.
 * Readers add a channel's inline and item figures, so a channel may be in both.
 */
import type { Month } from '../../domain/month';
import { type Tally, NO_TALLY, addTallies } from '../../domain/statements/month-figures';
import type { UsageCategory, UsageEvent } from '../../domain/usage/usage-event';
import { channelMonthKey } from './keys';
import {
  type FigureAdd,
  INLINE_CHANNELS,
  categoryAdds,
  channelAdds,
  inlineChannelsName,
} from './month-figure-attributes';

/** The events of one chunk that go into the next transaction, and where their channels' figures go. */
export interface UsagePiece {
  readonly events: readonly UsageEvent[];
  /** Channels of these events whose figures the partner item keeps (already in its set, or added now). */
  readonly inline: readonly string[];
  /** Of `inline`, those this debit adds to the set. */
  readonly added: readonly string[];
  /** Channels of these events whose figures go to their own month item. */
  readonly overflow: readonly string[];
}

/**
 * The next piece of `pending`: every event that fits in `capacity` transaction items (one
 * per event, and one per channel beyond those the partner item keeps), planned from
 * `known`, the partner's set for the month as last seen (undefined: never seen).
 */
export function planPiece(
  pending: readonly UsageEvent[],
  known: ReadonlySet<string> | undefined,
  capacity: number,
): UsagePiece {
  const seen = known ?? new Set<string>();
  const channels = [...new Set(pending.map((event) => event.channelId))];
  const added = channels.filter((channel) => !seen.has(channel)).slice(0, Math.max(0, INLINE_CHANNELS - seen.size));
  const inlineChannels = new Set([...channels.filter((channel) => seen.has(channel)), ...added]);
  const events: UsageEvent[] = [];
  const overflow = new Set<string>();
  let items = 0;
  for (const event of pending) {
    const opensItem = !inlineChannels.has(event.channelId) && !overflow.has(event.channelId);
    const size = opensItem ? 2 : 1;
    if (items + size > capacity) continue;
    items += size;
    events.push(event);
    if (opensItem) overflow.add(event.channelId);
  }
  const used = new Set(events.map((event) => event.channelId));
  return {
    events,
    inline: [...inlineChannels].filter((channel) => used.has(channel)),
    added: added.filter((channel) => used.has(channel)),
    overflow: [...overflow],
  };
}

function tallies<K>(events: readonly UsageEvent[], keyOf: (event: UsageEvent) => K): Map<K, Tally> {
  const totals = new Map<K, Tally>();
  for (const event of events) {
    const key = keyOf(event);
    totals.set(key, addTallies(totals.get(key) ?? NO_TALLY, { count: 1, amount: event.cost }));
  }
  return totals;
}

/** What the piece adds to the partner item's figures of the month: its categories and inline channels. */
export function partnerFigures(piece: UsagePiece, month: Month): FigureAdd[] {
  const byChannel = tallies(piece.events, (event) => event.channelId);
  return [
    ...[...tallies<UsageCategory>(piece.events, (event) => event.category)].flatMap(([category, tally]) =>
      categoryAdds(month, category, tally),
    ),
    ...piece.inline.flatMap((channel) => channelAdds(month, channel, byChannel.get(channel) ?? NO_TALLY)),
  ];
}

/**
 * The part of the partner update that adds channels to the month's set: the set may take
 * them only while it has room for them all, or holds them already (a concurrent debit
 * added them).
 */
export function inlineChannelUpdate(piece: UsagePiece, month: Month) {
  if (piece.added.length === 0) return {};
  const holdsAll = piece.added.map((_, index) => `contains(#inlineChannels, :addedChannel${index})`).join(' AND ');
  return {
    adds: ['#inlineChannels :addedChannels'],
    condition: `attribute_not_exists(#inlineChannels) OR size(#inlineChannels) <= :inlineRoom OR (${holdsAll})`,
    names: { '#inlineChannels': inlineChannelsName(month) },
    values: {
      ':addedChannels': new Set(piece.added),
      ':inlineRoom': INLINE_CHANNELS - piece.added.length,
      ...Object.fromEntries(piece.added.map((channel, index) => [`:addedChannel${index}`, channel])),
    },
  };
}

/** The updates of the month items of the piece's channels that the partner item does not keep. */
export function overflowUpdates(piece: UsagePiece, tableName: string, partnerId: string, month: Month) {
  const byChannel = tallies(piece.events, (event) => event.channelId);
  return piece.overflow.map((channel) => {
    const tally = byChannel.get(channel) ?? NO_TALLY;
    return {
      Update: {
        TableName: tableName,
        Key: channelMonthKey(partnerId, month, channel),
        UpdateExpression: 'ADD conversations :count, amount :amount SET #type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':count': tally.count, ':amount': tally.amount, ':type': 'channel-month' },
      },
    };
  });
}

/** Partners remembered at most; the oldest is forgotten first. */
const REMEMBERED_PARTNERS = 10_000;

/**
 * The inline channel sets one ledger instance has seen, per partner and month: a set only
 * grows within its month, so what was seen stays true, and a debit planned from it is
 * cancelled only when another instance added channels since.
 */
export class InlineChannelMemory {
  private readonly sets = new Map<string, { readonly month: Month; readonly channels: Set<string> }>();

  recall(partnerId: string, month: Month): ReadonlySet<string> | undefined {
    const known = this.sets.get(partnerId);
    return known?.month === month ? known.channels : undefined;
  }

  /** Channels this instance's debit put in, or found in, the set. */
  note(partnerId: string, month: Month, channels: readonly string[]): void {
    const known = this.recall(partnerId, month);
    this.keep(partnerId, month, new Set([...(known ?? []), ...channels]));
  }

  /** The set as a cancelled debit found it. */
  learn(partnerId: string, month: Month, channels: ReadonlySet<string>): void {
    this.keep(partnerId, month, new Set(channels));
  }

  private keep(partnerId: string, month: Month, channels: Set<string>): void {
    this.sets.delete(partnerId);
    if (this.sets.size >= REMEMBERED_PARTNERS) {
      const oldest = this.sets.keys().next().value;
      if (oldest !== undefined) this.sets.delete(oldest);
    }
    this.sets.set(partnerId, { month, channels });
  }
}
