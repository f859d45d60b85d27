/** The queue a dead-letter command names, by the names the stack's outputs use. */
import { OPERATED_QUEUES, type OperatedQueue } from '../definitions/stack-outputs';
import { UsageError } from './operator-errors';

export function queueOperand(name: string | undefined): OperatedQueue {
  const queue = OPERATED_QUEUES.find((known) => known === name);
  if (queue === undefined)
    throw new UsageError(
      `${name === undefined ? 'no queue named' : `there is no queue ${name}`}: name one of ${OPERATED_QUEUES.join(', ')}`,
    );
  return queue;
}
