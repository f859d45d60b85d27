/**
 * Lambda handler for the monthly rule (1st of the month, 00:00 UTC): charges each
 * partner with hosted numbers its license fee, once per month. "Now" is the scheduled
 * event's time. A repeated or resumed run charges nothing twice. A partner whose fee
 * failed deterministically is reported and the run completes for the others; a
 * transient failure fails the invocation, and the retried run charges what is left.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { type MonthlyRunDependencies, runMonthlyLicenseFees } from '../domain/monthly/license-fees';
import { logger, metrics, tracer } from '../observability';
import { type PartnerFailureReporter, reportPartnerFailures } from './partner-failures';

export function createMonthlyRunHandler(
  deps: MonthlyRunDependencies,
  report: PartnerFailureReporter = reportPartnerFailures,
) {
  const monthlyRun = async (event: ScheduledEvent) => {
    const summary = await runMonthlyLicenseFees(new Date(event.time), deps);
    logger.info('monthly run', { period: summary.period, ...summary.counts });
    const failures = summary.results.flatMap((result) => (result.outcome === 'failed' ? [result.failure] : []));
    report('monthly', failures, { period: summary.period });
    metrics.addMetric('LicenseFeesCharged', MetricUnit.Count, summary.counts.succeeded);
    metrics.addMetric('LicenseFeesDeclined', MetricUnit.Count, summary.counts.declined);
    metrics.addMetric('LicenseFeesUnknownOutcome', MetricUnit.Count, summary.counts.unknown);
    metrics.addMetric('MonthlyRunCompleted', MetricUnit.Count, 1);
    return { period: summary.period, counts: summary.counts };
  };
  return middy(monthlyRun).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
