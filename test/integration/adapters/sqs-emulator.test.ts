/**
 * The SQS behaviour the usage pipeline relies on, proven against the run's SQS emulator:
 * redrive to the dead-letter queue, receive counts, visibility and message attributes.
 */
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { createQueuePair } from '../../../local/queue-pair';
import { TEST_QUEUE_OPTIONS, type TestQueues, createTestQueues } from '../../support/usage-queues';

const usageAttributes: Record<string, MessageAttributeValue> = {
  partnerId: { DataType: 'String', StringValue: 'partner-42' },
  units: { DataType: 'Number', StringValue: '1250' },
  signature: { DataType: 'Binary', BinaryValue: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) },
  'trace.id': { DataType: 'String.TraceId', StringValue: 'Root=1-6650b4a1-0123456789abcdef01234567' },
};

describe('Module: SQS emulator', () => {
  let queues: TestQueues;

  // Fresh queues per test: a message one test leaves behind cannot reach the next.
  beforeEach(async () => {
    queues = await createTestQueues();
  });

  afterEach(async () => {
    await queues.drop();
  });

  /** One message or none; real SQS returns message and system attributes only when asked for. */
  async function receiveOne(
    queueUrl: string,
    input: Partial<ReceiveMessageCommandInput> = {},
  ): Promise<Message | undefined> {
    const { Messages } = await queues.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        ...input,
      }),
    );
    expect(Messages?.length ?? 0).toBeLessThanOrEqual(1);
    return Messages?.[0];
  }

  async function messageCounts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes } = await queues.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  it('names a queue by the loopback address it was reached at, a URL that takes messages over plain HTTP', async () => {
    // Prepare
    const endpoint = process.env.SQS_ENDPOINT ?? '';

    // Act: SQS's JSON protocol, as curl or any HTTP client would send it to the URL's own host.
    const response = await fetch(new URL('/', queues.queueUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: JSON.stringify({ QueueUrl: queues.queueUrl, MessageBody: '{"usage":"by-url"}' }),
    });

    // Assess
    expect(new URL(queues.queueUrl).origin).toBe(endpoint);
    expect(response.status).toBe(200);
    expect((await receiveOne(queues.queueUrl))?.Body).toBe('{"usage":"by-url"}');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    // Prepare
    const { MessageId } = await queues.client.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: '{"usage":"poison"}',
        MessageAttributes: usageAttributes,
      }),
    );

    // Act: receive without deleting, and hand the message back at once each time.
    const receiveCounts: string[] = [];
    for (let receive = 1; receive <= TEST_QUEUE_OPTIONS.maxReceiveCount; receive++) {
      const message = await receiveOne(queues.queueUrl);
      expect(message?.MessageId).toBe(MessageId);
      receiveCounts.push(message?.Attributes?.ApproximateReceiveCount ?? 'missing');
      await queues.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queues.queueUrl,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    const afterLimit = await receiveOne(queues.queueUrl);
    const deadLetter = await receiveOne(queues.deadLetterQueueUrl, { WaitTimeSeconds: 1 });

    // Assess
    expect(receiveCounts).toEqual(['1', '2', '3']);
    expect(afterLimit).toBeUndefined();
    expect(deadLetter).toMatchObject({ MessageId, Body: '{"usage":"poison"}', MessageAttributes: usageAttributes });
    expect(await messageCounts(queues.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('reports ApproximateReceiveCount and redelivers a message once its visibility timeout has passed', async () => {
    // Prepare
    const { MessageId } = await queues.client.send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: '{"usage":"slow"}' }),
    );
    const first = await receiveOne(queues.queueUrl);

    // Act
    const whileHidden = await receiveOne(queues.queueUrl);
    const hiddenCounts = await messageCounts(queues.queueUrl);
    await new Promise((resolve) => setTimeout(resolve, TEST_QUEUE_OPTIONS.visibilityTimeoutSeconds * 1000 + 200));
    const second = await receiveOne(queues.queueUrl, { WaitTimeSeconds: 1 });

    // Assess
    expect(first).toMatchObject({ MessageId, Attributes: { ApproximateReceiveCount: '1' } });
    expect(whileHidden).toBeUndefined();
    expect(hiddenCounts).toEqual({ visible: 0, inFlight: 1 });
    expect(second).toMatchObject({ MessageId, Attributes: { ApproximateReceiveCount: '2' } });
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
  });

  it('keeps the message attributes when a consumer sends a message on to the dead-letter queue', async () => {
    // Prepare
    await queues.client.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: '{"usage":"rejected"}',
        MessageAttributes: usageAttributes,
      }),
    );
    const received = await receiveOne(queues.queueUrl);

    // Act
    await queues.client.send(
      new SendMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MessageBody: received?.Body,
        MessageAttributes: received?.MessageAttributes,
      }),
    );
    const forwarded = await receiveOne(queues.deadLetterQueueUrl, { WaitTimeSeconds: 1 });

    // Assess
    expect(received?.MessageAttributes).toEqual(usageAttributes);
    expect(forwarded?.Body).toBe('{"usage":"rejected"}');
    expect(forwarded?.MessageAttributes).toEqual(usageAttributes);
    expect(forwarded?.MD5OfMessageAttributes).toBe(received?.MD5OfMessageAttributes);
    expect(forwarded?.MessageId).not.toBe(received?.MessageId);
  });
});

describe('Function: createQueuePair', () => {
  let queues: TestQueues;

  beforeAll(async () => {
    queues = await createTestQueues();
  });

  afterAll(async () => {
    await queues.drop();
  });

  it('returns the same queues when they are created again', async () => {
    // Prepare
    const nameOf = (queueUrl: string) => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    const names = { queue: nameOf(queues.queueUrl), deadLetterQueue: nameOf(queues.deadLetterQueueUrl) };

    // Act
    const again = await createQueuePair(queues.client, names, TEST_QUEUE_OPTIONS);

    // Assess
    const { client, drop, ...created } = queues;
    expect(again).toEqual(created);
  });

  it('points the usage queue at its dead-letter queue with the given limits', async () => {
    // Act
    const { Attributes } = await queues.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.queueUrl,
        AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
      }),
    );

    // Assess
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: queues.deadLetterQueueArn,
      maxReceiveCount: TEST_QUEUE_OPTIONS.maxReceiveCount,
    });
    expect(Attributes?.VisibilityTimeout).toBe(String(TEST_QUEUE_OPTIONS.visibilityTimeoutSeconds));
  });
});
