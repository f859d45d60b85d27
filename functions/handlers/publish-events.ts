/**
 * Lambda handler of the event relay: the table's stream brings new outbox items (the
 * event source mapping filters out everything else), each is put on the bus. A record
 * that fails is reported as a batch item failure, so the stream retries from it; records
 * after it may be delivered again, which is why every event carries its id, `detail.id`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { itemToOutboxEvent } from '../adapters/dynamodb/outbox';
import { EventPublisher } from '../domain/ports';
import { logger, metrics, tracer } from '../observability';

export interface PublishEventsDependencies {
  readonly publisher: EventPublisher;
}

export function createPublishEventsHandler(deps: PublishEventsDependencies) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || image === undefined) return;
    // The stream's attribute values are DynamoDB's wire format, which the Lambda types describe loosely.
    const event = itemToOutboxEvent(unmarshall(image as Record<string, AttributeValue>));
    if (event === undefined) return;
    await deps.publisher.publish([event]);
    metrics.addMetric('EventsPublished', MetricUnit.Count, 1);
  };

  const publishEvents = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    metrics.addMetric('OutboxRecords', MetricUnit.Count, event.Records.length);
    return processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
  };

  return middy(publishEvents).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
