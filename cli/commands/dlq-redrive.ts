/**
 * `dlq redrive <queue> [--reason <r>]`: moves dead letters back to the queue they came
 * from, for their consumer to try again. Without a reason it moves the messages that
 * failed too often; usage that ingestion refused is moved only when asked for by its
 * reason, once its cause is repaired (the partner created, the platform's data fixed),
 * since moving it back unchanged only has it refused again.
 */
import * as z from 'zod';
import { REJECTION_REASONS } from '../../functions/domain/usage/usage-event';
import type { OperatedQueue } from '../../definitions/stack-outputs';
import { type Command, parseOptions } from '../command';
import { type DeadLetter, RETRIES_EXHAUSTED, groupOf } from '../dead-letters/dead-letter';
import { moveBack } from '../dead-letters/move-back';
import { runMoveTask } from '../dead-letters/move-task';
import { queueOperand } from '../queue-operand';
import { textTable } from '../text-table';

/** Ingestion sends the usage it refuses to this queue's dead-letter queue; other dead letters all failed too often. */
const REFUSING_QUEUES: readonly OperatedQueue[] = ['usage'];

const OptionsSchema = z.object({ reason: z.enum(REJECTION_REASONS).optional() });

export const dlqRedrive: Command = {
  words: ['dlq', 'redrive'],
  usage: 'dlq redrive <queue> [--reason <reason>]',
  summary: 'moves dead letters back to their queue: those that failed too often, or the refused usage of one reason',
  operands: ['queue'],
  options: { reason: { type: 'string' } },
  async run(target, input, progress) {
    const queue = queueOperand(input.operands[0]);
    const { reason } = parseOptions(OptionsSchema, input.options);
    const urls = target.queues[queue];
    const moving = reason ?? RETRIES_EXHAUSTED;
    if (reason === undefined && target.moveTasks && !REFUSING_QUEUES.includes(queue)) {
      const moved = await runMoveTask(target.sqs, urls.deadLetterQueueUrl, progress);
      return {
        json: { queue, reason: moving, method: 'message-move-task', moved, left: [], failures: [] },
        text: `SQS moved ${moved} ${queue} dead letters back to their queue (${target.description})`,
      };
    }
    const outcome = await moveBack(
      target.sqs,
      urls,
      (letter) => groupOf(letter) === moving,
      target.receiveWaitSeconds,
      progress,
    );
    const left = countsOf(outcome.left);
    const json = {
      queue,
      reason: moving,
      method: 'one-by-one',
      moved: outcome.moved,
      left,
      failures: outcome.failures,
    };
    const text = [
      `moved ${outcome.moved} ${queue} dead letters (${moving}) back to their queue (${target.description})`,
      ...(left.length === 0
        ? []
        : [
            'left in the dead-letter queue (refused usage goes back only with --reason <reason>, once its cause is repaired):',
            textTable(left.map((group) => [group.reason, String(group.count)])),
          ]),
      ...(outcome.failures.length === 0
        ? []
        : [
            `the queue refused ${outcome.failures.length}, still dead letters:`,
            textTable(outcome.failures.map((f) => [f])),
          ]),
    ].join('\n');
    return { json, text, exitCode: outcome.failures.length === 0 ? 0 : 1 };
  },
};

function countsOf(letters: readonly DeadLetter[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const letter of letters) counts.set(groupOf(letter), (counts.get(groupOf(letter)) ?? 0) + 1);
  return [...counts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}
