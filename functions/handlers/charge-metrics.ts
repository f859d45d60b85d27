/** Metrics and the log line of a charge outcome, shared by every handler that charges cards, and metrics of the top-ups credited. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  CHARGE_UNRESOLVED_AFTER_SECONDS,
  CHARGE_UNRESOLVED_METRIC,
  TOP_UPS_SUCCEEDED_METRIC,
  TOP_UP_AMOUNT_METRIC,
} from '../../definitions/service';
import type { DomainEvent } from '../domain/events';
import { MICROS_PER_UNIT, parseAmount } from '../domain/money';
import type { RechargeResult } from '../domain/recharge/recharge-partner';
import { logger, metrics } from '../observability';

/**
 * `now` dates the check for charges that stay without a clear answer (alarmed past an hour).
 * The `card charge` line is what the saved query `prepaid-billing/charges-by-outcome` counts.
 */
export function recordCharge(result: RechargeResult, now: Date): void {
  const attempt = result.attempt;
  if (attempt === undefined) return;
  logger.info('card charge', {
    partnerId: attempt.partnerId,
    attemptId: attempt.attemptId,
    purpose: attempt.purpose,
    trigger: attempt.trigger,
    outcome: result.outcome,
    ...(attempt.declineCode !== undefined && { declineCode: attempt.declineCode }),
  });
  switch (result.outcome) {
    case 'succeeded':
      metrics.addMetric('ChargesSucceeded', MetricUnit.Count, 1);
      metrics
        .singleMetric()
        .addDimension('currency', attempt.currency)
        .addMetric('ChargedAmount', MetricUnit.NoUnit, attempt.charge.total / 1_000_000);
      return;
    case 'declined':
      metrics
        .singleMetric()
        .addDimension('declineCode', attempt.declineCode ?? 'unknown')
        .addMetric('ChargesDeclined', MetricUnit.Count, 1);
      return;
    case 'action-required':
      metrics.addMetric('ChargesActionRequired', MetricUnit.Count, 1);
      return;
    case 'failed':
      metrics.addMetric('ChargesFailed', MetricUnit.Count, 1);
      return;
    case 'unknown': {
      metrics.addMetric('ChargesUnknownOutcome', MetricUnit.Count, 1);
      const ageSeconds = (now.getTime() - attempt.createdAt.getTime()) / 1000;
      if (ageSeconds >= CHARGE_UNRESOLVED_AFTER_SECONDS)
        metrics.addMetric(CHARGE_UNRESOLVED_METRIC, MetricUnit.Count, 1);
      return;
    }
  }
}

/**
 * A top-up credited, as its `TopUpSucceeded` event tells it: counted where every top-up
 * passes, the event relay, since a top-up is credited by the API, the webhook or the
 * recharge function. A batch the stream delivers again may count one twice.
 */
export function recordTopUpCredited(event: DomainEvent): void {
  if (event.type !== 'TopUpSucceeded') return;
  const { currency, total } = event.detail;
  metrics.addMetric(TOP_UPS_SUCCEEDED_METRIC, MetricUnit.Count, 1);
  metrics
    .singleMetric()
    .addDimension('currency', String(currency))
    .addMetric(TOP_UP_AMOUNT_METRIC, MetricUnit.NoUnit, parseAmount(String(total)) / MICROS_PER_UNIT);
}
