/** Lambda entry of the monthly license fee run. */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createEventBridgeClient } from '../adapters/events/client';
import { EventBridgePublisher } from '../adapters/events/eventbridge-publisher';
import { paymentProviderFrom } from '../adapters/payments/payment-provider-from-config';
import { systemClock } from '../adapters/system-clock';
import { readMonthlyRunConfig } from '../config';
import { parseLicenseFeeSchedule } from '../domain/monthly/license-fee';
import { createMonthlyRunHandler } from '../handlers/monthly-run';
import { wireMonthlyRun } from '../wiring/recharge';

const config = readMonthlyRunConfig();
const fees = parseLicenseFeeSchedule(config.licenseFees);

const ready = paymentProviderFrom(config.payments).then((provider) =>
  createMonthlyRunHandler(
    wireMonthlyRun({
      dynamoDb: createDocumentClient({ ...(config.endpoints.dynamoDb !== undefined && { endpoint: config.endpoints.dynamoDb }) }),
      tableName: config.tableName,
      provider,
      events: new EventBridgePublisher(createEventBridgeClient(config.endpoints.eventBridge), config.eventBusName),
      clock: systemClock,
      fees,
    }),
  ),
);

export const handler = async (event: ScheduledEvent, context: Context) => (await ready)(event, context);
