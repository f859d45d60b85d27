/**
 * Lambda handler for the 00:00 UTC rule: records the day's run and queues one piece of
 * work per shard; on the 1st it also counts the monthly run as due (MonthlyRunMissing). "Now" is the scheduled event's time, so a run is reproducible.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { type DailyRunDependencies, type DailyRunStart, startDailyRun } from '../domain/daily/daily-run';
import { MONTHLY_RUN_DUE_METRIC } from '../../definitions/service';
import { logger, metrics, tracer } from '../observability';

export function createDailyRunHandler(deps: DailyRunDependencies) {
  const dailyRun = async (event: ScheduledEvent): Promise<DailyRunStart> => {
    const start = await startDailyRun(new Date(event.time), deps);
    logger.info('daily run', {
      day: start.day,
      state: start.state,
      cutoffs: start.cutoffs.map((cutoff) => cutoff.toISOString()),
    });
    metrics.addMetric('DailyRunStarted', MetricUnit.Count, start.state === 'already-completed' ? 0 : 1);
    metrics.addMetric('DailyRunCatchUpDays', MetricUnit.Count, start.cutoffs.length);
    // The run of the 1st says a monthly run is due: its alarm then notices one that never starts.
    if (new Date(event.time).getUTCDate() === 1) metrics.addMetric(MONTHLY_RUN_DUE_METRIC, MetricUnit.Count, 1);
    return start;
  };
  return middy(dailyRun).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
