/** Metrics of a charge outcome, shared by every handler that charges cards. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RechargeResult } from '../domain/recharge/recharge-partner';
import { metrics } from '../observability';

export function recordCharge(result: RechargeResult): void {
  const attempt = result.attempt;
  if (attempt === undefined) return;
  if (result.outcome === 'succeeded') {
    metrics.addMetric('ChargesSucceeded', MetricUnit.Count, 1);
    metrics
      .singleMetric()
      .addDimension('currency', attempt.currency)
      .addMetric('ChargedAmount', MetricUnit.NoUnit, attempt.charge.total / 1_000_000);
  } else if (result.outcome === 'declined') {
    metrics
      .singleMetric()
      .addDimension('declineCode', attempt.declineCode ?? 'unknown')
      .addMetric('ChargesDeclined', MetricUnit.Count, 1);
  } else if (result.outcome === 'unknown') {
    metrics.addMetric('ChargesUnknownOutcome', MetricUnit.Count, 1);
  }
}
