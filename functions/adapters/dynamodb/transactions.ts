/**
 * Reading why DynamoDB cancelled a transaction, and retrying the cancellations that
 * are only contention (another transaction held one of the items).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pRetry from 'p-retry';
import type { Item } from './items';

export interface CancellationReason {
  /** `None` for items that did not cause the cancellation. */
  readonly code: string;
  /** The item as it was, for a failed condition with ReturnValuesOnConditionCheckFailure. */
  readonly item?: Item;
}

/** The per-item reasons of a cancelled transaction, in the order of its items; undefined for other errors. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => ({
    code: reason.Code ?? 'None',
    ...(reason.Item !== undefined && { item: unmarshall(reason.Item) }),
  }));
}

export function isConditionFailure(reason: CancellationReason | undefined): boolean {
  return reason?.code === 'ConditionalCheckFailed';
}

/** Cancelled only because items were locked by concurrent transactions: safe to run again. */
export function isContentionOnly(error: unknown): boolean {
  const reasons = cancellationReasons(error);
  if (reasons === undefined) return false;
  return (
    reasons.some((reason) => reason.code === 'TransactionConflict') &&
    reasons.every((reason) => reason.code === 'TransactionConflict' || reason.code === 'None')
  );
}

/**
 * Runs a transaction, retrying with jittered backoff while it only loses races for its
 * items. Throttling and 5xx are already retried by the SDK client; anything else ends here.
 */
export function retryOnContention<T>(transaction: () => Promise<T>): Promise<T> {
  return pRetry(transaction, {
    retries: 8,
    minTimeout: 10,
    maxTimeout: 400,
    randomize: true,
    onFailedAttempt: (error) => {
      if (!isContentionOnly(error)) throw error;
    },
  });
}
