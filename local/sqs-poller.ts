/**
 * Does what Lambda's SQS event source does, for one batch: receives up to `batchSize`
 * messages, invokes the handler with an SQS-shaped event, and deletes the messages the
 * handler did not report as failed. A thrown handler deletes nothing. Messages left on
 * the queue come back after the visibility timeout, and the queue's redrive policy moves
 * them to the dead-letter queue after `maxReceiveCount` receives, as in AWS.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface PollOptions {
  readonly batchSize: number;
  readonly context: Context;
  /** Long-poll wait of each receive; 0 returns at once when the queue looks empty. */
  readonly waitTimeSeconds?: number;
}

export interface PollResult {
  readonly received: number;
  readonly deleted: number;
  readonly failed: number;
  /** The messages the handler reported as failed, or all of them when it threw. */
  readonly failedMessageIds: readonly string[];
  /** Set when the handler threw: the whole batch stays on the queue. */
  readonly error?: unknown;
}

/** ReceiveMessage returns at most 10 messages per call. */
const MESSAGES_PER_RECEIVE = 10;

export async function pollBatch(
  client: SQSClient,
  queueUrl: string,
  handler: SqsHandler,
  options: PollOptions,
): Promise<PollResult> {
  const messages = await receiveUpTo(client, queueUrl, options.batchSize, options.waitTimeSeconds ?? 0);
  if (messages.length === 0) return { received: 0, deleted: 0, failed: 0, failedMessageIds: [] };
  const queueArn = await arnOf(client, queueUrl);
  const event: SQSEvent = { Records: messages.map((message) => toRecord(message, queueArn)) };
  let failedIds: Set<string>;
  try {
    const response = await handler(event, options.context);
    failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  } catch (error) {
    return {
      received: messages.length,
      deleted: 0,
      failed: messages.length,
      failedMessageIds: messages.map((message) => message.MessageId ?? ''),
      error,
    };
  }
  const done = messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
  await deleteMessages(client, queueUrl, done);
  const failedMessageIds = messages
    .filter((message) => failedIds.has(message.MessageId ?? ''))
    .map((message) => message.MessageId ?? '');
  return { received: messages.length, deleted: done.length, failed: failedMessageIds.length, failedMessageIds };
}

async function receiveUpTo(
  client: SQSClient,
  queueUrl: string,
  batchSize: number,
  waitTimeSeconds: number,
): Promise<Message[]> {
  const messages: Message[] = [];
  while (messages.length < batchSize) {
    const { Messages: received = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(MESSAGES_PER_RECEIVE, batchSize - messages.length),
        WaitTimeSeconds: messages.length === 0 ? waitTimeSeconds : 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (received.length === 0) break;
    messages.push(...received);
  }
  return messages;
}

const arns = new Map<string, string>();

async function arnOf(client: SQSClient, queueUrl: string): Promise<string> {
  const known = arns.get(queueUrl);
  if (known !== undefined) return known;
  const { Attributes: attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = attributes.QueueArn ?? queueUrl;
  arns.set(queueUrl, arn);
  return arn;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const system = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}

function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    converted[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return converted;
}

async function deleteMessages(client: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += MESSAGES_PER_RECEIVE) {
    const slice = messages.slice(start, start + MESSAGES_PER_RECEIVE);
    const { Failed: failed = [] } = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: slice.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })),
      }),
    );
    if (failed.length > 0) {
      throw new Error(
        `could not delete ${failed.length} handled messages: ${failed.map((entry) => entry.Message).join('; ')}`,
      );
    }
  }
}
