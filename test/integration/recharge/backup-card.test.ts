import { formatAmount, parseAmount } from '../../../functions/domain/money';
import { NO_DECLINES } from '../../../functions/domain/recharge/decline-policy';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';

const amount = parseAmount;

// Every daily run visits every partner of the table: each test has a table of its own.
describe('Use case: recharge, the backup card (docs/contract.md §13)', () => {
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

  /** A partner at 50.00, under its 100.00 threshold, with these cards. */
  async function belowThreshold(partnerId: string, primary: string, backup?: string): Promise<void> {
    await recharge.open(partnerId, '500.00', { paymentMethod: primary });
    if (backup !== undefined) await recharge.setCard(partnerId, backup, 'backup');
    await recharge.spend(partnerId, '450.00', `u-${partnerId}`);
  }

  it('charges the backup card for the same charge right after the primary declines, as an attempt of its own', async () => {
    // Prepare
    await belowThreshold('pair', 'pm_card_chargeDeclined', 'pm_card_visa');

    // Act
    const result = await recharge.recharge('pair');

    // Assess: two provider charges under two keys, for the same amount.
    const charges = recharge.provider.charges.filter((charge) => charge.request.partnerId === 'pair');
    expect(
      charges.map((charge) => [charge.request.paymentMethod, charge.request.amountCents, charge.result.outcome]),
    ).toEqual([
      ['pm_card_chargeDeclined', 52_000, 'declined'],
      ['pm_card_visa', 52_000, 'succeeded'],
    ]);
    const [primaryKey, backupKey] = charges.map((charge) => charge.request.idempotencyKey);
    expect(primaryKey).not.toBe(backupKey);
    expect(result).toMatchObject({
      outcome: 'succeeded',
      attempt: { attemptId: backupKey, trigger: 'backup-card', cardRole: 'backup', paymentMethod: 'pm_card_visa' },
    });
    expect(await recharge.attempt('pair', primaryKey)).toMatchObject({
      state: 'declined',
      trigger: 'below-threshold',
      cardRole: 'primary',
      charge: result.attempt?.charge,
    });

    // Credited once, by the backup's attempt, and invoiced once.
    expect(await recharge.credits('pair')).toEqual(new Map([[backupKey, amount('500.00')]]));
    expect(
      (await recharge.invoices('pair')).map((invoice) => [invoice.attemptId, formatAmount(invoice.total)]),
    ).toEqual([[backupKey, '520.00']]);
    const account = await recharge.ledger.getPartner('pair');
    expect(account).toMatchObject({
      liveBalance: amount('550.00'),
      cardDeclines: { primary: { soft: 1 }, backup: NO_DECLINES },
    });
    expect(account?.chargeInFlight).toBeUndefined();
    expect(account?.lastDecline).toBeUndefined();
    expect((await recharge.events.ofType('RechargeFailed', 'pair')).map((event) => event.detail)).toEqual([
      expect.objectContaining({ attemptId: primaryKey, cardRole: 'primary', declineKind: 'soft', retriesLeft: 7 }),
    ]);
    expect((await recharge.events.ofType('RechargeSucceeded', 'pair')).map((event) => event.detail)).toEqual([
      expect.objectContaining({ attemptId: backupKey, cardRole: 'backup', total: '520.00' }),
    ]);
  });

  it('tries each card once when both decline, counts each against its own card, and waits for the daily run', async () => {
    // Prepare
    await belowThreshold('both', 'pm_card_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds');

    // Act: the crossing's charge; later usage takes the balance below 0 the same day.
    const result = await recharge.recharge('both');
    recharge.clock.set(new Date('2026-11-01T15:00:00Z'));
    await recharge.spend('both', '60.00', 'u-below-zero');
    const overdue = await recharge.recharge('both', 'overdue');

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', attempt: { trigger: 'backup-card', cardRole: 'backup' } });
    expect(overdue.outcome).toBe('waiting-after-decline');
    expect(recharge.chargesOn('both', 'pm_card_chargeDeclined')).toBe(1);
    expect(recharge.chargesOn('both', 'pm_card_chargeDeclinedInsufficientFunds')).toBe(1);
    expect((await recharge.ledger.getPartner('both'))?.cardDeclines).toEqual({
      primary: { soft: 1 },
      backup: { soft: 1 },
    });
    expect(
      (await recharge.events.ofType('RechargeFailed', 'both')).map((event) => [
        event.detail.cardRole,
        event.detail.declineCode,
      ]),
    ).toEqual([
      ['primary', 'generic_decline'],
      ['backup', 'insufficient_funds'],
    ]);

    // The next daily run tries both again, once each.
    await daily.runDay('2026-11-02');
    expect(recharge.chargesOn('both', 'pm_card_chargeDeclined')).toBe(2);
    expect(recharge.chargesOn('both', 'pm_card_chargeDeclinedInsufficientFunds')).toBe(2);
  });

  it('goes straight to the backup card in the daily run once the primary may no longer be charged', async () => {
    // Prepare: the primary is lost; a backup is registered after its decline.
    await belowThreshold('straight', 'pm_card_chargeDeclinedLostCard');
    await recharge.recharge('straight');
    recharge.clock.set(new Date('2026-11-01T12:00:00Z'));
    await recharge.setCard('straight', 'pm_card_mastercard', 'backup');

    // Act
    const [progress] = (await daily.runDay('2026-11-02')).filter((shard) => shard.charges.length > 0);

    // Assess
    expect(progress?.charges).toMatchObject([
      {
        outcome: 'succeeded',
        attempt: { trigger: 'daily-run', cardRole: 'backup', paymentMethod: 'pm_card_mastercard' },
      },
    ]);
    expect(recharge.chargesOn('straight', 'pm_card_chargeDeclinedLostCard')).toBe(1);
    expect(recharge.chargesOn('straight', 'pm_card_mastercard')).toBe(1);
    expect(await recharge.ledger.getPartner('straight')).toMatchObject({
      liveBalance: amount('550.00'),
      cardDeclines: { primary: { soft: 0, hard: 'lost_card' }, backup: NO_DECLINES },
    });
  });

  it('charges the primary again once a day while it may be charged, and the backup after it each time', async () => {
    // Prepare: a primary that keeps declining softly, a backup that keeps declining hard after its first decline.
    await belowThreshold('daily', 'pm_card_chargeDeclined', 'pm_card_chargeDeclinedStolenCard');
    await recharge.recharge('daily');

    // Act
    await daily.runDay('2026-11-02');
    await daily.runDay('2026-11-03');

    // Assess: the stolen backup was tried once, the primary every day.
    expect(recharge.chargesOn('daily', 'pm_card_chargeDeclined')).toBe(3);
    expect(recharge.chargesOn('daily', 'pm_card_chargeDeclinedStolenCard')).toBe(1);
    expect((await recharge.ledger.getPartner('daily'))?.cardDeclines).toEqual({
      primary: { soft: 3 },
      backup: { soft: 0, hard: 'stolen_card' },
    });
  });

  it('does not charge the backup while the primary waits for the partner to authenticate', async () => {
    // Prepare
    await belowThreshold('sca', 'pm_card_authenticationRequired', 'pm_card_visa');

    // Act
    const result = await recharge.recharge('sca');

    // Assess
    expect(result).toMatchObject({ outcome: 'action-required', attempt: { cardRole: 'primary' } });
    expect(recharge.chargesOn('sca', 'pm_card_visa')).toBe(0);
    expect((await recharge.ledger.getPartner('sca'))?.chargeInFlight).toBe(result.attempt?.attemptId);
  });

  it('does not charge a backup that is the primary card itself a second time', async () => {
    // Prepare
    await belowThreshold('same', 'pm_card_chargeDeclined', 'pm_card_chargeDeclined');

    // Act
    const result = await recharge.recharge('same');

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', attempt: { cardRole: 'primary' } });
    expect(recharge.chargesOn('same', 'pm_card_chargeDeclined')).toBe(1);
  });

  describe('Faults', () => {
    it.each([
      'attempts.settleDeclined:before',
      'attempts.settleDeclined:after',
      'attempts.settleSucceeded:before',
      'attempts.settleSucceeded:after',
    ])('charges the backup once and credits it once when the recharge dies at %s', async (point) => {
      // Prepare
      await belowThreshold('crash', 'pm_card_chargeDeclined', 'pm_card_visa');
      recharge.faults.arm(point);

      // Act: the request dies, is delivered again, and the next daily run resumes what is left.
      await expect(recharge.recharge('crash')).rejects.toThrow(point);
      await recharge.recharge('crash');
      await daily.runDay('2026-11-02');

      // Assess
      const charged = recharge.successfulCharges('crash');
      expect(charged.size).toBe(1);
      expect(recharge.chargesOn('crash', 'pm_card_visa')).toBe(1);
      expect(await recharge.credits('crash')).toEqual(new Map([[[...charged.keys()][0], amount('500.00')]]));
      expect(await recharge.invoices('crash')).toHaveLength(1);
      expect(await recharge.ledger.getPartner('crash')).toMatchObject({ liveBalance: amount('550.00') });
      expect(await recharge.events.ofType('RechargeSucceeded', 'crash')).toHaveLength(1);
    });
  });
});
