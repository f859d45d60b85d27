/**
 * Lambda handler for recharge requests (from ingestion, a payment method update, or a
 * retry). Requests of one batch run one after another, so two for the same partner do
 * not race for its in-flight slot. A charge with no clear answer is reported as a batch
 * item failure: SQS brings the request back and the attempt is resumed with its key; so
 * is a transient failure. A request that fails deterministically (the charge cannot be
 * worked out, the provider refuses the request) is reported and acknowledged: the daily
 * run retries the partner's charge (docs/architecture.md, "Isolation").
 */
import { processPartialResponse } from '@aws-lambda-powertools/batch';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isolate } from '../domain/partner-failure';
import { type RechargeDependencies, rechargePartner } from '../domain/recharge/recharge-partner';
import { logger, metrics, tracer } from '../observability';
import { type RechargeRequestMessage, RechargeRequestSchema } from '../schemas/work-schemas';
import { recordCharge } from './charge-metrics';
import { jsonSqsProcessor } from './logged-batch-processor';
import { type PartnerFailureReporter, reportPartnerFailures } from './partner-failures';

export function createRechargeHandler(
  deps: RechargeDependencies,
  report: PartnerFailureReporter = reportPartnerFailures,
) {
  // A request that cannot be read names no partner to skip: it fails, and ends in the dead-letter queue.
  const processor = jsonSqsProcessor(RechargeRequestSchema);

  const handleRecord = async (record: ParsedRecord<SQSRecord, RechargeRequestMessage>): Promise<void> => {
    const request = record.body;
    const charged = await isolate(request.partnerId, 'recharge', () =>
      rechargePartner(request.partnerId, request.trigger, deps),
    );
    if (!charged.ok) {
      report('recharge', [charged.failure], { trigger: request.trigger, messageId: record.messageId });
      return;
    }
    const result = charged.value;
    logger.info('recharge request handled', {
      partnerId: request.partnerId,
      trigger: request.trigger,
      outcome: result.outcome,
      attemptId: result.attempt?.attemptId,
    });
    recordCharge(result, deps.clock.now());
    if (result.outcome === 'unknown') {
      throw new Error(
        `charge attempt ${result.attempt?.attemptId} of partner ${request.partnerId} has no clear answer yet`,
      );
    }
  };

  const recharge = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // Always one metric per batch: a request that needs no charge, or one declined (a
    // metric of its own), would otherwise flush an empty set with a warning.
    metrics.addMetric('RechargeRequests', MetricUnit.Count, event.Records.length);
    return processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };

  return middy(recharge).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
