import { CurrencyMismatchError, UnknownPartnerError } from '../../../functions/domain/errors';
import { PeriodNotClosedError, ReconciliationConflictError } from '../../../functions/domain/finance/finance-errors';
import { reconcileMonth } from '../../../functions/domain/finance/reconcile-month';
import { formatAmount, parseAmount } from '../../../functions/domain/money';
import { InvalidPeriodError, parseMonth } from '../../../functions/domain/month';
import { FinanceHarness } from '../../support/finance-harness';

const amount = parseAmount;

describe('Use case: reconcileMonth', () => {
  let harness: FinanceHarness;

  beforeAll(async () => {
    harness = await FinanceHarness.start();
  });

  afterAll(async () => {
    await harness.stop();
  });

  beforeEach(() => {
    harness.recharge.faults.disarm();
  });

  /** 100.00 of usage in November 2026, and usage right outside it on both sides. */
  async function novemberWithUsage(partnerId: string): Promise<void> {
    harness.at('2026-10-01T08:00:00Z');
    await harness.recharge.open(partnerId, '500.00');
    await harness.spendAt(partnerId, '7.00', 'u-october', '2026-10-31T23:59:59.999Z');
    await harness.spendAt(partnerId, '40.00', 'u-first-instant', '2026-11-01T00:00:00.000Z');
    harness.at('2026-11-15T12:00:00Z');
    await harness.pay(partnerId, '200.00', `PAY-${partnerId}`);
    await harness.spendAt(partnerId, '60.00', 'u-last-instant', '2026-11-30T23:59:59.999Z');
    await harness.spendAt(partnerId, '9.00', 'u-december', '2026-12-01T00:00:00.000Z');
    harness.at('2026-12-05T10:00:00Z');
  }

  it('books the exact difference of a month with known usage: 100.00 estimated, 103.50 actual, a -3.50 adjustment', async () => {
    // Prepare
    await novemberWithUsage('rec-1');

    // Act
    const result = await harness.reconcile('rec-1', '2026-11', '103.50');

    // Assess
    expect(result.outcome).toBe('reconciled');
    const { estimated, actual, adjustment, state, entryId } = result.reconciliation;
    expect([estimated, actual, adjustment].map(formatAmount)).toEqual(['100.00', '103.50', '-3.50']);
    expect({ state, entryId }).toEqual({ state: 'booked', entryId: 'adjustment:2026-11' });
    const adjustments = (await harness.entries('rec-1')).filter((entry) => entry.kind === 'adjustment');
    expect(adjustments).toMatchObject([
      { idempotencyKey: '2026-11', amount: amount('-3.50'), postedAt: new Date('2026-12-05T10:00:00Z') },
    ]);
    // 500.00 - 7.00 - 40.00 + 200.00 - 60.00 - 9.00 - 3.50
    expect((await harness.recharge.ledger.getPartner('rec-1'))?.liveBalance).toBe(amount('580.50'));
    expect(await harness.recharge.ledgerSum('rec-1')).toBe(amount('580.50'));
  });

  it('counts an entry posted exactly at 2026-12-01T00:00:00.000Z in December', async () => {
    await novemberWithUsage('rec-2');
    harness.at('2027-01-02T00:00:00Z');

    const december = await harness.reconcile('rec-2', '2026-12', '9.00');
    const october = await harness.reconcile('rec-2', '2026-10', '7.00');

    expect(formatAmount(december.reconciliation.estimated)).toBe('9.00');
    expect(formatAmount(october.reconciliation.estimated)).toBe('7.00');
  });

  it('answers a second call for the same month with the original result and changes nothing', async () => {
    // Prepare
    await novemberWithUsage('rec-3');
    const first = await harness.reconcile('rec-3', '2026-11', '103.50');
    const before = await harness.recharge.ledger.getPartner('rec-3');

    // Act
    harness.at('2026-12-09T10:00:00Z');
    const second = await harness.reconcile('rec-3', '2026-11', '103.50');

    // Assess
    expect(second).toEqual({ outcome: 'already-reconciled', reconciliation: first.reconciliation });
    expect(await harness.recharge.ledger.getPartner('rec-3')).toEqual(before);
    expect((await harness.entries('rec-3')).filter((entry) => entry.kind === 'adjustment')).toHaveLength(1);
  });

  it('refuses a different actualAmount for the same month as a conflict and changes nothing', async () => {
    await novemberWithUsage('rec-4');
    await harness.reconcile('rec-4', '2026-11', '103.50');
    const before = await harness.recharge.ledger.getPartner('rec-4');

    await expect(harness.reconcile('rec-4', '2026-11', '104.00')).rejects.toThrow(ReconciliationConflictError);

    expect(await harness.recharge.ledger.getPartner('rec-4')).toEqual(before);
  });

  it('credits the difference when Meta billed less, and a credit back to >= 0 unblocks the partner and its channels', async () => {
    // Prepare: 520.00 of usage in November takes the partner to -20.00; it is blocked.
    harness.at('2026-11-02T10:00:00Z');
    await harness.recharge.open('rec-5', '500.00');
    await harness.recharge.channels.register('rec-5', '+4917100000501', harness.recharge.clock.now());
    await harness.recharge.spend('rec-5', '520.00', 'u-1');
    await harness.block('rec-5');
    harness.at('2026-12-03T09:00:00Z');

    // Act
    const result = await harness.reconcile('rec-5', '2026-11', '490.00');

    // Assess
    expect(formatAmount(result.reconciliation.adjustment)).toBe('30.00');
    expect(await harness.recharge.ledger.getPartner('rec-5')).toMatchObject({
      status: 'active',
      liveBalance: amount('10.00'),
    });
    expect(await harness.channelStatuses('rec-5')).toEqual(['active']);
    expect(await harness.events.ofType('PartnerUnblocked', 'rec-5')).toHaveLength(1);
  });

  it('books nothing for a zero difference, and a second call still answers the original result', async () => {
    await novemberWithUsage('rec-6');
    const entriesBefore = await harness.entries('rec-6');

    const first = await harness.reconcile('rec-6', '2026-11', '100.00');
    const second = await harness.reconcile('rec-6', '2026-11', '100.00');

    expect(first.outcome).toBe('reconciled');
    expect(first.reconciliation).toMatchObject({ adjustment: 0, state: 'booked' });
    expect(first.reconciliation.entryId).toBeUndefined();
    expect(second).toEqual({ outcome: 'already-reconciled', reconciliation: first.reconciliation });
    expect(await harness.entries('rec-6')).toEqual(entriesBefore);
    await expect(harness.reconcile('rec-6', '2026-11', '100.01')).rejects.toThrow(ReconciliationConflictError);
  });

  it('follows a debit like usage: below the threshold it emits the event and requests a recharge', async () => {
    // Prepare: 110.00 left after 390.00 of usage in November.
    harness.at('2026-11-05T10:00:00Z');
    await harness.recharge.open('rec-7', '500.00');
    await harness.recharge.spend('rec-7', '390.00', 'u-1');
    harness.at('2026-12-02T09:00:00Z');

    // Act: Meta billed 410.00, so 20.00 more is debited.
    await harness.reconcile('rec-7', '2026-11', '410.00');

    // Assess
    const account = await harness.recharge.ledger.getPartner('rec-7');
    expect(account).toMatchObject({
      liveBalance: amount('90.00'),
      belowThresholdSince: new Date('2026-12-02T09:00:00Z'),
    });
    expect(await harness.events.ofType('BalanceBelowThreshold', 'rec-7')).toHaveLength(1);
    expect(harness.rechargeRequests.of('rec-7').map((request) => request.trigger)).toEqual(['below-threshold']);
  });

  it('starts the overdue clock when a debit takes the balance below 0', async () => {
    harness.at('2026-11-05T10:00:00Z');
    await harness.recharge.open('rec-8', '500.00');
    await harness.recharge.spend('rec-8', '495.00', 'u-1');
    harness.at('2026-12-02T09:00:00Z');

    await harness.reconcile('rec-8', '2026-11', '510.00');

    expect(await harness.recharge.ledger.getPartner('rec-8')).toMatchObject({
      liveBalance: amount('-10.00'),
      status: 'overdue',
      overdueSince: new Date('2026-12-02T09:00:00Z'),
    });
    expect(await harness.events.ofType('PartnerOverdue', 'rec-8')).toHaveLength(1);
  });

  it.each(['reconciliations.record:after', 'reconciliations.markBooked:before'])(
    'books the adjustment once when the first call dies at %s',
    async (point) => {
      // Prepare
      const partnerId = `rec-crash-${point.replace(/[.:]/g, '-')}`;
      await novemberWithUsage(partnerId);
      harness.recharge.faults.arm(point);

      // Act
      await expect(harness.reconcile(partnerId, '2026-11', '103.50')).rejects.toThrow(point);
      const again = await harness.reconcile(partnerId, '2026-11', '103.50');

      // Assess
      expect(again.outcome).toBe('already-reconciled');
      expect(again.reconciliation).toMatchObject({ adjustment: amount('-3.50'), state: 'booked' });
      expect((await harness.entries(partnerId)).filter((entry) => entry.kind === 'adjustment')).toHaveLength(1);
      expect((await harness.recharge.ledger.getPartner(partnerId))?.liveBalance).toBe(amount('580.50'));
      expect((await harness.reconciliations.get(partnerId, again.reconciliation.period))?.state).toBe('booked');
    },
  );

  it('reconciles once when two calls for the same month race', async () => {
    await novemberWithUsage('rec-9');

    const results = await Promise.all([
      harness.reconcile('rec-9', '2026-11', '103.50'),
      harness.reconcile('rec-9', '2026-11', '103.50'),
    ]);

    expect(results.map((result) => result.outcome).sort()).toEqual(['already-reconciled', 'reconciled']);
    expect((await harness.recharge.ledger.getPartner('rec-9'))?.liveBalance).toBe(amount('580.50'));
  });

  it('refuses a month that is not over yet', async () => {
    harness.at('2026-11-20T10:00:00Z');
    await harness.recharge.open('rec-10', '500.00');

    await expect(harness.reconcile('rec-10', '2026-11', '10.00')).rejects.toThrow(PeriodNotClosedError);
    expect(await harness.reconciliations.get('rec-10', parseMonth('2026-11'))).toBeUndefined();
  });

  it.each([
    ['a malformed period', { partnerId: 'rec-1', period: '2026-13', actualAmount: amount('1.00') }, InvalidPeriodError],
    [
      'an unknown partner',
      { partnerId: 'nobody', period: '2026-10', actualAmount: amount('1.00') },
      UnknownPartnerError,
    ],
    [
      'another currency',
      { partnerId: 'rec-10', period: '2026-10', actualAmount: amount('1.00'), currency: 'USD' as const },
      CurrencyMismatchError,
    ],
  ])('refuses %s', async (_, request, error) => {
    await expect(reconcileMonth(request, harness.deps)).rejects.toThrow(error);
  });
});
