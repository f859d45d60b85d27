/**
 * Usage ingestion: the usage queue (and any queues the operator already has) feeding the
 * ingestion Lambda with partial batch responses. Rejected records are sent by the handler
 * to the dead-letter queue with their reason; transient failures are retried by SQS.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsEventSource, type SqsEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BillingFunction } from '../functions/billing-function';
import { WorkQueue } from '../messaging/work-queue';

export interface UsageIngestionProps {
  readonly table: ITableV2;
  readonly bus: IEventBus;
  readonly rechargeQueue: IQueue;
  /**
   * Queues the messaging platform already sends usage to. The function consumes them with
   * the same settings; their redrive policy and encryption stay the operator's (a queue
   * encrypted with a customer managed key also needs kms:Decrypt granted to the function).
   */
  readonly existingUsageQueueArns?: readonly string[];
  /** How far in the future a usage event may be dated before it is refused (`occurred-in-future`). */
  readonly futureMarginSeconds: number;
  readonly removalPolicy?: RemovalPolicy;
}

export class UsageIngestion extends Construct {
  readonly usage: WorkQueue;
  readonly handler: BillingFunction;

  constructor(scope: Construct, id: string, props: UsageIngestionProps) {
    super(scope, id);
    const timeout = Duration.seconds(60);
    this.usage = new WorkQueue(this, 'Usage', {
      consumerTimeout: timeout,
      ...(props.removalPolicy !== undefined && { removalPolicy: props.removalPolicy }),
    });
    this.handler = new BillingFunction(this, 'Ingest', {
      entry: 'ingest-usage',
      description: 'Debits usage events from partner balances',
      timeout,
      memorySize: 1024,
      ...(props.removalPolicy !== undefined && { removalPolicy: props.removalPolicy }),
      environment: {
        TABLE_NAME: props.table.tableName,
        USAGE_DEAD_LETTER_QUEUE_URL: this.usage.deadLetterQueue.queueUrl,
        RECHARGE_QUEUE_URL: props.rechargeQueue.queueUrl,
        EVENT_BUS_NAME: props.bus.eventBusName,
        USAGE_FUTURE_MARGIN_SECONDS: String(props.futureMarginSeconds),
      },
    });
    const fn = this.handler.function;
    this.handler.grantTableReadWrite(props.table);
    this.usage.deadLetterQueue.grantSendMessages(fn);
    props.rechargeQueue.grantSendMessages(fn);
    props.bus.grantPutEventsTo(fn);

    fn.addEventSource(new SqsEventSource(this.usage.queue, USAGE_EVENT_SOURCE));
    (props.existingUsageQueueArns ?? []).forEach((arn, index) => {
      fn.addEventSource(
        new SqsEventSource(Queue.fromQueueArn(this, `ExistingUsageQueue${index}`, arn), USAGE_EVENT_SOURCE),
      );
    });
  }
}

/**
 * Chosen by bench/ingest: batches of 100 aggregate per partner (one balance write per
 * chunk of a partner's events), and a 1 s window fills them under load without adding
 * latency when traffic is light. At most 10 concurrent batches bound the contention on
 * a hot partner's balance item.
 */
export const USAGE_EVENT_SOURCE: SqsEventSourceProps = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  reportBatchItemFailures: true,
  maxConcurrency: 10,
};
