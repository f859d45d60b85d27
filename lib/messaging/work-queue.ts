/**
 * A work queue and its dead-letter queue: SQS-managed encryption, TLS only, 14 days of
 * dead-letter retention, and a visibility timeout of 6 times the consumer's timeout (the
 * Lambda guidance for SQS event sources, so a message is not redelivered while a batch,
 * including its retries, is still running).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { failureQueue } from './failure-queue';
import { MAX_RECEIVE_COUNT } from './redrive';

export interface WorkQueueProps {
  /** The timeout of the function consuming the queue. */
  readonly consumerTimeout: Duration;
  readonly removalPolicy?: RemovalPolicy;
}

export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.deadLetterQueue = failureQueue(this, 'DeadLetterQueue', removalPolicy);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(6 * props.consumerTimeout.toSeconds()),
      // Shorter than the dead-letter queue's 14 days: a standard queue's message keeps its
      // original enqueue time when it moves, so it must not expire on arrival there.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      removalPolicy,
    });
  }
}
