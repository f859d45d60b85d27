/**
 * Reconciliations on DynamoDB: one record per partner and month under the partner
 * (`PARTNER#{id}` / `RECONCILIATION#{YYYY-MM}`), written once with `attribute_not_exists`,
 * and the month's estimated usage read from the ledger partition with a key condition on
 * the sort key range, never a scan.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ReconciliationRepository } from '../../domain/finance/finance-ports';
import { type Reconciliation, type ReconciliationState, estimatedUsage } from '../../domain/finance/reconciliation';
import type { EntryKind } from '../../domain/ledger';
import { type Currency, type Micros, ZERO, add, micros } from '../../domain/money';
import type { Month, MonthRange } from '../../domain/month';
import { updateIf } from './conditional-update';
import type { Item } from './items';
import { ledgerPartition, reconciliationKey } from './keys';

export class DynamoDbReconciliationRepository implements ReconciliationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async usageWithin(partnerId: string, range: MonthRange): Promise<Micros> {
    // Ledger sort keys are `{postedAt ISO}#{entryId}`. Every key of the range sorts between
    // the start instant and the end instant written alone: an entry posted exactly at the
    // end sorts after it (`...000Z#usage:...` > `...000Z`), and one at the start after the
    // lower bound. BETWEEN is inclusive, but no key equals a bare instant.
    let total = ZERO;
    let start: Record<string, unknown> | undefined;
    do {
      const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          FilterExpression: '#kind = :usage',
          ProjectionExpression: '#kind, amount, postedAt',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':pk': ledgerPartition(partnerId),
            ':from': range.start.toISOString(),
            ':to': range.end.toISOString(),
            ':usage': 'usage',
          },
          ConsistentRead: true,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      // The pure rule decides again what counts: usage, start inclusive, end exclusive.
      const page = items.map((item) => ({
        kind: item.kind as EntryKind,
        amount: micros(item.amount as number),
        postedAt: new Date(item.postedAt as string),
      }));
      total = add(total, estimatedUsage(page, range));
      start = last;
    } while (start !== undefined);
    return total;
  }

  async get(partnerId: string, period: Month): Promise<Reconciliation | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: reconciliationKey(partnerId, period), ConsistentRead: true }),
    );
    return item === undefined ? undefined : itemToReconciliation(item);
  }

  async record(
    reconciliation: Reconciliation,
  ): Promise<{ outcome: 'recorded' } | { outcome: 'exists'; existing: Reconciliation }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: reconciliationToItem(reconciliation),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { outcome: 'recorded' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(reconciliation.partnerId, reconciliation.period);
      if (existing === undefined) throw error;
      return { outcome: 'exists', existing };
    }
  }

  async markBooked(partnerId: string, period: Month, at: Date): Promise<void> {
    await updateIf(this.client, this.tableName, reconciliationKey(partnerId, period), {
      update: 'SET #state = :booked, bookedAt = :at',
      condition: '#state = :recorded',
      names: { '#state': 'state' },
      values: { ':booked': 'booked', ':recorded': 'recorded', ':at': at.toISOString() },
    });
  }
}

function reconciliationToItem(reconciliation: Reconciliation): Item {
  return {
    ...reconciliationKey(reconciliation.partnerId, reconciliation.period),
    type: 'reconciliation',
    partnerId: reconciliation.partnerId,
    period: reconciliation.period,
    currency: reconciliation.currency,
    estimated: reconciliation.estimated,
    actual: reconciliation.actual,
    adjustment: reconciliation.adjustment,
    state: reconciliation.state,
    reconciledAt: reconciliation.reconciledAt.toISOString(),
    ...(reconciliation.entryId !== undefined && { entryId: reconciliation.entryId }),
  };
}

function itemToReconciliation(item: Item): Reconciliation {
  return {
    partnerId: item.partnerId as string,
    period: item.period as Month,
    currency: item.currency as Currency,
    estimated: micros(item.estimated as number),
    actual: micros(item.actual as number),
    adjustment: micros(item.adjustment as number),
    state: item.state as ReconciliationState,
    reconciledAt: new Date(item.reconciledAt as string),
    ...(item.entryId !== undefined && { entryId: item.entryId as string }),
  };
}
