/**
 * One page of a partition, newest first (or in key order), with an opaque cursor signed
 * for that partition (cursor.ts). It reads one item more than asked, so the last page
 * carries no cursor (DynamoDB alone would hand out a cursor to an empty page whenever a
 * page ends exactly at the limit).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { cursorKey, signCursor, verifyCursor } from './cursor';
import type { Item } from './items';

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

export async function partitionPage<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  page: { limit: number; cursor?: string },
  toRecord: (item: Item) => T,
  order: 'newest-first' | 'key-order' = 'newest-first',
): Promise<Page<T>> {
  // The key is only needed where a cursor comes in or goes out.
  const scope = async () => ({ key: await cursorKey(client, tableName), listing: pk });
  const start = page.cursor === undefined ? undefined : verifyCursor(await scope(), page.cursor);
  const { Items: items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: order === 'key-order',
      Limit: page.limit + 1,
      ...(start !== undefined && { ExclusiveStartKey: { pk, sk: start } }),
    }),
  );
  const shown = items.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(toRecord),
    ...(items.length > page.limit &&
      last !== undefined && { nextCursor: signCursor(await scope(), last.sk as string) }),
  };
}
