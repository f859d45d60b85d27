/**
 * The balance a partner was opened with, from its opening entry's posting guard
 * (`PARTNER#{id}` / `POSTED#opening:{id}`), written in the transaction that created the
 * partner: one strongly consistent read.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { entryIdOf } from '../../domain/ledger';
import { type Micros, micros } from '../../domain/money';
import type { OpeningBalances } from '../../domain/partners/open-account';
import { postingGuardKey } from './keys';

export class DynamoDbOpeningBalances implements OpeningBalances {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async openingBalance(partnerId: string): Promise<Micros | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: postingGuardKey(partnerId, entryIdOf('opening', partnerId)),
        ProjectionExpression: 'amount',
        ConsistentRead: true,
      }),
    );
    return item === undefined ? undefined : micros(item.amount as number);
  }
}
