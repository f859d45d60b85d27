/**
 * Reads a dead-letter queue without consuming it. SQS has no peek: each message is
 * received, hidden from other readers while the read goes on, and made visible again as
 * soon as the read is over (also when it fails), so nothing is lost or moved.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Progress } from '../progress';
import { type DeadLetter, deadLetterOf, receiveInput, releaseAll } from './dead-letter';

/** Long enough for a read of thousands of messages never to see the first ones again. */
const PEEK_VISIBILITY_SECONDS = 120;

export interface PeekedQueue {
  /** SQS's approximate count of the messages in the queue, visible or not, before the read. */
  readonly approximateCount: number;
  /** The messages read, at most the limit asked for, each once. */
  readonly letters: readonly DeadLetter[];
}

export async function peekDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  read: { readonly limit: number; readonly waitSeconds: number },
  progress: Progress,
): Promise<PeekedQueue> {
  const approximateCount = await approximateCountOf(sqs, queueUrl);
  const letters = new Map<string, DeadLetter>();
  const receiptHandles: string[] = [];
  try {
    while (letters.size < read.limit) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand(receiveInput(queueUrl, PEEK_VISIBILITY_SECONDS, read.waitSeconds)),
      );
      if (messages.length === 0) break;
      for (const letter of messages.map(deadLetterOf)) {
        receiptHandles.push(letter.receiptHandle);
        if (!letters.has(letter.messageId) && letters.size < read.limit) letters.set(letter.messageId, letter);
      }
      progress.update(`read ${letters.size} of about ${approximateCount} dead letters`);
    }
  } finally {
    await releaseAll(sqs, queueUrl, receiptHandles);
    progress.done();
  }
  return { approximateCount, letters: [...letters.values()] };
}

async function approximateCountOf(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes: attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(attributes.ApproximateNumberOfMessages ?? 0) + Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
