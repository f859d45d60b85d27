/** Builds the Stripe webhook handler's dependencies from clients: shared by Lambda, the local runtime and tests. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbProviderEventLog } from '../adapters/dynamodb/provider-event-log';
import { SqsRechargeRequests } from '../adapters/sqs/sqs-recharge-requests';
import type { ProviderEventReader } from '../domain/recharge/provider-events';
import type { StripeWebhookDependencies } from '../handlers/stripe-webhook';
import { wireMoneyBack } from './money-back';
import { undecorated } from './port-decorator';
import type { RechargeWiring } from './recharge';

export interface StripeWebhookWiring extends RechargeWiring {
  /** Checks each delivery's signature with the endpoint's secret. */
  readonly reader: ProviderEventReader;
  readonly sqs: SQSClient;
  /** A saved card retries an outstanding charge through the recharge queue, not inside the webhook's answer; a chargeback or refund below the threshold asks there too. */
  readonly rechargeQueueUrl: string;
}

export function wireStripeWebhook(wiring: StripeWebhookWiring): StripeWebhookDependencies {
  const decorate = wiring.decorate ?? undecorated;
  return {
    reader: decorate('reader', wiring.reader),
    apply: {
      ...wireMoneyBack(wiring, decorate('recharges', new SqsRechargeRequests(wiring.sqs, wiring.rechargeQueueUrl))),
      events: decorate('providerEvents', new DynamoDbProviderEventLog(wiring.dynamoDb, wiring.tableName)),
    },
  };
}
