/**
 * The records Lambda's DynamoDB event source hands a function, built from what the
 * DynamoDB Streams API returns: the same fields, attribute values in their JSON form
 * (binaries as base64), the creation time in epoch seconds, and the stream's ARN.
 */
import type {
  AttributeValue as StreamAttributeValue,
  _Record as StreamApiRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';
import { OUTBOX_ITEM_TYPE } from '../definitions/table';

export function toLambdaRecord(record: StreamApiRecord, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {
    ...(stream.ApproximateCreationDateTime !== undefined && {
      ApproximateCreationDateTime: Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000),
    }),
    ...(stream.Keys !== undefined && { Keys: toLambdaImage(stream.Keys) }),
    ...(stream.NewImage !== undefined && { NewImage: toLambdaImage(stream.NewImage) }),
    ...(stream.OldImage !== undefined && { OldImage: toLambdaImage(stream.OldImage) }),
    ...(stream.SequenceNumber !== undefined && { SequenceNumber: stream.SequenceNumber }),
    ...(stream.SizeBytes !== undefined && { SizeBytes: stream.SizeBytes }),
    ...(stream.StreamViewType !== undefined && { StreamViewType: stream.StreamViewType }),
  };
  return {
    ...(record.eventID !== undefined && { eventID: record.eventID }),
    ...(record.eventName !== undefined && { eventName: record.eventName }),
    ...(record.eventVersion !== undefined && { eventVersion: record.eventVersion }),
    ...(record.eventSource !== undefined && { eventSource: record.eventSource }),
    ...(record.awsRegion !== undefined && { awsRegion: record.awsRegion }),
    dynamodb,
    eventSourceARN: streamArn,
    // Present on deletes by time to live: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }.
    ...(record.userIdentity !== undefined && {
      userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId },
    }),
  };
}

/**
 * The filter of the relay's event source mapping: new outbox items only. Records it
 * drops are never handed to the function, and the stream position moves past them.
 */
export function isOutboxInsert(record: DynamoDBRecord): boolean {
  return record.eventName === 'INSERT' && record.dynamodb?.NewImage?.type?.S === OUTBOX_ITEM_TYPE;
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

function toLambdaValue(value: StreamAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((binary) => Buffer.from(binary).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  throw new Error(`unknown attribute value type in stream record: ${Object.keys(value).join(', ')}`);
}
