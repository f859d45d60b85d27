/**
 * Sends a refused usage message to the dead-letter queue unchanged, with why it was
 * refused as message attributes, so it is never retried and never lost.
 */
import { type MessageAttributeValue, type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DeadLetters, RefusedMessage } from '../../domain/ports';

/** The attributes saying why a message was refused: operators group and redrive dead letters by the reason. */
export const REJECTION_REASON_ATTRIBUTE = 'rejectionReason';
export const REJECTION_DETAIL_ATTRIBUTE = 'rejectionDetail';

/** SQS caps a message attribute value at the message size; keep details readable and small. */
const MAX_DETAIL_LENGTH = 1_000;

export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: RefusedMessage): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [REJECTION_REASON_ATTRIBUTE]: text(message.rejection.reason),
      [REJECTION_DETAIL_ATTRIBUTE]: text(message.rejection.detail.slice(0, MAX_DETAIL_LENGTH)),
      sourceMessageId: text(message.messageId),
      rejectedAt: text(message.rejectedAt.toISOString()),
    };
    if (message.partnerId !== undefined && message.partnerId !== '') attributes.partnerId = text(message.partnerId);
    if (message.eventId !== undefined && message.eventId !== '') attributes.eventId = text(message.eventId);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        // SQS refuses an empty body; an empty usage message is still kept, as a single space.
        MessageBody: message.body === '' ? ' ' : message.body,
        MessageAttributes: attributes,
      }),
    );
  }
}

/** Characters SQS does not accept in a message; a detail may quote a malformed body. */
const OUTSIDE_SQS_CHARACTERS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value.replace(OUTSIDE_SQS_CHARACTERS, '\uFFFD') };
}
