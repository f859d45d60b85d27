/**
 * `dlq list <queue>`: what waits in a queue's dead-letter queue, grouped by why (the
 * rejection reason ingestion gives refused usage, or retries exhausted), with the first
 * few messages of each group. It reads without consuming.
 */
import * as z from 'zod';
import { type Command, parseOptions } from '../command';
import { type DeadLetter, RETRIES_EXHAUSTED, groupOf } from '../dead-letters/dead-letter';
import { peekDeadLetters } from '../dead-letters/peek-dead-letters';
import { queueOperand } from '../queue-operand';
import { clip, textTable } from '../text-table';

/** Messages shown of each group: enough to see the pattern, few enough for one screen. */
const SAMPLES_PER_GROUP = 3;

const OptionsSchema = z.object({ limit: z.coerce.number().int().positive().max(100_000).default(1_000) });

export const dlqList: Command = {
  words: ['dlq', 'list'],
  usage: 'dlq list <queue> [--limit <n>]',
  summary: `dead letters of usage, recharge, daily-work or monthly-work, grouped by reason (reads at most --limit, ${1_000} by default, and consumes none)`,
  operands: ['queue'],
  options: { limit: { type: 'string' } },
  async run(target, input, progress) {
    const queue = queueOperand(input.operands[0]);
    const { limit } = parseOptions(OptionsSchema, input.options);
    const urls = target.queues[queue];
    const peeked = await peekDeadLetters(
      target.sqs,
      urls.deadLetterQueueUrl,
      { limit, waitSeconds: target.receiveWaitSeconds },
      progress,
    );
    const groups = groupsOf(peeked.letters).map(([reason, letters]) => ({
      reason,
      count: letters.length,
      redrive: `dlq redrive ${queue}${reason === RETRIES_EXHAUSTED ? '' : ` --reason ${reason}`}`,
      samples: letters.slice(0, SAMPLES_PER_GROUP).map(sampleOf),
    }));
    const json = {
      queue,
      deadLetterQueueUrl: urls.deadLetterQueueUrl,
      approximateCount: peeked.approximateCount,
      read: peeked.letters.length,
      groups,
    };
    const heading = `${queue} dead letters of ${target.description}: ${peeked.letters.length} read, about ${peeked.approximateCount} in the queue`;
    const text = [
      heading,
      ...groups.flatMap((group) => [
        textTable([[group.reason, String(group.count), `moved back by: npx prepaid-billing ${group.redrive}`]]),
        textTable(
          group.samples.map((sample) => [sample.sentAt ?? '', clip(sample.detail ?? '', 60), clip(sample.body, 100)]),
          '    ',
        ),
      ]),
    ].join('\n');
    return { json, text };
  },
};

/** Groups by reason, the largest first. */
function groupsOf(letters: readonly DeadLetter[]): [string, DeadLetter[]][] {
  const groups = new Map<string, DeadLetter[]>();
  for (const letter of letters) groups.set(groupOf(letter), [...(groups.get(groupOf(letter)) ?? []), letter]);
  return [...groups.entries()].sort(([, a], [, b]) => b.length - a.length);
}

function sampleOf(letter: DeadLetter) {
  return {
    messageId: letter.messageId,
    ...(letter.sentAt !== undefined && { sentAt: letter.sentAt.toISOString() }),
    ...(letter.rejectionDetail !== undefined && { detail: letter.rejectionDetail }),
    body: letter.body,
  };
}
