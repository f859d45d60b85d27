/**
 * Disputes and refunds made at the card provider, counted from the events their bookings
 * commit (docs/contract.md §13): the relay publishes each once it is booked, whichever
 * report booked it and in whatever order the reports came. A batch the stream delivers
 * again may count one twice, as for top-ups.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  DISPUTES_LOST_METRIC,
  DISPUTES_OPENED_METRIC,
  DISPUTES_WON_METRIC,
  PROVIDER_REFUNDS_METRIC,
} from '../../definitions/service';
import type { DomainEvent } from '../domain/events';
import { metrics } from '../observability';

/** The dispute steps counted, by the `status` their events carry; inquiries take no money and are not. */
const DISPUTE_METRICS: Readonly<Record<string, string>> = {
  open: DISPUTES_OPENED_METRIC,
  won: DISPUTES_WON_METRIC,
  lost: DISPUTES_LOST_METRIC,
};

export function recordMoneyBackBooked(event: DomainEvent): void {
  const metric =
    event.type === 'ChargeRefunded'
      ? PROVIDER_REFUNDS_METRIC
      : event.type === 'ChargeDisputed' || event.type === 'DisputeClosed'
        ? DISPUTE_METRICS[String(event.detail.status)]
        : undefined;
  if (metric !== undefined) metrics.addMetric(metric, MetricUnit.Count, 1);
}
