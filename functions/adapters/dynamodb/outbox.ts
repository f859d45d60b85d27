/**
 * The transactional outbox. An event is an item written in the same transaction as the
 * change it describes, so it exists if and only if the change committed; the event relay
 * reads new outbox items from the table's stream and puts them on the bus. A crash
 * between the commit and the bus can delay an event, never lose it.
 */
import { randomUUID } from 'node:crypto';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { type DomainEvent, EVENT_TYPES, type EventType } from '../../domain/events';
import type { Item } from './items';
import { OUTBOX_ITEM_TYPE } from '../../../definitions/table';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Relayed within seconds; kept a week after for audits and manual replays, then TTL-deleted. */
export const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

/** A partner's events in their own partition, ordered by time, like its ledger. */
export const outboxPartition = (partnerId: string): string => `PARTNER#${partnerId}#OUTBOX`;

/**
 * The Put of one event, for a transaction. The event gets its id here: consumers
 * deduplicate on `detail.id`, since the relay delivers at least once.
 */
export function putOutboxEvent(tableName: string, partnerId: string, event: DomainEvent): TransactItem {
  const eventId = randomUUID();
  return {
    Put: {
      TableName: tableName,
      Item: {
        pk: outboxPartition(partnerId),
        sk: `${event.time.toISOString()}#${eventId}`,
        type: OUTBOX_ITEM_TYPE,
        eventType: event.type,
        time: event.time.toISOString(),
        detail: { ...event.detail, id: eventId },
        expiresAt: Math.floor(event.time.getTime() / 1000) + OUTBOX_RETENTION_SECONDS,
      },
    },
  };
}

export function outboxPuts(tableName: string, partnerId: string, events: readonly DomainEvent[]): TransactItem[] {
  return events.map((event) => putOutboxEvent(tableName, partnerId, event));
}

/** The event an outbox item holds; anything else in the table is not an event. */
export function itemToOutboxEvent(item: Item): DomainEvent | undefined {
  if (item.type !== OUTBOX_ITEM_TYPE) return undefined;
  const eventType = item.eventType as EventType;
  if (!EVENT_TYPES.includes(eventType))
    throw new Error(
      `outbox item ${String(item.pk)} ${String(item.sk)} has unknown event type ${String(item.eventType)}`,
    );
  return { type: eventType, time: new Date(String(item.time)), detail: item.detail as DomainEvent['detail'] };
}
