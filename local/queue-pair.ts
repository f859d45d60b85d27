/** Creates a queue with its dead-letter queue (redrive after `maxReceiveCount` receives), for tests and local runs. */
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueuePairNames {
  readonly queue: string;
  readonly deadLetterQueue: string;
}

export interface QueuePairOptions {
  /** Receives without a delete after which SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

export interface QueuePair {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

/** 14 days, the longest SQS keeps a message: time to inspect and redrive what failed. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/**
 * Idempotent: CreateQueue with the name and the attributes of an existing queue answers
 * that queue, so a second call returns the same URLs (different attributes are an error).
 */
export async function createQueuePair(
  client: SQSClient,
  names: QueuePairNames,
  options: QueuePairOptions,
): Promise<QueuePair> {
  const deadLetter = await createQueue(client, names.deadLetterQueue, {
    // A standard queue keeps a moved message's original enqueue time, so the dead-letter
    // queue must keep messages longer than the source queue does.
    MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS),
  });
  const usage = await createQueue(client, names.queue, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: options.maxReceiveCount }),
  });
  return {
    queueUrl: usage.url,
    queueArn: usage.arn,
    deadLetterQueueUrl: deadLetter.url,
    deadLetterQueueArn: deadLetter.arn,
  };
}

async function createQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (url === undefined) throw new Error(`CreateQueue returned no URL for ${name}`);
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes returned no QueueArn for ${url}`);
  return { url, arn };
}
