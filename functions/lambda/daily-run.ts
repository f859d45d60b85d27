/** Lambda entries of the daily run: the 00:00 UTC starter and the shard worker share one set of dependencies. */
import type { Context, SQSBatchResponse, SQSEvent, ScheduledEvent } from 'aws-lambda';
import { createDocumentClient } from '../adapters/dynamodb/client';
import { createEventBridgeClient } from '../adapters/events/client';
import { EventBridgePublisher } from '../adapters/events/eventbridge-publisher';
import { paymentProviderFrom } from '../adapters/payments/payment-provider-from-config';
import { createSqsClient } from '../adapters/sqs/client';
import { SqsDailyWorkQueue } from '../adapters/sqs/sqs-daily-work-queue';
import { systemClock } from '../adapters/system-clock';
import { readDailyRunConfig } from '../config';
import { DailyRunStart } from '../domain/daily/daily-run';
import { createDailyRunHandler } from '../handlers/daily-run';
import { createDailyShardHandler } from '../handlers/daily-shard';
import { wireDailyRun } from '../wiring/recharge';

const config = readDailyRunConfig();

const deps = paymentProviderFrom(config.payments).then((provider) =>
  wireDailyRun({
    dynamoDb: createDocumentClient({ ...(config.endpoints.dynamoDb !== undefined && { endpoint: config.endpoints.dynamoDb }) }),
    tableName: config.tableName,
    provider,
    events: new EventBridgePublisher(createEventBridgeClient(config.endpoints.eventBridge), config.eventBusName),
    clock: systemClock,
    work: new SqsDailyWorkQueue(createSqsClient(config.endpoints.sqs), config.dailyWorkQueueUrl),
  }),
);
const starter = deps.then(createDailyRunHandler);
const worker = deps.then((ready) => createDailyShardHandler(ready));

export const startHandler = async (event: ScheduledEvent, context: Context): Promise<DailyRunStart> => (await starter)(event, context);
export const shardHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => (await worker)(event, context);
