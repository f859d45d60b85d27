import {
  InvalidPaymentAmountError,
  PeriodBeforeAccountError,
  PeriodNotClosedError,
} from '../../../functions/domain/finance/finance-errors';
import { FinanceHarness } from '../../support/finance-harness';

describe('Use cases: recordPayment and reconcileMonth at their limits', () => {
  let harness: FinanceHarness;

  beforeAll(async () => {
    harness = await FinanceHarness.start();
    harness.at('2026-12-03T10:00:00Z');
    await harness.recharge.open('limits-1', '600.00');
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('refuses a payment of a fraction of a cent, booking nothing', async () => {
    await expect(harness.pay('limits-1', '10.005', 'BANK-1')).rejects.toThrow(InvalidPaymentAmountError);

    expect((await harness.entries('limits-1')).map((entry) => entry.kind)).toEqual(['opening']);
  });

  it.each(['2020-01', '2026-11'])(
    'refuses to reconcile %s, before the month the partner was created, booking nothing',
    async (period) => {
      harness.at('2027-02-10T10:00:00Z');

      const attempt = harness.reconcile('limits-1', period, '12.00');

      await expect(attempt).rejects.toThrow(PeriodBeforeAccountError);
      await expect(attempt).rejects.toThrow(
        `period ${period} is before partner "limits-1" was created; its first month is 2026-12`,
      );
      expect((await harness.entries('limits-1')).map((entry) => entry.kind)).toEqual(['opening']);
      expect(await harness.reconciliations.get('limits-1', period as never)).toBeUndefined();
    },
  );

  it('reconciles the month the partner was created in once it is over', async () => {
    harness.at('2027-01-05T10:00:00Z');

    await expect(harness.reconcile('limits-1', '2026-12', '0.00')).resolves.toMatchObject({ outcome: 'reconciled' });
  });

  it('refuses the month that is running', async () => {
    harness.at('2027-01-05T10:00:00Z');

    await expect(harness.reconcile('limits-1', '2027-01', '0.00')).rejects.toThrow(PeriodNotClosedError);
  });
});
