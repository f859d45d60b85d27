/**
 * Lambda handler for the monthly rule (1st of the month, 00:00 UTC): charges each
 * partner with hosted numbers its license fee, once per month. "Now" is the scheduled
 * event's time. A repeated or resumed run charges nothing twice.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { MonthlyRunDependencies, runMonthlyLicenseFees } from '../domain/monthly/license-fees';
import { logger, metrics, tracer } from '../observability';

export function createMonthlyRunHandler(deps: MonthlyRunDependencies) {
  const monthlyRun = async (event: ScheduledEvent) => {
    const summary = await runMonthlyLicenseFees(new Date(event.time), deps);
    logger.info('monthly run', { period: summary.period, ...summary.counts });
    metrics.addMetric('LicenseFeesCharged', MetricUnit.Count, summary.counts.succeeded);
    metrics.addMetric('LicenseFeesDeclined', MetricUnit.Count, summary.counts.declined);
    metrics.addMetric('LicenseFeesUnknownOutcome', MetricUnit.Count, summary.counts.unknown);
    metrics.addMetric('MonthlyRunCompleted', MetricUnit.Count, 1);
    return { period: summary.period, counts: summary.counts };
  };
  return middy(monthlyRun).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
