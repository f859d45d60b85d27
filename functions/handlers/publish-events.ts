/**
 * Lambda handler of the event relay: the table's stream brings new outbox items (the
 * event source mapping filters out everything else), each is put on the bus. A record
 * that fails is reported as a batch item failure, so the stream retries from it; records
 * after it may be delivered again, which is why every event carries its id, `detail.id`.
 */
import { EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { DomainEvent } from '../domain/events';
import type { EventPublisher } from '../domain/ports';
import { logger, metrics, tracer } from '../observability';
import { recordTopUpCredited } from './charge-metrics';
import { LoggedBatchProcessor } from './logged-batch-processor';
import { recordMoneyBackBooked } from './money-back-metrics';

export interface PublishEventsDependencies {
  readonly publisher: EventPublisher;
  /** The event an inserted outbox item carries; undefined for any other record. */
  readonly outboxEventOf: (record: DynamoDBRecord) => DomainEvent | undefined;
}

export function createPublishEventsHandler(deps: PublishEventsDependencies) {
  const processor = new LoggedBatchProcessor(EventType.DynamoDBStreams, { logger });

  const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
    const event = deps.outboxEventOf(record);
    if (event === undefined) return;
    await deps.publisher.publish([event]);
    metrics.addMetric('EventsPublished', MetricUnit.Count, 1);
    recordTopUpCredited(event);
    recordMoneyBackBooked(event);
  };

  const publishEvents = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    metrics.addMetric('OutboxRecords', MetricUnit.Count, event.Records.length);
    return processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
  };

  return middy(publishEvents)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(captureLambdaHandler(tracer));
}
