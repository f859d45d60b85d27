/**
 * Moves every message of a dead-letter queue back to its source queue with SQS's own
 * message move task, and follows it to its end. SQS moves each message to the queue whose
 * redrive policy sent it there, at its own pace, and keeps going if this process stops.
 * It moves everything, so it serves dead-letter queues whose messages are all worth
 * retrying; refused usage is moved message by message instead (move-back.ts).
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperatorError } from '../operator-errors';
import type { Progress } from '../progress';

const POLL_INTERVAL_MS = 2_000;

export async function runMoveTask(sqs: SQSClient, deadLetterQueueUrl: string, progress: Progress): Promise<number> {
  const { Attributes: attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const sourceArn = attributes.QueueArn;
  if (sourceArn === undefined) throw new Error(`SQS answered no ARN for ${deadLetterQueueUrl}`);
  // One task at a time per queue: one already running (another operator's) is followed, not doubled.
  if ((await latestTask(sqs, sourceArn))?.Status !== 'RUNNING')
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
  try {
    for (;;) {
      const task = await latestTask(sqs, sourceArn);
      const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
      switch (task?.Status) {
        case 'COMPLETED':
          return moved;
        case 'FAILED':
          throw new OperatorError(
            `SQS's move stopped after ${moved} messages: ${task.FailureReason ?? 'no reason given'}`,
          );
        case 'CANCELLING':
        case 'CANCELLED':
          throw new OperatorError(`the move was cancelled after ${moved} messages`);
        default:
          progress.update(`SQS moved ${moved} of about ${task?.ApproximateNumberOfMessagesToMove ?? '?'} messages`);
          await sleep(POLL_INTERVAL_MS);
      }
    }
  } finally {
    progress.done();
  }
}

async function latestTask(sqs: SQSClient, sourceArn: string): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const { Results: results = [] } = await sqs.send(
    new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
  );
  return results[0];
}
