/** Recharges: the recharge-request queue feeding the Lambda that charges partners' cards. */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { BillingFunction, type StripeAccess } from '../functions/billing-function';
import { WorkQueue } from '../messaging/work-queue';

export interface RechargesProps {
  readonly table: ITableV2;
  readonly stripe: StripeAccess;
  readonly removalPolicy?: RemovalPolicy;
}

export class Recharges extends Construct {
  readonly requests: WorkQueue;
  readonly handler: BillingFunction;

  constructor(scope: Construct, id: string, props: RechargesProps) {
    super(scope, id);
    // A Stripe charge with its network retries can take about 61 s; 120 s leaves room
    // for the transaction that credits the balance after it.
    const timeout = Duration.seconds(120);
    const removal = props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {};
    this.requests = new WorkQueue(this, 'Requests', { consumerTimeout: timeout, ...removal });
    this.handler = new BillingFunction(this, 'Recharge', {
      entry: 'recharge',
      description: "Charges partners' cards when their balance falls below the threshold",
      timeout,
      memorySize: 512,
      ...removal,
      environment: { TABLE_NAME: props.table.tableName },
      stripe: props.stripe,
    });
    const fn = this.handler.function;
    this.handler.grantTableReadWrite(props.table);
    fn.addEventSource(
      new SqsEventSource(this.requests.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
  }
}
