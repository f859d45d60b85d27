/**
 * Waits until the local queues are empty and nothing is in flight. SQS counts a received
 * message as "not visible" until its consumer deletes it, and a consumer sends what its
 * work triggers (a recharge request, the rest of a daily shard) before it deletes the
 * message that caused it. So once every queue reads zero of everything twice in a row,
 * no work is left anywhere. The events that work committed are then relayed from the
 * table's stream, and the card provider's webhook deliveries are waited for.
 */
import { GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import { CatchUpTimeout, type StreamRelay } from './stream-relay';

const COUNTS: QueueAttributeName[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
];
const PAUSE_MS = 50;

export class DrainTimeout extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly pending: Readonly<Record<string, number>>,
  ) {
    super(
      `work still pending after ${timeoutMs} ms: ${Object.entries(pending)
        .map(([queue, count]) => `${queue}: ${count}`)
        .join(', ')}`,
    );
  }
}

/** `queues` maps a name for messages to a queue URL. */
export async function drainQueues(
  client: SQSClient,
  queues: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<void> {
  await drainQueuesUntil(client, queues, Date.now() + timeoutMs, timeoutMs);
}

/** The card provider's webhook deliveries still to make (local/webhook-deliveries.ts). */
export interface PendingDeliveries {
  readonly pending: number;
  /** Counts every delivery that ended: a change means deliveries happened meanwhile. */
  readonly endedCount: number;
  idle(timeoutMs: number): Promise<boolean>;
}

/**
 * Drains the queues, waits until the relay has handed over every event committed so far,
 * then until the webhook deliveries are made. A delivery can make queue work (a saved
 * card retries a charge) and queue work can make deliveries (each charge is reported),
 * and a handler on the stream could make queue work: so the round is repeated until one
 * in which the relay had nothing to hand over and no delivery was made.
 */
export async function drainQueuesAndRelay(
  client: SQSClient,
  queues: Readonly<Record<string, string>>,
  relay: Pick<StreamRelay, 'catchUp'>,
  deliveries: PendingDeliveries,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deliveriesBefore = deliveries.endedCount;
    await drainQueuesUntil(client, queues, deadline, timeoutMs);
    let relayed: number;
    try {
      relayed = await relay.catchUp(Math.max(0, deadline - Date.now()));
    } catch (error) {
      if (error instanceof CatchUpTimeout)
        throw new DrainTimeout(timeoutMs, { 'event relay (failing records)': error.failingRecords });
      throw error;
    }
    if (!(await deliveries.idle(Math.max(0, deadline - Date.now()))))
      throw new DrainTimeout(timeoutMs, { 'stripe webhook deliveries': deliveries.pending });
    if (relayed === 0 && deliveries.endedCount === deliveriesBefore) return;
    if (Date.now() > deadline)
      throw new DrainTimeout(timeoutMs, {
        'webhook deliveries still making work': deliveries.endedCount - deliveriesBefore,
      });
  }
}

async function drainQueuesUntil(
  client: SQSClient,
  queues: Readonly<Record<string, string>>,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  let quietReads = 0;
  for (;;) {
    const pending = await pendingMessages(client, queues);
    quietReads = Object.values(pending).every((count) => count === 0) ? quietReads + 1 : 0;
    if (quietReads === 2) return;
    if (Date.now() > deadline) throw new DrainTimeout(timeoutMs, pending);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
}

async function pendingMessages(
  client: SQSClient,
  queues: Readonly<Record<string, string>>,
): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(queues).map(async ([name, queueUrl]) => {
      const { Attributes: attributes = {} } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: COUNTS }),
      );
      return [name, COUNTS.reduce((sum, count) => sum + Number(attributes[count] ?? 0), 0)] as const;
    }),
  );
  return Object.fromEntries(entries);
}
