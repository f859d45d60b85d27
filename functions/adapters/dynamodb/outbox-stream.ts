/** Reads the event of an outbox item inserted into the table, from a record of the table's stream. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { DomainEvent } from '../../domain/events';
import { itemToOutboxEvent } from './outbox';

export function outboxEventOfStreamRecord(record: DynamoDBRecord): DomainEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image === undefined) return undefined;
  // The stream's attribute values are DynamoDB's wire format, which the Lambda types describe loosely.
  return itemToOutboxEvent(unmarshall(image as Record<string, AttributeValue>));
}
