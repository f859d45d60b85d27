import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DomainEvent, EventType } from '../../../functions/domain/events';
import { recordMoneyBackBooked } from '../../../functions/handlers/money-back-metrics';
import { metrics } from '../../../functions/observability';

const event = (type: EventType, detail: Record<string, unknown> = {}): DomainEvent => ({
  type,
  time: new Date('2026-12-01T00:00:00Z'),
  detail: { partnerId: 'p1', ...detail },
});

describe('Function: recordMoneyBackBooked', () => {
  let added: jest.SpyInstance;

  beforeEach(() => {
    added = jest.spyOn(metrics, 'addMetric').mockReturnValue(metrics);
  });

  afterEach(() => {
    added.mockRestore();
  });

  it('counts a chargeback, a dispute won and lost, and a refund made at the provider, once each', () => {
    for (const booked of [
      event('ChargeDisputed', { status: 'open' }),
      event('DisputeClosed', { status: 'won' }),
      event('DisputeClosed', { status: 'lost' }),
      event('ChargeRefunded'),
    ])
      recordMoneyBackBooked(booked);

    expect(added.mock.calls).toEqual([
      ['DisputesOpened', MetricUnit.Count, 1],
      ['DisputesWon', MetricUnit.Count, 1],
      ['DisputesLost', MetricUnit.Count, 1],
      ['ProviderRefunds', MetricUnit.Count, 1],
    ]);
  });

  it('counts neither an inquiry, which takes no money, nor any other event', () => {
    for (const other of [
      event('ChargeDisputed', { status: 'inquiry' }),
      event('DisputeClosed', { status: 'inquiry-closed' }),
      event('RefundIssued'),
      event('RechargeSucceeded'),
    ])
      recordMoneyBackBooked(other);

    expect(added).not.toHaveBeenCalled();
  });
});
