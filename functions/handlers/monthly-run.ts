/**
 * Lambda handler for the monthly rule (1st of the month, 00:00 UTC): records the month's
 * run, and those of the months whose run never started, and queues one piece of work per
 * shard for each month not completed. "Now" is the scheduled event's time. A repeated
 * start queues a month still running again, which charges nobody twice.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { type MonthlyRunDependencies, type MonthlyRunStart, startMonthlyRun } from '../domain/monthly/monthly-run';
import { logger, metrics, tracer } from '../observability';

export function createMonthlyRunHandler(deps: MonthlyRunDependencies) {
  const monthlyRun = async (event: ScheduledEvent): Promise<MonthlyRunStart> => {
    const start = await startMonthlyRun(new Date(event.time), deps);
    logger.info('monthly run', { period: start.period, months: start.months });
    const running = start.months.filter((month) => month.state !== 'completed');
    metrics.addMetric('MonthlyRunsStarted', MetricUnit.Count, running.length);
    // Months before this one whose run never started (or never finished) and run now.
    metrics.addMetric(
      'MonthlyRunCatchUpMonths',
      MetricUnit.Count,
      running.filter((month) => month.period !== start.period).length,
    );
    return start;
  };
  return middy(monthlyRun).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
