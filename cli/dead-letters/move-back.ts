/**
 * Moves chosen dead letters back to the queue they came from, one message at a time:
 * receive, send to the source queue, then delete from the dead-letter queue. The others
 * are made visible again at the end, untouched. A crash between the send and the delete
 * leaves the message in both queues; the consumers take a message twice without harm
 * (usage by its event id, charges by their attempt), as they do SQS's own redeliveries.
 *
 * Only messages sent before the move began are moved: a message moved back may be
 * refused again and come back as a new dead letter while the move goes on, and must not
 * be moved round and round. The move ends when a receive brings nothing from before it
 * began, so dead letters arriving all the time do not keep it going.
 */
import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Progress } from '../progress';
import type { QueueUrls } from '../target';
import { type DeadLetter, deadLetterOf, receiveInput, releaseAll } from './dead-letter';

/** How long a received dead letter stays hidden while it is sent back, or while the others are read past. */
const MOVE_VISIBILITY_SECONDS = 120;

export interface MoveOutcome {
  readonly moved: number;
  /** Dead letters left where they are, because they were not chosen. */
  readonly left: readonly DeadLetter[];
  /** Sends the source queue refused, by message id: those messages stay in the dead-letter queue. */
  readonly failures: readonly string[];
}

export async function moveBack(
  sqs: SQSClient,
  queue: QueueUrls,
  chosen: (letter: DeadLetter) => boolean,
  waitSeconds: number,
  progress: Progress,
): Promise<MoveOutcome> {
  const began = Date.now();
  const old = (letter: DeadLetter) => (letter.sentAt?.getTime() ?? 0) < began;
  const left = new Map<string, DeadLetter>();
  const failures: string[] = [];
  const hidden: string[] = [];
  let moved = 0;
  try {
    for (;;) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand(receiveInput(queue.deadLetterQueueUrl, MOVE_VISIBILITY_SECONDS, waitSeconds)),
      );
      const letters = messages.map(deadLetterOf);
      const moving = letters.filter((letter) => old(letter) && chosen(letter));
      for (const letter of letters.filter((letter) => !moving.includes(letter))) {
        if (old(letter)) left.set(letter.messageId, letter);
        hidden.push(letter.receiptHandle);
      }
      if (!letters.some(old)) break;
      const sends = await Promise.all(
        moving.map((letter) =>
          sqs.send(new SendMessageCommand(resend(queue.queueUrl, letter))).then(
            () => ({ letter, error: undefined }),
            (error: unknown) => ({ letter, error }),
          ),
        ),
      );
      const sent = sends.filter((send) => send.error === undefined).map((send) => send.letter);
      for (const { letter, error } of sends.filter((send) => send.error !== undefined)) {
        failures.push(`${letter.messageId}: ${error instanceof Error ? error.message : String(error)}`);
        hidden.push(letter.receiptHandle);
      }
      await deleteAll(sqs, queue.deadLetterQueueUrl, sent);
      moved += sent.length;
      progress.update(`moved ${moved} dead letters back, left ${left.size}`);
    }
  } finally {
    await releaseAll(sqs, queue.deadLetterQueueUrl, hidden);
    progress.done();
  }
  return { moved, left: [...left.values()], failures };
}

/**
 * The message as it was first sent. A refused message goes back as its body alone: its
 * attributes are the refusal's (dead-letter writer), which the next delivery decides anew.
 * One SQS moved keeps its own attributes.
 */
function resend(queueUrl: string, letter: DeadLetter) {
  const attributes: Record<string, MessageAttributeValue> = {};
  if (letter.rejectionReason === undefined)
    for (const [name, value] of Object.entries(letter.attributes))
      attributes[name] = {
        DataType: value.DataType,
        ...(value.StringValue !== undefined && { StringValue: value.StringValue }),
        ...(value.BinaryValue !== undefined && { BinaryValue: value.BinaryValue }),
      };
  return {
    QueueUrl: queueUrl,
    MessageBody: letter.body,
    ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
  };
}

async function deleteAll(sqs: SQSClient, queueUrl: string, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  const { Failed: failed = [] } = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: letters.map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.receiptHandle })),
    }),
  );
  // Sent back but still here: it would be moved twice by the next redrive. Say so rather than hide it.
  if (failed.length > 0)
    throw new Error(
      `${failed.length} dead letters were sent back but could not be deleted (${failed[0]?.Message ?? failed[0]?.Code}): they are in both queues`,
    );
}
