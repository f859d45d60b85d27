/** Lambda entry of the usage ingestion: configuration and clients at cold start, then the shared handler. */
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createEventBridgeClient } from '../adapters/events/client';
import { EventBridgePublisher } from '../adapters/events/eventbridge-publisher';
import { createSqsClient } from '../adapters/sqs/client';
import { systemClock } from '../adapters/system-clock';
import { readIngestUsageConfig } from '../config';
import { createIngestUsageHandler } from '../handlers/ingest-usage';
import { wireIngestUsage } from '../wiring/ingest-usage';

const config = readIngestUsageConfig();

export const handler = createIngestUsageHandler(
  wireIngestUsage({
    dynamoDb: createDocumentClient({
      ...(config.endpoints.dynamoDb !== undefined && { endpoint: config.endpoints.dynamoDb }),
    }),
    tableName: config.tableName,
    sqs: createSqsClient(config.endpoints.sqs),
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    rechargeQueueUrl: config.rechargeQueueUrl,
    events: new EventBridgePublisher(createEventBridgeClient(config.endpoints.eventBridge), config.eventBusName),
    clock: systemClock,
    futureMarginMs: config.futureMarginMs,
  }),
);
