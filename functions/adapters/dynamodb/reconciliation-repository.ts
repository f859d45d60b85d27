/**
 * Reconciliations on DynamoDB: one record per partner and month under the partner
 * (`PARTNER#{id}` / `RECONCILIATION#{YYYY-MM}`), written once with `attribute_not_exists`.
 * The month's estimated usage comes from its figures (month-books.ts).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReconciliationRepository } from '../../domain/finance/finance-ports';
import type { Reconciliation, ReconciliationState } from '../../domain/finance/reconciliation';
import { type Currency, micros } from '../../domain/money';
import type { Month } from '../../domain/month';
import { updateIf } from './conditional-update';
import type { Item } from './items';
import { reconciliationKey } from './keys';

export class DynamoDbReconciliationRepository implements ReconciliationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
