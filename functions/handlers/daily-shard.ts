/**
 * Lambda handler for one shard of the daily run. It works page by page while at least
 * `reserveMs` of its time is left, then queues the rest of the shard for a fresh
 * invocation. The shard that finishes the run records its completion and duration, the
 * figures the "daily run missing" alarm watches. Partners whose work failed
 * deterministically were skipped by the shard and are reported one by one; a transient
 * failure fails the work item, for SQS to deliver it again.
 */
import { processPartialResponse } from '@aws-lambda-powertools/batch';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type DailyRunDependencies, runDailyShard } from '../domain/daily/daily-run';
import { logger, metrics, tracer } from '../observability';
import { type DailyWork, DailyWorkSchema } from '../schemas/work-schemas';
import { recordCharge } from './charge-metrics';
import { jsonSqsProcessor } from './logged-batch-processor';
import { type PartnerFailureReporter, reportPartnerFailures } from './partner-failures';

/** Enough for a page of partners with a charge retry each, and the hand-over. */
export const DEFAULT_RESERVE_MS = 90_000;

export function createDailyShardHandler(
  deps: DailyRunDependencies,
  reserveMs = DEFAULT_RESERVE_MS,
  report: PartnerFailureReporter = reportPartnerFailures,
) {
  const processor = jsonSqsProcessor(DailyWorkSchema);

  const dailyShard = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const handleRecord = async (record: ParsedRecord<SQSRecord, DailyWork>): Promise<void> => {
      const work = record.body;
      const progress = await runDailyShard(work, deps, () => context.getRemainingTimeInMillis() > reserveMs);
      const { charges, failures, ...counts } = progress;
      logger.info('daily run shard', { day: work.day, shard: work.shard, ...counts, failed: failures.length });
      report('daily', failures, { day: work.day, shard: work.shard });
      const now = deps.clock.now();
      for (const charge of charges) recordCharge(charge, now);
      metrics.addMetric('DailyPartnersVisited', MetricUnit.Count, progress.visited);
      metrics.addMetric('DailyChargeRetries', MetricUnit.Count, progress.retried);
      metrics.addMetric('PartnersBlocked', MetricUnit.Count, progress.blocked);
      metrics.addMetric('PartnersOverdue', MetricUnit.Count, progress.overdue);
      if (progress.runCompleted) {
        metrics.addMetric('DailyRunCompleted', MetricUnit.Count, 1);
        metrics.addMetric(
          'DailyRunDuration',
          MetricUnit.Seconds,
          (deps.clock.now().getTime() - work.now.getTime()) / 1000,
        );
      }
    };
    // Always one metric per batch: a work item that fails before its figures would
    // otherwise flush an empty set with a warning next to the failure's own error line.
    metrics.addMetric('DailyWorkItems', MetricUnit.Count, event.Records.length);
    return processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };

  return middy(dailyShard).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
