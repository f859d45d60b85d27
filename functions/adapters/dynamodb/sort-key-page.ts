/**
 * One page of the items under a sort-key prefix of a partition that pass a filter, newest
 * first, with a cursor signed for that listing (cursor.ts). DynamoDB applies `Limit`
 * before the filter, so a page is read in as many queries as it takes to find one item
 * more than asked (the last page then carries no cursor) or to reach the end.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { cursorKey, signCursor, verifyCursor } from './cursor';
import type { Item } from './items';
import type { Page } from './page-query';

export interface SortKeyListing {
  readonly pk: string;
  readonly prefix: string;
  readonly filter: string;
  readonly names?: Record<string, string>;
  readonly values: Record<string, unknown>;
}

export async function sortKeyPage<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  listing: SortKeyListing,
  page: { limit: number; cursor?: string },
  toRecord: (item: Item) => T,
): Promise<Page<T>> {
  // A cursor of this listing is never taken by another list of the same partition.
  const scope = async () => ({ key: await cursorKey(client, tableName), listing: `${listing.pk}/${listing.prefix}` });
  const position = page.cursor === undefined ? undefined : verifyCursor(await scope(), page.cursor);
  let start: Record<string, unknown> | undefined =
    position === undefined ? undefined : { pk: listing.pk, sk: position };
  const found: Item[] = [];
  do {
    const { Items: items = [], LastEvaluatedKey: last } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: listing.filter,
        ...(listing.names !== undefined && { ExpressionAttributeNames: listing.names }),
        ExpressionAttributeValues: { ...listing.values, ':pk': listing.pk, ':prefix': listing.prefix },
        ScanIndexForward: false,
        Limit: page.limit + 1 - found.length,
        ...(start !== undefined && { ExclusiveStartKey: start }),
      }),
    );
    found.push(...items);
    start = last;
  } while (start !== undefined && found.length <= page.limit);
  const shown = found.slice(0, page.limit);
  const lastShown = shown[shown.length - 1];
  return {
    items: shown.map(toRecord),
    ...(found.length > page.limit &&
      lastShown !== undefined && { nextCursor: signCursor(await scope(), lastShown.sk as string) }),
  };
}
