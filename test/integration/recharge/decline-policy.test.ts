import { parseAmount } from '../../../functions/domain/money';
import { NO_DECLINES } from '../../../functions/domain/recharge/decline-policy';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';

const amount = parseAmount;

/** The days of November 2026 from `first` on, `count` of them, as YYYY-MM-DD. */
const novemberDays = (first: number, count: number) =>
  Array.from({ length: count }, (_, index) => `2026-11-${String(first + index).padStart(2, '0')}`);

// Every daily run visits every partner of the table: each test has a table of its own.
describe('Use case: recharge, the decline policy (docs/contract.md §13)', () => {
  let recharge: RechargeHarness;
  let daily: DailyHarness;

  beforeEach(async () => {
    recharge = await RechargeHarness.start();
    daily = new DailyHarness(recharge);
  });

  afterEach(async () => {
    await recharge.stop();
  });

  const at = (time: string) => recharge.clock.set(new Date(time));

  /** A partner at 50.00, under its 100.00 threshold, whose recharge of 500.00 (520.00 with the fee) is due. */
  async function belowThreshold(partnerId: string, paymentMethod: string): Promise<void> {
    await recharge.open(partnerId, '500.00', { paymentMethod });
    await recharge.spend(partnerId, '450.00', `u-${partnerId}`);
  }

  describe('Hard declines', () => {
    it.each([
      ['pm_card_chargeDeclinedLostCard', 'lost_card'],
      ['pm_card_chargeDeclinedStolenCard', 'stolen_card'],
      ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
      ['pm_card_chargeDeclinedFraudulent', 'fraudulent'],
    ])('never charges %s again after its hard decline (%s), whatever triggers come', async (card, code) => {
      // Prepare
      at('2026-11-01T09:00:00Z');
      await belowThreshold('hard', card);

      // Act: the crossing's charge, then five daily runs and more usage.
      const declined = await recharge.recharge('hard');
      const runs = [];
      for (const day of novemberDays(2, 5)) runs.push(await daily.runDay(day));
      at('2026-11-06T10:00:00Z');
      const later = await recharge.recharge('hard', 'overdue');

      // Assess
      expect(declined).toMatchObject({ outcome: 'declined', attempt: { declineCode: code, cardRole: 'primary' } });
      expect(recharge.chargesOn('hard', card)).toBe(1);
      expect(runs.flat().flatMap((shard) => shard.charges)).toEqual([]);
      expect(later.outcome).toBe('no-chargeable-card');
      expect((await recharge.ledger.getPartner('hard'))?.cardDeclines).toEqual({
        primary: { soft: 0, hard: code },
        backup: NO_DECLINES,
      });
      expect((await recharge.events.ofType('RechargeFailed', 'hard')).map((event) => event.detail)).toEqual([
        expect.objectContaining({
          declineCode: code,
          declineKind: 'hard',
          cardRole: 'primary',
          paymentMethod: card,
          softDeclines: 0,
          retriesLeft: 0,
        }),
      ]);
    });

    it('charges a new card at once after a hard decline, and the new card starts with no declines', async () => {
      // Prepare: the lost card declined, and two daily runs left it alone.
      at('2026-11-01T09:00:00Z');
      await belowThreshold('lost', 'pm_card_chargeDeclinedLostCard');
      await recharge.recharge('lost');
      await daily.runDay('2026-11-02');
      await daily.runDay('2026-11-03');
      at('2026-11-03T10:00:00Z');
      await recharge.setCard('lost', 'pm_card_visa');

      // Act
      const result = await recharge.recharge('lost', 'payment-method-updated');

      // Assess
      expect(result).toMatchObject({
        outcome: 'succeeded',
        attempt: { paymentMethod: 'pm_card_visa', cardRole: 'primary', trigger: 'payment-method-updated' },
      });
      expect(recharge.chargesOn('lost', 'pm_card_chargeDeclinedLostCard')).toBe(1);
      expect(recharge.chargesOn('lost', 'pm_card_visa')).toBe(1);
      const account = await recharge.ledger.getPartner('lost');
      expect(account).toMatchObject({
        liveBalance: amount('550.00'),
        cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
      });
      expect(account?.lastDecline).toBeUndefined();
    });
  });

  describe('Soft declines', () => {
    it('retries a soft-declining card once a day and stops after 8 declines: 9 daily runs, 8 charges', async () => {
      // Prepare
      at('2026-11-01T09:00:00Z');
      await belowThreshold('soft', 'pm_card_chargeDeclinedInsufficientFunds');

      // Act
      const runs = [];
      for (const day of novemberDays(2, 9)) runs.push(await daily.runDay(day));

      // Assess
      expect(recharge.chargesOn('soft', 'pm_card_chargeDeclinedInsufficientFunds')).toBe(8);
      expect(runs.map((run) => run.flatMap((shard) => shard.charges).map((charge) => charge.outcome))).toEqual([
        ...Array.from({ length: 8 }, () => ['declined']),
        [],
      ]);
      expect((await recharge.ledger.getPartner('soft'))?.cardDeclines).toEqual({
        primary: { soft: 8 },
        backup: NO_DECLINES,
      });
      const failed = await recharge.events.ofType('RechargeFailed', 'soft');
      expect(failed.map((event) => [event.detail.softDeclines, event.detail.retriesLeft])).toEqual([
        [1, 7],
        [2, 6],
        [3, 5],
        [4, 4],
        [5, 3],
        [6, 2],
        [7, 1],
        [8, 0],
      ]);
      expect(new Set(failed.map((event) => event.detail.declineKind))).toEqual(new Set(['soft']));
      expect(new Set(failed.map((event) => event.detail.declineCode))).toEqual(new Set(['insufficient_funds']));
      expect((await recharge.recharge('soft', 'overdue')).outcome).toBe('no-chargeable-card');
    });

    it('counts the declines of a new card from zero', async () => {
      // Prepare: the first card used up its 8 soft declines.
      at('2026-11-01T09:00:00Z');
      await belowThreshold('renewed', 'pm_card_chargeDeclined');
      for (const day of novemberDays(2, 8)) await daily.runDay(day);
      at('2026-11-09T10:00:00Z');
      await recharge.setCard('renewed', 'pm_card_chargeDeclinedInsufficientFunds');

      // Act
      const result = await recharge.recharge('renewed', 'payment-method-updated');
      await daily.runDay('2026-11-10');

      // Assess
      expect(result).toMatchObject({ outcome: 'declined', attempt: { declineCode: 'insufficient_funds' } });
      expect(recharge.chargesOn('renewed', 'pm_card_chargeDeclined')).toBe(8);
      expect(recharge.chargesOn('renewed', 'pm_card_chargeDeclinedInsufficientFunds')).toBe(2);
      expect((await recharge.ledger.getPartner('renewed'))?.cardDeclines.primary).toEqual({ soft: 2 });
      const last = (await recharge.events.ofType('RechargeFailed', 'renewed')).at(-1);
      expect(last?.detail).toMatchObject({ softDeclines: 2, retriesLeft: 6 });
    });

    it('does not count a decline against a card that replaced the declined one while it was being charged, and charges the new card at once', async () => {
      // Prepare: the charge of the declining card is recorded; the partner sets a new card before it settles.
      at('2026-11-01T09:00:00Z');
      await belowThreshold('swapped', 'pm_card_chargeDeclined');
      recharge.provider.failNext('timeout-after-charge');
      const open = await recharge.recharge('swapped');
      at('2026-11-01T09:05:00Z');
      await recharge.setCard('swapped', 'pm_card_chargeDeclinedInsufficientFunds');

      // Act: the new card's trigger learns of the old card's decline, then charges the new card.
      const result = await recharge.recharge('swapped', 'payment-method-updated');

      // Assess
      expect(open.outcome).toBe('unknown');
      expect(await recharge.attempt('swapped', open.attempt?.attemptId)).toMatchObject({
        state: 'declined',
        paymentMethod: 'pm_card_chargeDeclined',
      });
      expect(result).toMatchObject({
        outcome: 'declined',
        attempt: { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds', trigger: 'payment-method-updated' },
      });
      expect(recharge.chargesOn('swapped', 'pm_card_chargeDeclined')).toBe(1);
      expect(recharge.chargesOn('swapped', 'pm_card_chargeDeclinedInsufficientFunds')).toBe(1);
      // Only the new card's own decline counts against it.
      expect((await recharge.ledger.getPartner('swapped'))?.cardDeclines.primary).toEqual({ soft: 1 });
    });
  });
});
