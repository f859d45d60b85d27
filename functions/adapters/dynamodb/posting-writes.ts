/**
 * The writes every posting makes, shared by each transaction that moves a balance: the
 * ledger entry and its idempotency guard. The guard is a copy of the entry under a key
 * derived from the entry id alone, so a repeat of the posting fails its condition.
 */
import { LedgerEntry } from '../../domain/ledger';
import { Currency, Micros } from '../../domain/money';
import { entryToItem } from './items';
import { attentionShard, partnerKey, postingGuardKey } from './keys';

/**
 * Adds `amount` to the live balance of an existing partner billed in `currency`, counts
 * the posting in `version`, and puts the partner in the daily run's attention index
 * (if_not_exists: a partner already there costs no index write).
 */
export function moveBalance(tableName: string, partnerId: string, amount: Micros, currency: Currency) {
  return {
    Update: {
      TableName: tableName,
      Key: partnerKey(partnerId),
      UpdateExpression:
        'ADD liveBalance :amount, version :one SET attentionPk = if_not_exists(attentionPk, :shard), attentionSk = if_not_exists(attentionSk, :partnerId)',
      ConditionExpression: 'attribute_exists(pk) AND currency = :currency',
      ExpressionAttributeValues: {
        ':amount': amount,
        ':one': 1,
        ':shard': attentionShard(partnerId),
        ':partnerId': partnerId,
        ':currency': currency,
      } as Record<string, unknown>,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
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
