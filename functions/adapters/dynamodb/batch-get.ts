/**
 * Reads items by key in BatchGetItem requests of 100 keys, asking again, with backoff,
 * for the keys DynamoDB did not get to (throttling, the 16 MB answer limit).
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys';

/** DynamoDB's limit of keys in one BatchGetItem request. */
const KEYS_PER_BATCH_GET = 100;

export interface BatchGetOptions {
  readonly consistentRead?: boolean;
  /** Only these attributes (and the keys) are read. */
  readonly attributes?: readonly string[];
}

export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  options: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const projection = options.attributes === undefined ? undefined : ['pk', 'sk', ...options.attributes];
  for (let start = 0; start < keys.length; start += KEYS_PER_BATCH_GET) {
    let pending: Record<string, unknown>[] = keys.slice(start, start + KEYS_PER_BATCH_GET).map((key) => ({ ...key }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** round)));
      const { Responses: responses = {}, UnprocessedKeys: unprocessed = {} } = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ...(options.consistentRead === true && { ConsistentRead: true }),
              ...(projection !== undefined && {
                ProjectionExpression: projection.map((_, index) => `#a${index}`).join(', '),
                ExpressionAttributeNames: Object.fromEntries(projection.map((name, index) => [`#a${index}`, name])),
              }),
            },
          },
        }),
      );
      items.push(...(responses[tableName] ?? []));
      pending = unprocessed[tableName]?.Keys ?? [];
    }
  }
  return items;
}
