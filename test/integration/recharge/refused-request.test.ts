import { parseAmount } from '../../../functions/domain/money';
import { NO_DECLINES, REQUEST_REFUSED } from '../../../functions/domain/recharge/decline-policy';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';

const amount = parseAmount;
const REFUSAL = 'sandbox: the request was refused, nothing charged';

// Every daily run visits every partner of the table: each test has a table of its own.
describe('Use case: recharge, a request the provider refuses (docs/contract.md §13)', () => {
  let recharge: RechargeHarness;
  let daily: DailyHarness;

  beforeEach(async () => {
    recharge = await RechargeHarness.start();
    daily = new DailyHarness(recharge);
    recharge.clock.set(new Date('2026-11-01T09:00:00Z'));
  });

  afterEach(async () => {
    await recharge.stop();
  });

  /** A partner at 50.00, under its 100.00 threshold, whose next charge the provider refuses. */
  async function refusedNext(partnerId: string): Promise<void> {
    await recharge.open(partnerId, '500.00');
    await recharge.spend(partnerId, '450.00', `u-${partnerId}`);
    recharge.provider.failNext('refused');
  }

  it('ends the attempt failed with the reason, frees the slot, and counts nothing against the card', async () => {
    // Prepare
    await refusedNext('refused');

    // Act
    const result = await recharge.recharge('refused');

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', attempt: { state: 'failed', failureReason: REFUSAL } });
    expect(await recharge.attempt('refused', result.attempt?.attemptId)).toMatchObject({
      state: 'failed',
      failureReason: REFUSAL,
    });
    const account = await recharge.ledger.getPartner('refused');
    expect(account?.chargeInFlight).toBeUndefined();
    expect(account).toMatchObject({
      liveBalance: amount('50.00'),
      cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
      lastDecline: { declineCode: REQUEST_REFUSED, paymentMethod: 'pm_card_visa' },
    });
    expect(recharge.provider.charges).toEqual([]);
    expect((await recharge.events.ofType('RechargeFailed', 'refused')).map((event) => event.detail)).toEqual([
      expect.objectContaining({ attemptId: result.attempt?.attemptId, failure: REFUSAL, total: '520.00' }),
    ]);
  });

  it('leaves more usage to the daily run, which charges again', async () => {
    // Prepare
    await refusedNext('retried');
    await recharge.recharge('retried');

    // Act
    recharge.clock.set(new Date('2026-11-01T15:00:00Z'));
    const usage = await recharge.recharge('retried', 'overdue');
    const [progress] = (await daily.runDay('2026-11-02')).filter((shard) => shard.charges.length > 0);

    // Assess
    expect(usage.outcome).toBe('waiting-after-decline');
    expect(progress?.charges).toMatchObject([{ outcome: 'succeeded', attempt: { trigger: 'daily-run' } }]);
    expect(recharge.successfulCharges('retried').size).toBe(1);
    const account = await recharge.ledger.getPartner('retried');
    expect(account).toMatchObject({ liveBalance: amount('550.00') });
    expect(account?.lastDecline).toBeUndefined();
  });

  it('charges a new card at once after a refused request', async () => {
    // Prepare
    await refusedNext('new-card');
    await recharge.recharge('new-card');
    recharge.clock.set(new Date('2026-11-01T10:00:00Z'));
    await recharge.setCard('new-card', 'pm_card_mastercard');

    // Act
    const result = await recharge.recharge('new-card', 'payment-method-updated');

    // Assess
    expect(result).toMatchObject({ outcome: 'succeeded', attempt: { paymentMethod: 'pm_card_mastercard' } });
    expect((await recharge.ledger.getPartner('new-card'))?.liveBalance).toBe(amount('550.00'));
  });

  it('does not hand a refused request to the backup card: the card did not decline', async () => {
    // Prepare
    await refusedNext('with-backup');
    await recharge.setCard('with-backup', 'pm_card_mastercard', 'backup');

    // Act
    const result = await recharge.recharge('with-backup');

    // Assess
    expect(result.outcome).toBe('failed');
    expect(recharge.provider.charges).toEqual([]);
  });

  describe('Faults', () => {
    it.each(['provider.charge:after', 'attempts.settleWithoutCharge:before', 'attempts.settleWithoutCharge:after'])(
      'charges once and credits once when the refused recharge dies at %s',
      async (point) => {
        // Prepare
        await refusedNext('crash');
        recharge.faults.arm(point);

        // Act: the refused recharge dies; the request is delivered again; the daily run follows.
        await expect(recharge.recharge('crash')).rejects.toThrow(point);
        await recharge.recharge('crash');
        await daily.runDay('2026-11-02');

        // Assess
        const charged = recharge.successfulCharges('crash');
        expect(charged.size).toBe(1);
        expect(await recharge.credits('crash')).toEqual(new Map([[[...charged.keys()][0], amount('500.00')]]));
        expect(await recharge.invoices('crash')).toHaveLength(1);
        expect((await recharge.ledger.getPartner('crash'))?.liveBalance).toBe(amount('550.00'));
        expect(await recharge.events.ofType('RechargeSucceeded', 'crash')).toHaveLength(1);
      },
    );
  });
});
