/**
 * The writes every posting makes, shared by each transaction that moves a balance: the
 * ledger entry and its idempotency guard. The guard is a copy of the entry under a key
 * derived from the entry id alone, so a repeat of the posting fails its condition.
 */
import type { LedgerEntry } from '../../domain/ledger';
import { AmountOutOfRangeError } from '../../domain/errors';
import { type Currency, MAX_BALANCE, type Micros, formatAmount, micros } from '../../domain/money';
import { entryToItem } from './items';
import { attentionShard, partnerKey, postingGuardKey } from './keys';
import { type FigureAdd, addClauses, movementAdds } from './month-figure-attributes';

/**
 * Adds the entry's amount to the live balance of an existing partner billed in its
 * currency, counts the posting in `version`, adds it to its month's figures (`figures`:
 * the entry's kind, or for usage its categories and channels; month-figure-attributes.ts)
 * and puts the partner in the daily run's attention index (if_not_exists: a partner
 * already there costs no index write). The balance stays within MAX_BALANCE either side
 * of 0, checked where it is written: a refusal with the partner's currency matching and
 * the balance beyond the range is that limit (see `isBalanceLimit`).
 */
export function moveBalance(
  tableName: string,
  entry: LedgerEntry,
  figures: readonly FigureAdd[] = movementAdds(entry),
  extra: { readonly adds?: readonly string[]; readonly condition?: string } & FigureValues = {},
) {
  const { amount, currency, partnerId } = entry;
  const added = addClauses(figures);
  return {
    Update: {
      TableName: tableName,
      Key: partnerKey(partnerId),
      UpdateExpression: `ADD ${['liveBalance :amount', 'version :one', ...added.clauses, ...(extra.adds ?? [])].join(', ')} SET attentionPk = if_not_exists(attentionPk, :shard), attentionSk = if_not_exists(attentionSk, :partnerId)`,
      ConditionExpression: `attribute_exists(pk) AND currency = :currency AND liveBalance BETWEEN :lowest AND :highest${extra.condition === undefined ? '' : ` AND (${extra.condition})`}`,
      ExpressionAttributeNames: { ...added.names, ...extra.names },
      ExpressionAttributeValues: {
        ':amount': amount,
        ':lowest': -MAX_BALANCE - amount,
        ':highest': MAX_BALANCE - amount,
        ':one': 1,
        ':shard': attentionShard(partnerId),
        ':partnerId': partnerId,
        ':currency': currency,
        ...added.values,
        ...extra.values,
      } as Record<string, unknown>,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/** Names and values an update's extra clauses use. */
export interface FigureValues {
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

/**
 * Whether a refused `moveBalance` met the balance limit: the partner exists and is billed
 * in the posting's currency, so only the range condition can have failed (a usage debit
 * adds a condition of its own, see usage-ledger.ts).
 */
export function isBalanceLimit(partner: Record<string, unknown> | undefined, currency: Currency): boolean {
  return partner !== undefined && partner.currency === currency;
}

/** The refusal of a movement that would take a balance beyond MAX_BALANCE. */
export function balanceLimitError(partnerId: string, liveBalance: number, amount: Micros): AmountOutOfRangeError {
  return new AmountOutOfRangeError(
    `partner "${partnerId}" has a balance of ${formatAmount(micros(liveBalance))}; moving it by ${formatAmount(amount)} would leave the range of ${formatAmount(MAX_BALANCE)} either side of 0`,
  );
}

export function putLedgerEntry(tableName: string, entry: LedgerEntry) {
  return {
    Put: {
      TableName: tableName,
      Item: entryToItem(entry),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export function putPostingGuard(tableName: string, entry: LedgerEntry) {
  return {
    Put: {
      TableName: tableName,
      Item: { ...entryToItem(entry), ...postingGuardKey(entry.partnerId, entry.entryId), type: 'posting-guard' },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}
