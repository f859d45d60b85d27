/**
 * How a partner skipped by a run shows up for the operator: one error line per partner
 * (with `partnerId`, the step and the error) and the `PartnerWorkFailed` metric with the
 * run as dimension, which is alarmed (docs/architecture.md, "Isolation").
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PARTNER_WORK_FAILED_METRIC, type PartnerRun } from '../../definitions/service';
import type { PartnerFailure } from '../domain/partner-failure';
import { logger, metrics } from '../observability';

/** Handlers take the reporter as a parameter, so tests can read what was reported. */
export type PartnerFailureReporter = (
  run: PartnerRun,
  failures: readonly PartnerFailure[],
  context?: Readonly<Record<string, unknown>>,
) => void;

export const reportPartnerFailures: PartnerFailureReporter = (run, failures, context = {}) => {
  if (failures.length === 0) return;
  for (const { partnerId, step, error } of failures) {
    logger.error('partner work failed; skipped until the next run', { run, partnerId, step, ...context, error });
  }
  metrics
    .singleMetric()
    .addDimension('run', run)
    .addMetric(PARTNER_WORK_FAILED_METRIC, MetricUnit.Count, failures.length);
};
