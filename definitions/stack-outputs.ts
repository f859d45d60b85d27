/**
 * The stack's outputs the operator command line (cli/) finds a deployed system by: the
 * stack writes them under these names and the command line reads them, so the two cannot
 * drift apart.
 */

/** The queues an operator redrives: each has a dead-letter queue whose messages came from it. */
export const OPERATED_QUEUES = ['usage', 'recharge', 'daily-work', 'monthly-work'] as const;
export type OperatedQueue = (typeof OPERATED_QUEUES)[number];

export const TABLE_NAME_OUTPUT = 'TableName';
export const EVENT_BUS_NAME_OUTPUT = 'EventBusName';

/** The outputs of a queue and its dead-letter queue, e.g. `DailyWorkQueueUrl` and `DailyWorkDeadLetterQueueUrl`. */
export function queueOutputs(queue: OperatedQueue): { readonly queueUrl: string; readonly deadLetterQueueUrl: string } {
  const stem = queue
    .split('-')
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');
  return { queueUrl: `${stem}QueueUrl`, deadLetterQueueUrl: `${stem}DeadLetterQueueUrl` };
}
