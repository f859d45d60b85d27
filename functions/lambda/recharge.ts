/** Lambda entry of the recharges: configuration, clients and the card provider at cold start. */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createEventBridgeClient } from '../adapters/events/client';
import { EventBridgePublisher } from '../adapters/events/eventbridge-publisher';
import { paymentProviderFrom } from '../adapters/payments/payment-provider-from-config';
import { systemClock } from '../adapters/system-clock';
import { readRechargeConfig } from '../config';
import { createRechargeHandler } from '../handlers/recharge';
import { wireRecharge } from '../wiring/recharge';

const config = readRechargeConfig();
const provider = paymentProviderFrom(config.payments);

const ready = provider.then((payments) =>
  createRechargeHandler(
    wireRecharge({
      dynamoDb: createDocumentClient({ ...(config.endpoints.dynamoDb !== undefined && { endpoint: config.endpoints.dynamoDb }) }),
      tableName: config.tableName,
      provider: payments,
      events: new EventBridgePublisher(createEventBridgeClient(config.endpoints.eventBridge), config.eventBusName),
      clock: systemClock,
    }),
  ),
);

// The secret is fetched once, at cold start; the first invocation waits for it.
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => (await ready)(event, context);
