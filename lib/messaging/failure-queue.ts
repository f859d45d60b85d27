/**
 * A queue where failed work waits for an operator (a dead-letter queue, an on-failure
 * destination): SQS-managed encryption, TLS only, and the longest retention SQS offers,
 * 14 days, so a failure noticed after a long weekend is still there.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export function failureQueue(scope: Construct, id: string, removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
}
