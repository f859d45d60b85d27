/**
 * What a statement reads besides the month's figures: the daily snapshots of the month's
 * cut-offs (at most 31 items) and the month's invoices (one per card charge), each a range
 * query on its partition's sort key.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Day, type Snapshot, dayOf } from '../../domain/daily/daily-run-ports';
import { micros } from '../../domain/money';
import { type Month, monthRange } from '../../domain/month';
import type { Invoice } from '../../domain/recharge/charge-attempt';
import type { StatementRecords } from '../../domain/statements/statement-ports';
import { type Item, itemToInvoice } from './items';
import { historyPartition, invoicePartition } from './keys';

const DAY_MS = 24 * 60 * 60 * 1000;

export class DynamoDbStatementRecords implements StatementRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async snapshotsOf(partnerId: string, month: Month): Promise<readonly Snapshot[]> {
    const { start, end } = monthRange(month);
    // Snapshots are keyed by the day of their cut-off: the 2nd's is the 1st's end, the next month's 1st the last day's.
    const items = await this.range(historyPartition(partnerId), dayOf(new Date(start.getTime() + DAY_MS)), dayOf(end));
    return items.map((item) => ({
      day: item.day as Day,
      cutoff: new Date(item.asOf as string),
      balance: micros(item.balance as number),
    }));
  }

  async invoicesOf(partnerId: string, month: Month): Promise<readonly Invoice[]> {
    const { start, end } = monthRange(month);
    // Invoice sort keys are `{issuedAt ISO}#{invoiceId}`: no key equals a bare instant, so the end is exclusive.
    const items = await this.range(invoicePartition(partnerId), start.toISOString(), end.toISOString());
    return items.map(itemToInvoice);
  }

  private async range(pk: string, from: string, to: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items: page = [], LastEvaluatedKey: last } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
          ...(startKey !== undefined && { ExclusiveStartKey: startKey }),
        }),
      );
      items.push(...page);
      startKey = last;
    } while (startKey !== undefined);
    return items;
  }
}
