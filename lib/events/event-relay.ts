/**
 * The event relay: the billing table's stream, filtered to new outbox items, feeding the
 * Lambda that puts each event on the bus. Records that still fail after their retries
 * are not dropped: their stream position goes to the failure queue, which is alarmed.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, type DynamoEventSourceProps, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OUTBOX_ITEM_TYPE } from '../../definitions/table';
import { BillingFunction } from '../functions/billing-function';
import { failureQueue } from '../messaging/failure-queue';

export interface EventRelayProps {
  /** The billing table; its stream must carry new images. */
  readonly table: ITableV2;
  readonly bus: IEventBus;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Only inserted outbox items reach the function. Every other write to the table (usage,
 * balances, ledger) and the TTL deletes of relayed items are dropped by Lambda before
 * any invocation, at no cost to the function.
 */
export const OUTBOX_FILTER = FilterCriteria.filter({
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { NewImage: { type: { S: FilterRule.isEqual(OUTBOX_ITEM_TYPE) } } },
});

export class EventRelay extends Construct {
  readonly handler: BillingFunction;
  /**
   * Where a batch that exhausted its retries or grew too old is recorded: the stream's
   * shard and sequence numbers, not the events themselves. The events are still in the
   * table as outbox items (until their TTL, 7 days) to replay from.
   */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: EventRelayProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.failureQueue = failureQueue(this, 'FailureQueue', removalPolicy);
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the on-failure destination of the event relay's stream event source mapping (not of an SQS queue, so no redrive policy names it); it is alarmed when not empty.",
    });

    this.handler = new BillingFunction(this, 'Relay', {
      entry: 'publish-events',
      description: "Puts the outbox events of the billing table's stream on the event bus",
      // A batch is up to 100 PutEvents calls in parallel, each with 5 SDK attempts and
      // backoff: seconds even when throttled. 30 s bounds a hung call without cutting those.
      timeout: Duration.seconds(30),
      // Network-bound: 512 MB gives enough CPU for 100 TLS calls at once and a quick cold start.
      memorySize: 512,
      removalPolicy,
      environment: { EVENT_BUS_NAME: props.bus.eventBusName },
    });
    const fn = this.handler.function;
    props.bus.grantPutEventsTo(fn);
    // The event source grants reading the table's stream (not its items) and sending to the failure queue.
    fn.addEventSource(
      new DynamoEventSource(props.table, { ...EVENT_RELAY_SOURCE, onFailure: new SqsDlq(this.failureQueue) }),
    );
  }
}

/** How the relay reads the stream, each value with its reason. */
export const EVENT_RELAY_SOURCE: Omit<DynamoEventSourceProps, 'onFailure'> = {
  // From the oldest record the stream still holds: outbox items written before the
  // mapping existed, or while it was disabled, are relayed rather than skipped.
  startingPosition: StartingPosition.TRIM_HORIZON,
  filters: [OUTBOX_FILTER],
  // Events are a few per partner per day, except the midnight burst of daily balances:
  // 100 records per batch drain that burst quickly, and waiting at most 1 s groups it
  // without delaying a lone event by more than that.
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  // The handler reports failed records, so the stream resumes from the first failure
  // instead of re-sending the whole batch; events carry `detail.id` for the
  // duplicates that remain possible after it.
  reportBatchItemFailures: true,
  // A crash or timeout of the whole invocation halves the batch, isolating a record that
  // breaks the function without counting against the retries.
  bisectBatchOnError: true,
  // A record the bus keeps refusing (too large, malformed) holds up every later event of
  // its shard while it is retried: 10 retries, each already retrying PutEvents with
  // backoff, bound that to minutes instead of the stream's 24 hours. A bus outage longer
  // than that ends in the failure queue too, alarmed, to be replayed from the outbox.
  retryAttempts: 10,
  // Well inside the stream's 24 h retention: a backlog the relay cannot work off (its
  // iterator-age alarm fires at 5 minutes) is recorded in the failure queue while the
  // records can still be read, rather than trimmed from the stream unseen.
  maxRecordAge: Duration.hours(6),
  // parallelizationFactor stays at 1 batch per shard: batches of 100 keep up with the
  // rates above, and more would only add PutEvents pressure during the midnight burst.
};
