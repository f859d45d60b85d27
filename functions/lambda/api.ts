/** Lambda entry of the operator API: configuration, clients and the card provider at cold start. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createEventBridgeClient } from '../adapters/events/client';
import { EventBridgePublisher } from '../adapters/events/eventbridge-publisher';
import { paymentProviderFrom } from '../adapters/payments/payment-provider-from-config';
import { systemClock } from '../adapters/system-clock';
import { readApiConfig } from '../config';
import { createApiHandler } from '../handlers/api';
import { wireApi } from '../wiring/api';

const config = readApiConfig();

const ready = paymentProviderFrom(config.payments).then((provider) =>
  createApiHandler(
    wireApi({
      dynamoDb: createDocumentClient({ ...(config.endpoints.dynamoDb !== undefined && { endpoint: config.endpoints.dynamoDb }) }),
      tableName: config.tableName,
      provider,
      events: new EventBridgePublisher(createEventBridgeClient(config.endpoints.eventBridge), config.eventBusName),
      clock: systemClock,
      operatorName: config.operatorName,
    }),
  ),
);

// The secret is fetched once, at cold start; the first invocation waits for it.
export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => (await ready)(event, context);
