/**
 * A message of a dead-letter queue as the operator sees it: its body, and why it is
 * there. Ingestion sends usage it refuses straight to the dead-letter queue with the
 * reason as an attribute; every other dead letter was moved there by SQS after it failed
 * too often, and carries no reason.
 */
import {
  type Message,
  type MessageAttributeValue,
  type ReceiveMessageCommandInput,
  type SQSClient,
  ChangeMessageVisibilityBatchCommand,
} from '@aws-sdk/client-sqs';
import { REJECTION_DETAIL_ATTRIBUTE, REJECTION_REASON_ATTRIBUTE } from '../../functions/adapters/sqs/sqs-dead-letters';

export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Why ingestion refused it; absent for a message that failed too often. */
  readonly rejectionReason?: string;
  readonly rejectionDetail?: string;
  /** When it was first sent (to its queue, or by ingestion to the dead-letter queue). */
  readonly sentAt?: Date;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
}

/** How the dead letters without a rejection reason are named in reports. */
export const RETRIES_EXHAUSTED = 'retries-exhausted';

/** The group a dead letter is listed and redriven by: its rejection reason, or RETRIES_EXHAUSTED. */
export function groupOf(letter: DeadLetter): string {
  return letter.rejectionReason ?? RETRIES_EXHAUSTED;
}

/**
 * One receive of up to 10 messages, hidden from other readers for `visibilitySeconds`,
 * waiting `waitSeconds` for them (Target.receiveWaitSeconds).
 */
export function receiveInput(
  queueUrl: string,
  visibilitySeconds: number,
  waitSeconds: number,
): ReceiveMessageCommandInput {
  return {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: visibilitySeconds,
    WaitTimeSeconds: waitSeconds,
    MessageAttributeNames: ['All'],
    MessageSystemAttributeNames: ['SentTimestamp'],
  };
}

export function deadLetterOf(message: Message): DeadLetter {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined)
    throw new Error('SQS answered a message without its id or receipt handle');
  const attributes = message.MessageAttributes ?? {};
  const sentAt = message.Attributes?.SentTimestamp;
  const reason = attributes[REJECTION_REASON_ATTRIBUTE]?.StringValue;
  const detail = attributes[REJECTION_DETAIL_ATTRIBUTE]?.StringValue;
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    ...(reason !== undefined && { rejectionReason: reason }),
    ...(detail !== undefined && { rejectionDetail: detail }),
    ...(sentAt !== undefined && { sentAt: new Date(Number(sentAt)) }),
    attributes,
  };
}

/** Makes received messages visible again at once, ten at a time, as if nobody had read them. */
export async function releaseAll(sqs: SQSClient, queueUrl: string, receiptHandles: readonly string[]): Promise<void> {
  for (let start = 0; start < receiptHandles.length; start += 10) {
    const entries = receiptHandles
      .slice(start, start + 10)
      .map((handle, index) => ({ Id: String(index), ReceiptHandle: handle, VisibilityTimeout: 0 }));
    const { Failed: failed = [] } = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    // A message that cannot be released comes back by itself when its visibility timeout ends.
    if (failed.length > 0)
      throw new Error(
        `${failed.length} dead letters could not be made visible again (${failed[0]?.Message ?? failed[0]?.Code}); they come back by themselves once their visibility timeout ends`,
      );
  }
}
