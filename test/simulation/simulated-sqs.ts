/**
 * SQS as the simulator plays it: queues in memory on the simulated clock, a client the
 * production SQS adapters send through unchanged, and deliveries shaped like Lambda's
 * event source (a batch in, batch item failures back, a thrown handler deletes nothing).
 * Which messages a delivery takes, and in which order, is the simulator's choice: that is
 * how reorderings and concurrent pollers are played deterministically.
 */
import {
  type SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Clock } from '../../functions/domain/ports';

export interface SimulatedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sentAt: number;
  receiveCount: number;
  visibleAt: number;
}

export class SimulatedQueue {
  private readonly messages = new Map<string, SimulatedMessage>();
  private sequence = 0;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly visibilityTimeoutMs: number,
  ) {}

  send(body: string, attributes: Readonly<Record<string, string>> = {}): string {
    this.sequence += 1;
    const messageId = `${this.name}-${this.sequence}`;
    const now = this.clock.now().getTime();
    this.messages.set(messageId, { messageId, body, attributes, sentAt: now, receiveCount: 0, visibleAt: now });
    return messageId;
  }

  get depth(): number {
    return this.messages.size;
  }

  all(): SimulatedMessage[] {
    return [...this.messages.values()];
  }

  /** Messages a receive can take now, oldest first. */
  visible(): SimulatedMessage[] {
    const now = this.clock.now().getTime();
    return this.all().filter((message) => message.visibleAt <= now);
  }

  has(messageId: string): boolean {
    return this.messages.has(messageId);
  }

  /** Takes the messages for one delivery: each is hidden for the visibility timeout and counted as received. */
  receive(messages: readonly SimulatedMessage[]): SQSEvent {
    const now = this.clock.now().getTime();
    return {
      Records: messages.map((message) => {
        message.receiveCount += 1;
        message.visibleAt = now + this.visibilityTimeoutMs;
        return toRecord(message, this.name);
      }),
    };
  }

  delete(messageIds: Iterable<string>): void {
    for (const messageId of messageIds) this.messages.delete(messageId);
  }
}

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface Delivery {
  readonly received: number;
  /** Messages left on the queue: batch item failures, or the whole batch when the handler threw. */
  readonly failed: number;
  /** Messages deleted: handled, or refused to the dead-letter queue. */
  readonly deleted: readonly string[];
  /** What the handler threw; the whole batch stays on the queue. */
  readonly thrown?: unknown;
}

/** One invocation of a handler with the given messages, as Lambda's SQS event source makes it. */
export async function deliver(
  queue: SimulatedQueue,
  messages: readonly SimulatedMessage[],
  handler: SqsHandler,
  context: Context,
): Promise<Delivery> {
  const event = queue.receive(messages);
  try {
    const response = await handler(event, context);
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const deleted = messages.map((message) => message.messageId).filter((messageId) => !failed.has(messageId));
    queue.delete(deleted);
    return { received: messages.length, failed: failed.size, deleted };
  } catch (thrown) {
    return { received: messages.length, failed: messages.length, deleted: [], thrown };
  }
}

/** The SQS client the production adapters (recharge requests, daily work, dead letters) send through. */
export class SimulatedSqs {
  private readonly queues = new Map<string, SimulatedQueue>();

  add(queue: SimulatedQueue): string {
    const url = `https://sqs.simulated.local/000000000000/${queue.name}`;
    this.queues.set(url, queue);
    return url;
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof SendMessageCommand) {
      const { QueueUrl: url, MessageBody: body, MessageAttributes: attributes } = command.input;
      return { MessageId: this.queue(url).send(body ?? '', textAttributes(attributes)) };
    }
    if (command instanceof SendMessageBatchCommand) {
      const queue = this.queue(command.input.QueueUrl);
      const successful = (command.input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        MessageId: queue.send(entry.MessageBody ?? '', textAttributes(entry.MessageAttributes)),
      }));
      return { Successful: successful, Failed: [] };
    }
    throw new Error(`the simulated SQS does not answer ${String((command as object).constructor.name)}`);
  }

  /** Typed as the SDK client the adapters take; only `send` of the two commands above is ever called. */
  asClient(): SQSClient {
    return this as unknown as SQSClient;
  }

  private queue(url: string | undefined): SimulatedQueue {
    const queue = url === undefined ? undefined : this.queues.get(url);
    if (queue === undefined) throw new Error(`no simulated queue at ${url}`);
    return queue;
  }
}

function textAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes ?? {}).map(([name, value]) => [name, value.StringValue ?? '']));
}

function toRecord(message: SimulatedMessage, queueName: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}/${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'simulator',
      ApproximateFirstReceiveTimestamp: String(message.sentAt),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, value]) => [
        name,
        { dataType: 'String', stringValue: value, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
    awsRegion: 'us-east-1',
  };
}
