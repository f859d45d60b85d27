/**
 * The function that receives Stripe's webhook deliveries (the public route to it is the
 * operator API's, see OperatorApi). It checks each delivery's signature with the
 * endpoint's signing secret, applies the event to the billing table and hands a charge a
 * newly saved card makes due to the recharge queue.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BillingFunction, type StripeAccess } from '../functions/billing-function';

export interface StripeWebhookProps {
  readonly table: ITableV2;
  readonly stripe: StripeAccess;
  /** Holds the endpoint's signing secret (`whsec_…`) as a plain string. */
  readonly signingSecret: ISecret;
  readonly rechargeQueue: IQueue;
  readonly removalPolicy?: RemovalPolicy;
}

export class StripeWebhook extends Construct {
  readonly handler: BillingFunction;

  constructor(scope: Construct, id: string, props: StripeWebhookProps) {
    super(scope, id);
    this.handler = new BillingFunction(this, 'Handler', {
      entry: 'stripe-webhook',
      description: 'Applies the events of Stripe webhook deliveries signed with the endpoint secret',
      // Stripe waits for the answer and delivers again when it is slow or an error; the
      // function only reads Stripe and writes the table, well within this.
      timeout: Duration.seconds(20),
      memorySize: 1024,
      ...(props.removalPolicy !== undefined && { removalPolicy: props.removalPolicy }),
      environment: {
        TABLE_NAME: props.table.tableName,
        STRIPE_WEBHOOK_SECRET_ID: props.signingSecret.secretArn,
        RECHARGE_QUEUE_URL: props.rechargeQueue.queueUrl,
      },
      stripe: props.stripe,
    });
    this.handler.grantTableReadWrite(props.table);
    props.signingSecret.grantRead(this.handler.function);
    props.rechargeQueue.grantSendMessages(this.handler.function);
  }
}
