/**
 * Plain BatchWriteItem (25 items per call) with a fixed number of calls in flight,
 * resending unprocessed items. The benchmark's floor writes as many items as a scenario
 * has events, of the same size as the usage dedupe records, into the same table: no
 * conditions, no transactions, no balance, the fastest way to get those items into the
 * table, against which ingestion is measured.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem takes at most 25 items per call. */
export const ITEMS_PER_BATCH_WRITE = 25;

export interface BatchWriteResult {
  readonly items: number;
  readonly seconds: number;
  /** Write units DynamoDB (Local) reported with ReturnConsumedCapacity = TOTAL. */
  readonly consumedUnits: number;
  readonly resentItems: number;
}

export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  callsInFlight: number,
): Promise<BatchWriteResult> {
  const calls: Record<string, unknown>[][] = [];
  for (let start = 0; start < items.length; start += ITEMS_PER_BATCH_WRITE)
    calls.push(items.slice(start, start + ITEMS_PER_BATCH_WRITE));
  let next = 0;
  let consumedUnits = 0;
  let resentItems = 0;
  const worker = async () => {
    while (next < calls.length) {
      let pending = (calls[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** attempt)));
        const response = await client.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: pending }, ReturnConsumedCapacity: 'TOTAL' }),
        );
        consumedUnits += (response.ConsumedCapacity ?? []).reduce(
          (total, used) => total + (used.CapacityUnits ?? 0),
          0,
        );
        pending = (response.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
          request.PutRequest?.Item !== undefined ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
        );
        resentItems += pending.length;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: callsInFlight }, worker));
  return { items: items.length, seconds: (performance.now() - started) / 1000, consumedUnits, resentItems };
}
