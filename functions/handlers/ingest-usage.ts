/**
 * Lambda handler for the usage queue (docs/contract.md §4). Parses each record, debits the
 * batch through the ingestion use case, then settles every record through Powertools'
 * batch processor: refused records go to the dead-letter queue with their reason and are
 * acknowledged; transient failures become batch item failures for SQS to retry.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetters, EventPublisher } from '../domain/ports';
import {
  type IngestUsageDependencies,
  type ReceivedUsage,
  type RecordOutcome,
  ingestUsage,
} from '../domain/usage/ingest-usage';
import type { Rejection } from '../domain/usage/usage-event';
import { logger, metrics, tracer } from '../observability';
import { type PartnerFailureReporter, reportPartnerFailures } from './partner-failures';
import { type UsageParseResult, parseUsageBody } from '../schemas/usage-event-schema';

export interface IngestUsageHandlerDependencies extends IngestUsageDependencies {
  readonly deadLetters: DeadLetters;
  readonly events: EventPublisher;
}

export function createIngestUsageHandler(
  deps: IngestUsageHandlerDependencies,
  report: PartnerFailureReporter = reportPartnerFailures,
) {
  const processor = new BatchProcessor(EventType.SQS);

  const refuse = async (record: SQSRecord, rejection: Rejection, known: { partnerId?: string; eventId?: string }) => {
    const rejectedAt = deps.clock.now();
    const ids = {
      ...(known.partnerId !== undefined && { partnerId: known.partnerId }),
      ...(known.eventId !== undefined && { eventId: known.eventId }),
    };
    logger.warn('usage rejected', {
      ...ids,
      messageId: record.messageId,
      reason: rejection.reason,
      detail: rejection.detail,
    });
    metrics.singleMetric().addDimension('reason', rejection.reason).addMetric('UsageRejected', MetricUnit.Count, 1);
    // Put before the message is dead-lettered: a crash in between brings the message back
    // and it is refused again, under the same id (the SQS message id), so nothing is lost.
    const id = `usage-rejected:${record.messageId}`;
    await deps.events.publish([{ type: 'UsageRejected', time: rejectedAt, detail: { id, ...ids, ...rejection } }]);
    await deps.deadLetters.send({ messageId: record.messageId, body: record.body, rejection, rejectedAt, ...ids });
  };

  const ingest = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const started = performance.now();
    const parsed = new Map<string, UsageParseResult>(
      event.Records.map((record) => [record.messageId, parseUsageBody(record.body)]),
    );
    const valid: ReceivedUsage[] = [];
    for (const [recordId, result] of parsed) if (result.ok) valid.push({ recordId, event: result.event });

    const { outcomes, debited, followUpFailure } = await ingestUsage(valid, deps);
    if (followUpFailure !== undefined) {
      // The debits stand; the daily run makes up for a missed overdue clock or charge.
      const { partnerIds, error } = followUpFailure;
      report(
        'ingestion',
        partnerIds.map((partnerId) => ({ partnerId, step: 'balance-follow-up', error })),
      );
    }

    const settlements = new Map<string, Settlement>();
    for (const [messageId, result] of parsed) {
      settlements.set(
        messageId,
        result.ok ? settlementOf(outcomes.get(messageId), result) : { kind: 'refuse', ...result },
      );
    }
    const settle = async (record: SQSRecord): Promise<void> => {
      const settlement = settlements.get(record.messageId) ?? {
        kind: 'retry',
        error: new Error('record was not processed'),
      };
      if (settlement.kind === 'refuse') return refuse(record, settlement.rejection, settlement);
      if (settlement.kind === 'retry') {
        logger.error('usage record will be retried', { messageId: record.messageId, error: settlement.error });
        throw settlement.error;
      }
    };
    const response = await processPartialResponse(event, settle, processor, {
      context,
      throwOnFullBatchFailure: false,
    });

    const counts = countOutcomes(outcomes.values());
    metrics.addMetric('UsageIngested', MetricUnit.Count, counts.debited);
    metrics.addMetric('UsageDuplicates', MetricUnit.Count, counts.duplicate);
    metrics.addMetric('UsageRetried', MetricUnit.Count, response.batchItemFailures.length);
    for (const [currency, amount] of debited) {
      metrics
        .singleMetric()
        .addDimension('currency', currency)
        .addMetric('AmountDebited', MetricUnit.NoUnit, amount / 1_000_000);
    }
    metrics.addMetric('IngestionBatchLatency', MetricUnit.Milliseconds, performance.now() - started);
    return response;
  };

  return middy(ingest).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}

type Settlement =
  | { readonly kind: 'acknowledge' }
  | { readonly kind: 'refuse'; readonly rejection: Rejection; readonly partnerId?: string; readonly eventId?: string }
  | { readonly kind: 'retry'; readonly error: Error };

function settlementOf(
  outcome: RecordOutcome | undefined,
  parsed: { event: { partnerId: string; eventId: string } },
): Settlement {
  if (outcome === undefined) return { kind: 'retry', error: new Error('record was not processed') };
  if (outcome.kind === 'rejected') {
    return {
      kind: 'refuse',
      rejection: outcome.rejection,
      partnerId: parsed.event.partnerId,
      eventId: parsed.event.eventId,
    };
  }
  return outcome.kind === 'retry' ? outcome : { kind: 'acknowledge' };
}

function countOutcomes(outcomes: Iterable<RecordOutcome>) {
  const counts = { debited: 0, duplicate: 0 };
  for (const outcome of outcomes) {
    if (outcome.kind === 'debited') counts.debited += 1;
    if (outcome.kind === 'duplicate') counts.duplicate += 1;
  }
  return counts;
}
