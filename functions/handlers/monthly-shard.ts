/**
 * Lambda handler for one piece of the monthly run: the licensed partners of one shard,
 * each charged for the months to run. It charges page by page while at least `reserveMs`
 * of its time is left, then queues the rest of the shard for a fresh invocation. The
 * piece that finishes a month records its completion and duration. Partners whose fee
 * failed deterministically were skipped and are reported one by one; a transient failure
 * fails the work item, for SQS to deliver it again.
 */
import { processPartialResponse } from '@aws-lambda-powertools/batch';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { countOutcomes } from '../domain/monthly/license-fees';
import { type MonthlyRunDependencies, runMonthlyPiece } from '../domain/monthly/monthly-run';
import { logger, metrics, tracer } from '../observability';
import { type MonthlyWork, MonthlyWorkSchema } from '../schemas/work-schemas';
import { jsonSqsProcessor } from './logged-batch-processor';
import { type PartnerFailureReporter, reportPartnerFailures } from './partner-failures';

/** Enough for a page of partners charged at once, each with a slow card provider, and the hand-over. */
export const DEFAULT_RESERVE_MS = 90_000;

export function createMonthlyShardHandler(
  deps: MonthlyRunDependencies,
  reserveMs = DEFAULT_RESERVE_MS,
  report: PartnerFailureReporter = reportPartnerFailures,
) {
  const processor = jsonSqsProcessor(MonthlyWorkSchema);

  const monthlyShard = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const handleRecord = async (record: ParsedRecord<SQSRecord, MonthlyWork>): Promise<void> => {
      const work = record.body;
      const progress = await runMonthlyPiece(work, deps, () => context.getRemainingTimeInMillis() > reserveMs);
      const counts = countOutcomes(progress.results);
      logger.info('monthly run piece', {
        periods: work.periods,
        shard: work.shard,
        ...counts,
        ...(progress.continueFrom !== undefined && { continued: true }),
      });
      report(
        'monthly',
        progress.results.flatMap((result) => (result.outcome === 'failed' ? [result.failure] : [])),
        { periods: work.periods, shard: work.shard },
      );
      metrics.addMetric('LicenseFeesCharged', MetricUnit.Count, counts.succeeded);
      metrics.addMetric('LicenseFeesDeclined', MetricUnit.Count, counts.declined + counts['no-chargeable-card']);
      metrics.addMetric('LicenseFeesUnknownOutcome', MetricUnit.Count, counts.unknown);
      for (const month of progress.completed) {
        logger.info('monthly run completed', month);
        metrics.addMetric('MonthlyRunCompleted', MetricUnit.Count, 1);
        metrics.addMetric('MonthlyRunDuration', MetricUnit.Seconds, month.seconds);
      }
    };
    // Always one metric per batch, as in the daily run's shard worker.
    metrics.addMetric('MonthlyWorkItems', MetricUnit.Count, event.Records.length);
    return processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };

  return middy(monthlyShard)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(captureLambdaHandler(tracer));
}
