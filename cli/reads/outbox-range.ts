/**
 * The outbox events of a time range, read from the table where each change wrote them
 * (outbox.ts): a partner's from its `#OUTBOX` partition, whose sort keys begin with the
 * event's time; every partner's by a scan of the table for outbox items, since no index
 * lists events by time. The scan reads the whole table (usage records included) in
 * parallel segments: an operator's repair, never a path of the running system.
 */
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { itemToOutboxEvent, outboxPartition } from '../../functions/adapters/dynamodb/outbox';
import type { Item } from '../../functions/adapters/dynamodb/items';
import type { DomainEvent, EventType } from '../../functions/domain/events';
import { OUTBOX_ITEM_TYPE } from '../../definitions/table';

export interface OutboxRange {
  /** Events at or after this time... */
  readonly from: Date;
  /** ...and before this one. */
  readonly to: Date;
  readonly type?: EventType;
  /** One partner's events; every partner's when absent. */
  readonly partnerId?: string;
}

/** Segments of the table scanned at the same time: quicker than one, without taking the table's whole capacity. */
const SCAN_SEGMENTS = 4;

export interface PageRead {
  /** The range's events of the page. */
  readonly events: readonly DomainEvent[];
  /** Items the page read, events or not. */
  readonly itemsRead: number;
}

/** Hands each page of the range's events to `take` as it is read, pages of different segments at the same time. */
export async function readOutboxRange(
  client: DynamoDBDocumentClient,
  tableName: string,
  range: OutboxRange,
  take: (page: PageRead) => Promise<void>,
): Promise<void> {
  const filter = filterOf(range);
  if (range.partnerId !== undefined) {
    const partnerId = range.partnerId;
    await readPages(
      (start) =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            // `sk` is `{time}#{eventId}`: a bare time sorts before every key of that time, so the upper bound is exclusive.
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ...filter.ofQuery(partnerId),
            ...(start !== undefined && { ExclusiveStartKey: start }),
          }),
        ),
      take,
    );
    return;
  }
  await Promise.all(
    Array.from({ length: SCAN_SEGMENTS }, (_, segment) =>
      readPages(
        (start) =>
          client.send(
            new ScanCommand({
              TableName: tableName,
              Segment: segment,
              TotalSegments: SCAN_SEGMENTS,
              ...filter.ofScan,
              ...(start !== undefined && { ExclusiveStartKey: start }),
            }),
          ),
        take,
      ),
    ),
  );
}

type PageAnswer = { Items?: Item[]; ScannedCount?: number; LastEvaluatedKey?: Record<string, unknown> };

async function readPages(
  read: (start: Record<string, unknown> | undefined) => Promise<PageAnswer>,
  take: (page: PageRead) => Promise<void>,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const answer = await read(start);
    const events = (answer.Items ?? []).flatMap((item) => itemToOutboxEvent(item) ?? []);
    await take({ events, itemsRead: answer.ScannedCount ?? 0 });
    start = answer.LastEvaluatedKey;
  } while (start !== undefined);
}

function filterOf(range: OutboxRange) {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const type = range.type === undefined ? {} : { ':eventType': range.type };
  return {
    ofQuery: (partnerId: string) => ({
      ...(range.type !== undefined && { FilterExpression: 'eventType = :eventType' }),
      ExpressionAttributeValues: { ':pk': outboxPartition(partnerId), ':from': from, ':to': to, ...type },
    }),
    ofScan: {
      FilterExpression: `#type = :outbox AND #time >= :from AND #time < :to${range.type === undefined ? '' : ' AND eventType = :eventType'}`,
      ExpressionAttributeNames: { '#type': 'type', '#time': 'time' },
      ExpressionAttributeValues: { ':outbox': OUTBOX_ITEM_TYPE, ':from': from, ':to': to, ...type },
    },
  };
}
