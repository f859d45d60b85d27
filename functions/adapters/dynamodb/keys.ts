/**
 * Key layout of the single billing table (docs/data-model.md). Partner ids cannot contain
 * `#` (docs/contract.md §3), so every composite key below is unambiguous.
 */
export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** Shards of the sparse attention index, so no single index partition takes every partner. */
export const ATTENTION_SHARDS = 16;

export const partnerKey = (partnerId: string): ItemKey => ({ pk: `PARTNER#${partnerId}`, sk: 'ACCOUNT' });

/** Guard of one posting: exists iff that entry was posted. */
export const postingGuardKey = (partnerId: string, entryId: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `POSTED#${entryId}`,
});

/** Ledger entries live in their own partition, ordered by the time they were posted. */
export const ledgerPartition = (partnerId: string): string => `PARTNER#${partnerId}#LEDGER`;

export const ledgerEntryKey = (partnerId: string, postedAt: Date, entryId: string): ItemKey => ({
  pk: ledgerPartition(partnerId),
  sk: `${postedAt.toISOString()}#${entryId}`,
});

/** Attempt ids sort by the time they were opened, so the attempts under this prefix list in that order. */
export const ATTEMPT_PREFIX = 'ATTEMPT#';

export const attemptKey = (partnerId: string, attemptId: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `${ATTEMPT_PREFIX}${attemptId}`,
});

/** A dispute of one of the partner's charges, as the books hold it. */
export const disputeKey = (partnerId: string, disputeId: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `DISPUTE#${disputeId}`,
});

/** A refund made at the provider, booked once: one item per refund id. */
export const providerRefundKey = (partnerId: string, refundId: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `PROVIDER-REFUND#${refundId}`,
});

/** An operator's refund of unused balance, one per reference. */
export const operatorRefundKey = (partnerId: string, reference: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `REFUND#${reference}`,
});

/** A partner's top-up, one per reference: it names the attempt that charges it. */
export const topUpKey = (partnerId: string, reference: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `TOPUP#${reference}`,
});

export const invoicePartition = (partnerId: string): string => `PARTNER#${partnerId}#INVOICE`;

export const invoiceKey = (partnerId: string, issuedAt: Date, invoiceId: string): ItemKey => ({
  pk: invoicePartition(partnerId),
  sk: `${issuedAt.toISOString()}#${invoiceId}`,
});

/** A hosted number: one item per number, ever, since a number is registered once. */
export const channelKey = (phoneNumber: string): ItemKey => ({ pk: `CHANNEL#${phoneNumber}`, sk: 'CHANNEL' });

/** Usage events are deduplicated globally by event id: one item per id, ever. */
export const usageEventKey = (eventId: string): ItemKey => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' });

/** A card provider's webhook event, recorded once it was applied: one item per event id, ever. */
export const providerEventKey = (eventId: string): ItemKey => ({ pk: `PROVIDER-EVENT#${eventId}`, sk: 'EVENT' });

/**
 * A partner's shard number (0 to ATTENTION_SHARDS - 1). Every sharded partition uses the
 * same number for a partner, so the worker of shard n sees all of a partner's work.
 */
export function shardOf(partnerId: string): number {
  return fnv1a(partnerId) % ATTENTION_SHARDS;
}

export function attentionShard(partnerId: string): string {
  return `ATTENTION#${fnv1a(partnerId) % ATTENTION_SHARDS}`;
}

/** FNV-1a: a stable, evenly spread hash of the partner id for shard assignment. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The partners with a hosted number, in the partner's shard: the monthly run's list to charge. */
export const licensedPartition = (shard: number): string => `LICENSED#${shard}`;
export const licensedKey = (partnerId: string): ItemKey => ({
  pk: licensedPartition(shardOf(partnerId)),
  sk: partnerId,
});

/** A partner's license fee of one month. */
export const licenseFeeKey = (partnerId: string, period: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `LICENSE#${period}`,
});

/** License fees still due (declined or unanswered), in the partner's shard: the daily run retries them. */
export const licenseDuePartition = (shard: number): string => `LICENSE-DUE#${shard}`;
export const licenseDueKey = (partnerId: string, period: string): ItemKey => ({
  pk: licenseDuePartition(shardOf(partnerId)),
  sk: `${partnerId}#${period}`,
});

/** A partner's reconciliation of one month. */
export const reconciliationKey = (partnerId: string, period: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `RECONCILIATION#${period}`,
});

/** A partner's membership item for one of its numbers, to list them. */
export const channelMembershipKey = (partnerId: string, phoneNumber: string): ItemKey => ({
  pk: `PARTNER#${partnerId}`,
  sk: `CHANNEL#${phoneNumber}`,
});

/** The deployment's key for signing page cursors, drawn once. */
export const CURSOR_KEY_ITEM: ItemKey = { pk: 'CONFIG', sk: 'CURSOR-KEY' };

/** A partner's closed months and the usage of its channels beyond those the partner item keeps. */
export const monthsPartition = (partnerId: string): string => `PARTNER#${partnerId}#MONTHS`;

/** A closed month's figures and closing balance (docs/data-model.md, "Month figures"). */
export const MONTH_PREFIX = 'MONTH#';
export const monthKey = (partnerId: string, month: string): ItemKey => ({
  pk: monthsPartition(partnerId),
  sk: `${MONTH_PREFIX}${month}`,
});

/** The usage of one channel in one month, for a channel whose figures the partner item does not keep. */
export const channelMonthPrefix = (month: string): string => `CHANNEL#${month}#`;
export const channelMonthKey = (partnerId: string, month: string, channelId: string): ItemKey => ({
  pk: monthsPartition(partnerId),
  sk: `${channelMonthPrefix(month)}${channelId}`,
});

/** The months still to close in a shard, `{YYYY-MM}#{partnerId}`: the daily run closes them once they are over. */
export const monthsDuePartition = (shard: number): string => `MONTHS-DUE#${shard}`;
export const monthDueKey = (partnerId: string, month: string): ItemKey => ({
  pk: monthsDuePartition(shardOf(partnerId)),
  sk: `${month}#${partnerId}`,
});

/** A partner's daily balance snapshots, by day. */
export const historyPartition = (partnerId: string): string => `PARTNER#${partnerId}#HISTORY`;
