/**
 * A credit that also restores the partner's standing: back at >= 0, an overdue or blocked
 * partner becomes active (clock and block cleared); back at or above the threshold, the
 * below-threshold mark is cleared. Whether the credit does either is decided from a read
 * of the partner; the write's condition re-checks both against the balance it meets, so
 * a concurrent posting can only make the caller read and decide again, never leave a
 * wrong status. A closed account is final (docs/contract.md §13): a credit never moves
 * its status, and a closure between the read and the write makes the caller decide again.
 */
import type { LedgerEntry } from '../../domain/ledger';
import type { Micros } from '../../domain/money';
import type { PartnerAccount } from '../../domain/partner';
import { attentionShard, partnerKey } from './keys';
import { addClauses, movementAdds } from './month-figure-attributes';

export interface StandingPlan {
  readonly threshold: Micros;
  /** The account is closed: the credit only moves the balance. */
  readonly closed: boolean;
  readonly restoresStanding: boolean;
  readonly liftsAboveThreshold: boolean;
  readonly wasBlocked: boolean;
}

export function planStanding(before: PartnerAccount, credit: Micros): StandingPlan {
  const after = before.liveBalance + credit;
  const threshold = before.rechargeSettings.threshold;
  const closed = before.status === 'closed';
  return {
    threshold,
    closed,
    restoresStanding: !closed && after >= 0,
    liftsAboveThreshold: !closed && after >= threshold,
    wasBlocked: before.status === 'blocked',
  };
}

export interface CreditExtras {
  /** More conditions on the partner item, e.g. that it holds a given charge attempt. */
  readonly conditions?: readonly string[];
  /** More attributes to set on the partner item, e.g. the month's automatic credits. */
  readonly sets?: readonly string[];
  /** More attributes to remove from the partner item. */
  readonly removes?: readonly string[];
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

/**
 * The partner's update for a credit entry: the balance, the posting count, its month's
 * figures (month-figure-attributes.ts), the attention index and the standing `plan` decided.
 */
export function creditWithStanding(
  tableName: string,
  entry: LedgerEntry,
  plan: StandingPlan,
  extras: CreditExtras = {},
) {
  const { partnerId, amount: credit } = entry;
  const figures = addClauses(movementAdds(entry));
  const sets = [
    'attentionPk = if_not_exists(attentionPk, :shard)',
    'attentionSk = if_not_exists(attentionSk, :partnerId)',
    ...(extras.sets ?? []),
  ];
  const removes = [...(extras.removes ?? [])];
  if (plan.restoresStanding) {
    sets.push('#status = :active');
    removes.push('overdueSince', 'blockedAt');
  }
  if (plan.liftsAboveThreshold) removes.push('belowThresholdSince');
  // A closed account's standing never changes, so its balance needs no pinning.
  const standing = plan.closed
    ? ['#status = :closed']
    : [
        '#status <> :closed',
        'threshold = :threshold',
        plan.restoresStanding ? 'liveBalance >= :restoreFloor' : 'liveBalance < :restoreFloor',
        plan.liftsAboveThreshold ? 'liveBalance >= :thresholdFloor' : 'liveBalance < :thresholdFloor',
      ];
  return {
    Update: {
      TableName: tableName,
      Key: partnerKey(partnerId),
      UpdateExpression: `ADD ${['liveBalance :credit', 'version :one', ...figures.clauses].join(', ')} SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: ['attribute_exists(pk)', ...(extras.conditions ?? []), ...standing].join(' AND '),
      ExpressionAttributeNames: { '#status': 'status', ...figures.names, ...extras.names },
      ExpressionAttributeValues: {
        ':credit': credit,
        ':one': 1,
        ':shard': attentionShard(partnerId),
        ':partnerId': partnerId,
        ':closed': 'closed',
        ...(!plan.closed && {
          ':threshold': plan.threshold,
          ':restoreFloor': -credit,
          ':thresholdFloor': plan.threshold - credit,
        }),
        ...(plan.restoresStanding && { ':active': 'active' }),
        ...figures.values,
        ...extras.values,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}
