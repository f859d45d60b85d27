/** Builds usage event bodies of docs/contract.md §4 and SQS events carrying them. */
import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';

export interface UsageBody {
  eventId: string;
  partnerId: string;
  channelId: string;
  conversationId: string;
  category: string;
  occurredAt: string;
  cost: { amount: string; currency: string };
}

export function usageBody(overrides: Partial<UsageBody> = {}): UsageBody {
  return {
    eventId: `wamid-${randomUUID()}`,
    partnerId: 'partner-42',
    channelId: '+4915112345678',
    conversationId: `c-${randomUUID()}`,
    category: 'marketing',
    occurredAt: '2026-11-22T10:15:00Z',
    cost: { amount: '0.0625', currency: 'EUR' },
    ...overrides,
  };
}

/** An SQS event as Lambda delivers it, one record per body. */
export function sqsEvent(bodies: readonly string[], queueArn = 'arn:aws:sqs:us-east-1:000000000000:usage'): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1795000000000',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '1795000000000',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}
