import { settlePartnerDay } from '../../../functions/domain/daily/daily-run';
import { formatAmount, parseAmount } from '../../../functions/domain/money';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';
import { startOverdueClock } from '../../support/standing';

const amount = parseAmount;

describe('Use case: daily run', () => {
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

  it('plays the contract: opening charge, recharge, decline, daily retries up to the soft limit, blocking on day 7, unblocking by a new card', async () => {
    // A partner with a remainder of 120.00 is charged 380.00 + 15.20 and opens at 500.00.
    at('2026-11-01T09:00:00Z');
    const { account } = await recharge.open('story', '120.00');
    await recharge.channels.register('story', '+4915112345678', recharge.clock.now());
    await recharge.channels.register('story', '+4915112345679', recharge.clock.now());
    expect(account.liveBalance).toBe(amount('500.00'));
    expect([...recharge.successfulCharges('story').values()]).toEqual([39_520]);

    // Usage takes it to 80.00: it is recharged 500.00, the card pays 520.00.
    at('2026-11-01T12:00:00Z');
    await recharge.spend('story', '420.00', 'u-1');
    expect((await recharge.recharge('story')).outcome).toBe('succeeded');
    expect([...recharge.successfulCharges('story').values()]).toEqual([39_520, 52_000]);

    // With a declining card, usage takes it to -20.00 on Nov 2 at 10:00.
    await recharge.setCard('story', 'pm_card_chargeDeclined');
    at('2026-11-02T10:00:00Z');
    await recharge.spend('story', '600.00', 'u-2');
    await startOverdueClock(recharge.ledger, 'story', recharge.clock.now());
    const declined = await recharge.recharge('story', 'overdue');
    expect(declined.attempt?.charge).toEqual({
      credit: amount('520.00'),
      fee: amount('20.80'),
      total: amount('540.80'),
    });
    expect(declined.outcome).toBe('declined');

    // Every daily run retries the charge; the partner is not blocked before Nov 9 10:00.
    for (const day of [
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
      '2026-11-07',
      '2026-11-08',
      '2026-11-09',
    ]) {
      const progress = await daily.runDay(day);
      expect((await recharge.ledger.getPartner('story'))?.status).toBe('overdue');
      expect(progress.reduce((total, shard) => total + shard.overdue, 0)).toBe(1);
    }
    // The first run with now - t >= 7 days is Nov 10 00:00.
    await daily.runDay('2026-11-10');
    const blocked = await recharge.ledger.getPartner('story');
    expect(blocked).toMatchObject({
      status: 'blocked',
      blockedAt: new Date('2026-11-10T00:00:00Z'),
      liveBalance: amount('-20.00'),
    });
    // Nov 2 and the runs of Nov 3 to 9 used up the card's 8 soft declines: Nov 10 did not charge it.
    const failures = await recharge.events.ofType('RechargeFailed', 'story');
    expect(failures).toHaveLength(8);
    expect(new Set(failures.map((event) => event.detail.total))).toEqual(new Set(['540.80']));
    expect(failures.map((event) => event.detail.retriesLeft)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    expect(await recharge.events.ofType('PartnerBlocked', 'story')).toHaveLength(1);
    expect((await recharge.channels.listForPartner('story')).map((channel) => channel.status)).toEqual([
      'blocked',
      'blocked',
    ]);

    // A new payment method succeeds at once and unblocks the partner.
    at('2026-11-10T08:00:00Z');
    await recharge.setCard('story', 'pm_card_visa');
    expect((await recharge.recharge('story', 'payment-method-updated')).outcome).toBe('succeeded');
    expect(await recharge.ledger.getPartner('story')).toMatchObject({
      status: 'active',
      liveBalance: amount('500.00'),
    });
    expect(await recharge.events.ofType('PartnerUnblocked', 'story')).toHaveLength(1);
    expect((await recharge.channels.listForPartner('story')).map((channel) => channel.status)).toEqual([
      'active',
      'active',
    ]);
    expect(await recharge.ledgerSum('story')).toBe(amount('500.00'));
    expect((await recharge.invoices('story')).map((invoice) => formatAmount(invoice.total))).toEqual([
      '540.80',
      '520.00',
      '395.20',
    ]);
  });

  it('publishes the balance as of the cut-off, not what was posted after it', async () => {
    at('2026-11-01T09:00:00Z');
    await recharge.open('cutoff', '500.00');
    at('2026-11-01T23:59:59.999Z');
    await recharge.spend('cutoff', '10.00', 'u-before');
    at('2026-11-02T00:00:00.000Z');
    await recharge.spend('cutoff', '5.00', 'u-at-cutoff');

    await daily.runDay('2026-11-02');

    const { snapshots } = await daily.runs.historyPage('cutoff', { limit: 10 });
    expect(snapshots.map((snapshot) => [snapshot.day, formatAmount(snapshot.balance)])).toEqual([
      ['2026-11-02', '490.00'],
    ]);
    expect((await recharge.ledger.getPartner('cutoff'))?.publishedBalance).toEqual({
      amount: amount('490.00'),
      asOf: new Date('2026-11-02T00:00:00Z'),
    });
  });

  it('changes nothing when the same day runs twice', async () => {
    at('2026-11-01T09:00:00Z');
    await recharge.open('twice', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
    await recharge.spend('twice', '450.00', 'u-1');
    await daily.runDay('2026-11-02');
    const chargesAfterFirst = recharge.provider.charges.length;

    await daily.runDay('2026-11-02');

    expect(recharge.provider.charges.length).toBe(chargesAfterFirst);
    expect((await daily.runs.historyPage('twice', { limit: 10 })).snapshots).toHaveLength(1);
    expect(await recharge.events.ofType('DailyBalancePublished', 'twice')).toHaveLength(1);
  });

  it.each(['runs.publish:after', 'runs.block:after'])(
    'announces the balance and the block once when the run dies at %s and runs again',
    async (point) => {
      // Prepare: negative since Nov 1 09:00 with a declining card, so Nov 9 both publishes and blocks.
      const partnerId = `dies-${point.replace(/[.:]/g, '-')}`;
      at('2026-11-01T09:00:00Z');
      await recharge.open(partnerId, '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await recharge.spend(partnerId, '520.00', 'u-1');
      await startOverdueClock(recharge.ledger, partnerId, recharge.clock.now());
      const now = new Date('2026-11-09T00:00:00Z');
      at(now.toISOString());
      const work = { day: '2026-11-09', now, cutoffs: [now], shard: 0 };
      recharge.faults.arm(point);

      // Act: the first visit dies right after its write; the retry finds the write done.
      await expect(settlePartnerDay(partnerId, work, daily.deps)).rejects.toThrow(point);
      await settlePartnerDay(partnerId, work, daily.deps);

      // Assess
      expect(await recharge.ledger.getPartner(partnerId)).toMatchObject({ status: 'blocked' });
      expect(await recharge.events.ofType('DailyBalancePublished', partnerId)).toHaveLength(1);
      expect(await recharge.events.ofType('PartnerBlocked', partnerId)).toHaveLength(1);
    },
  );

  it('catches up after 3 missed days with a snapshot for each of them', async () => {
    at('2026-11-01T09:00:00Z');
    await recharge.open('gap', '500.00');
    await daily.runDay('2026-11-02');
    for (const [day, spent] of [
      ['2026-11-02T12:00:00Z', '1.00'],
      ['2026-11-03T12:00:00Z', '2.00'],
      ['2026-11-04T12:00:00Z', '3.00'],
      ['2026-11-05T12:00:00Z', '4.00'],
    ] as const) {
      at(day);
      await recharge.spend('gap', spent, `u-${day}`);
    }

    // Nov 3, 4 and 5 did not run.
    await daily.runDay('2026-11-06');

    const { snapshots } = await daily.runs.historyPage('gap', { limit: 10 });
    expect(snapshots.map((snapshot) => [snapshot.day, formatAmount(snapshot.balance)])).toEqual([
      ['2026-11-06', '490.00'],
      ['2026-11-05', '494.00'],
      ['2026-11-04', '497.00'],
      ['2026-11-03', '499.00'],
      ['2026-11-02', '500.00'],
    ]);
  });

  it('leaves the attention index once nothing is left to do, and comes back when the balance moves', async () => {
    at('2026-11-01T09:00:00Z');
    await recharge.open('quiet', '500.00');

    const first = await daily.runDay('2026-11-02');
    const second = await daily.runDay('2026-11-03');
    at('2026-11-03T10:00:00Z');
    await recharge.spend('quiet', '1.00', 'u-1');
    const third = await daily.runDay('2026-11-04');

    const visited = (progress: { visited: number }[]) => progress.reduce((total, shard) => total + shard.visited, 0);
    expect([visited(first), visited(second), visited(third)]).toEqual([1, 0, 1]);
  });

  it('splits a shard over several invocations when time runs out, and still visits every partner once', async () => {
    at('2026-11-01T09:00:00Z');
    const partners = Array.from({ length: 60 }, (_, index) => `many-${index}`);
    for (const partnerId of partners) await recharge.open(partnerId, '500.00');

    const progress = await daily.runDay('2026-11-02', { pagesPerInvocation: 1, pageSize: 2 });

    expect(progress.reduce((total, shard) => total + shard.published, 0)).toBe(60);
    expect(progress.some((shard) => shard.continueFrom !== undefined)).toBe(true);
    expect(progress.filter((shard) => shard.runCompleted)).toHaveLength(1);
    expect(progress.reduce((total, shard) => total + shard.visited, 0)).toBe(60);
  });
});
