import { DynamoDbDailyRunRepository } from '../../../functions/adapters/dynamodb/daily-run-repository';
import { formatAmount, parseAmount } from '../../../functions/domain/money';
import { RechargeHarness } from '../../support/recharge-harness';
import { block, startOverdueClock } from '../../support/standing';

const amount = parseAmount;

describe('Use case: rechargePartner', () => {
  let harness: RechargeHarness;

  beforeAll(async () => {
    harness = await RechargeHarness.start();
  });

  afterAll(async () => {
    await harness.stop();
  });

  beforeEach(() => {
    harness.faults.disarm();
  });

  describe('Opening balance', () => {
    it('charges 380.00 + 15.20 for a remainder of 120.00 and opens at 500.00 with an invoice', async () => {
      // Act
      const { account, openingCharge } = await harness.open('open-1', '120.00');

      // Assess
      expect(openingCharge?.outcome).toBe('succeeded');
      expect(account).toMatchObject({ liveBalance: amount('500.00'), status: 'active' });
      expect(account.openingPending).toBeUndefined();
      const [invoice, ...others] = await harness.invoices('open-1');
      expect(others).toEqual([]);
      expect(invoice?.lines.map((line) => [line.kind, formatAmount(line.amount)])).toEqual([
        ['credit', '380.00'],
        ['card-fee', '15.20'],
      ]);
      expect(formatAmount(invoice?.total ?? amount('0.00'))).toBe('395.20');
      expect([...harness.successfulCharges('open-1').values()]).toEqual([39_520]);
      expect(await harness.ledgerSum('open-1')).toBe(amount('500.00'));
    });

    it('charges nothing when the remainder is already 500.00', async () => {
      const { account, openingCharge } = await harness.open('open-2', '500.00');

      expect(openingCharge).toBeUndefined();
      expect(account.liveBalance).toBe(amount('500.00'));
      expect(await harness.invoices('open-2')).toEqual([]);
    });

    it('keeps the shortfall owed after a declined opening charge and charges it on the daily retry', async () => {
      // Prepare
      const { openingCharge } = await harness.open('open-3', '120.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await harness.spend('open-3', '20.00', 'u-1');
      await harness.setCard('open-3', 'pm_card_visa');

      // Act
      const retry = await harness.recharge('open-3', 'daily-run');

      // Assess
      expect(openingCharge?.outcome).toBe('declined');
      expect(retry.attempt?.charge.credit).toBe(amount('400.00'));
      expect(await harness.ledger.getPartner('open-3')).toMatchObject({ liveBalance: amount('500.00') });
    });
  });

  describe('Recharge', () => {
    it('recharges 500.00 for 520.00 when usage took the balance to 80.00', async () => {
      await harness.open('re-1', '500.00');
      await harness.spend('re-1', '420.00', 'u-1');

      const result = await harness.recharge('re-1');

      expect(result.outcome).toBe('succeeded');
      expect((await harness.ledger.getPartner('re-1'))?.liveBalance).toBe(amount('580.00'));
      expect([...harness.successfulCharges('re-1').values()]).toEqual([52_000]);
      expect((await harness.events.ofType('RechargeSucceeded', 're-1'))[0]?.detail).toMatchObject({
        credit: '500.00',
        fee: '20.00',
        total: '520.00',
        liveBalance: '580.00',
      });
    });

    it('charges nothing at or above the threshold', async () => {
      await harness.open('re-2', '500.00');

      expect((await harness.recharge('re-2')).outcome).toBe('nothing-to-charge');
      expect(harness.successfulCharges('re-2').size).toBe(0);
    });

    it('records a decline with its code, changes no balance, issues no invoice, and waits for the daily run', async () => {
      // Prepare
      await harness.open('re-3', '500.00', { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
      await harness.spend('re-3', '520.00', 'u-1');

      // Act
      const declined = await harness.recharge('re-3', 'overdue');
      const again = await harness.recharge('re-3', 'overdue');
      const daily = await harness.recharge('re-3', 'daily-run');

      // Assess
      expect(declined.outcome).toBe('declined');
      expect(declined.attempt).toMatchObject({ state: 'declined', declineCode: 'insufficient_funds' });
      expect(declined.attempt?.charge).toEqual({
        credit: amount('520.00'),
        fee: amount('20.80'),
        total: amount('540.80'),
      });
      expect(again.outcome).toBe('waiting-after-decline');
      expect(daily.outcome).toBe('declined');
      expect(await harness.invoices('re-3')).toEqual([]);
      expect(await harness.ledger.getPartner('re-3')).toMatchObject({
        liveBalance: amount('-20.00'),
        lastDecline: { declineCode: 'insufficient_funds', paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' },
      });
      expect((await harness.events.ofType('RechargeFailed', 're-3')).map((event) => event.detail.declineCode)).toEqual([
        'insufficient_funds',
        'insufficient_funds',
      ]);
    });

    it('charges a new card at once and returns a blocked partner to active', async () => {
      // Prepare: blocked with a balance of -20.00.
      await harness.open('re-4', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await harness.spend('re-4', '520.00', 'u-1');
      await startOverdueClock(harness.ledger, 're-4', harness.clock.now());
      await harness.recharge('re-4', 'overdue');
      await block(
        harness.ledger,
        new DynamoDbDailyRunRepository(harness.table.client, harness.table.tableName),
        're-4',
        harness.clock.now(),
      );
      await harness.setCard('re-4', 'pm_card_mastercard');

      // Act
      const result = await harness.recharge('re-4', 'payment-method-updated');

      // Assess
      expect(result.outcome).toBe('succeeded');
      const account = await harness.ledger.getPartner('re-4');
      expect(account).toMatchObject({ status: 'active', liveBalance: amount('500.00') });
      expect(account?.overdueSince).toBeUndefined();
      expect(account?.blockedAt).toBeUndefined();
      expect(account?.lastDecline).toBeUndefined();
      expect(await harness.events.ofType('PartnerUnblocked', 're-4')).toHaveLength(1);
    });
  });

  describe('Faults', () => {
    it.each([
      'attempts.openAttempt:before',
      'attempts.openAttempt:after',
      'provider.charge:after',
      'attempts.settleSucceeded:after',
    ])('charges the card once, credits it once and announces it once when the recharge dies at %s', async (point) => {
      // Prepare
      const partnerId = `crash-${point.replace(/[.:]/g, '-')}`;
      await harness.open(partnerId, '500.00');
      await harness.spend(partnerId, '450.00', 'u-1');
      harness.faults.arm(point);

      // Act: the first trigger dies; the next ones resume or find nothing left to do.
      await expect(harness.recharge(partnerId)).rejects.toThrow(point);
      await harness.recharge(partnerId, 'daily-run');
      await harness.recharge(partnerId, 'daily-run');

      // Assess
      const charged = harness.successfulCharges(partnerId);
      const credited = await harness.credits(partnerId);
      expect(charged.size).toBe(1);
      expect([...credited.keys()]).toEqual([...charged.keys()]);
      expect([...credited.values()]).toEqual([amount('500.00')]);
      expect(await harness.invoices(partnerId)).toHaveLength(1);
      expect(await harness.ledger.getPartner(partnerId)).toMatchObject({ liveBalance: amount('550.00') });
      expect((await harness.ledger.getPartner(partnerId))?.chargeInFlight).toBeUndefined();
      // Written with the credit, so a death right after it cannot lose the event.
      expect(await harness.events.ofType('RechargeSucceeded', partnerId)).toHaveLength(1);
    });

    it('resumes an attempt whose answer was lost after the card was charged, with the same key', async () => {
      await harness.open('lost-1', '500.00');
      await harness.spend('lost-1', '450.00', 'u-1');
      harness.provider.failNext('timeout-after-charge');

      const first = await harness.recharge('lost-1');
      const held = await harness.ledger.getPartner('lost-1');
      const resumed = await harness.recharge('lost-1', 'daily-run');

      expect(first.outcome).toBe('unknown');
      expect(held?.chargeInFlight).toBe(first.attempt?.attemptId);
      expect(resumed).toMatchObject({ outcome: 'succeeded', attempt: { attemptId: first.attempt?.attemptId } });
      expect(harness.successfulCharges('lost-1').size).toBe(1);
      expect((await harness.ledger.getPartner('lost-1'))?.liveBalance).toBe(amount('550.00'));
    });

    it('resumes an attempt whose call never reached the card, charging it once', async () => {
      await harness.open('lost-2', '500.00');
      await harness.spend('lost-2', '450.00', 'u-1');
      harness.provider.failNext('timeout-before-charge');

      expect((await harness.recharge('lost-2')).outcome).toBe('unknown');
      expect(harness.successfulCharges('lost-2').size).toBe(0);
      expect((await harness.recharge('lost-2', 'daily-run')).outcome).toBe('succeeded');
      expect(harness.successfulCharges('lost-2').size).toBe(1);
    });

    it('makes one charge for two concurrent triggers', async () => {
      await harness.open('twice-1', '500.00');
      await harness.spend('twice-1', '450.00', 'u-1');

      const outcomes = await Promise.all([harness.recharge('twice-1'), harness.recharge('twice-1', 'daily-run')]);

      expect(harness.successfulCharges('twice-1').size).toBe(1);
      expect(outcomes.map((result) => result.outcome)).toContain('succeeded');
      expect((await harness.ledger.getPartner('twice-1'))?.liveBalance).toBe(amount('550.00'));
    });

    it('keeps balance, ledger and status consistent when usage races the settlement', async () => {
      await harness.open('race-1', '500.00');
      await harness.spend('race-1', '480.00', 'u-0');

      await Promise.all([
        harness.recharge('race-1'),
        ...Array.from({ length: 10 }, (_, index) => harness.spend('race-1', '3.00', `u-${index + 1}`)),
      ]);

      const account = await harness.ledger.getPartner('race-1');
      expect(account?.liveBalance).toBe(amount('490.00'));
      expect(await harness.ledgerSum('race-1')).toBe(amount('490.00'));
      expect(account?.belowThresholdSince).toBeUndefined();
    });
  });
});
