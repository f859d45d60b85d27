import { shardOf } from '../../../functions/adapters/dynamodb/keys';
import type { ShardProgress } from '../../../functions/domain/daily/daily-run';
import { AmountOutOfRangeError } from '../../../functions/domain/errors';
import { parseAmount } from '../../../functions/domain/money';
import { DailyHarness } from '../../support/daily-harness';
import { ABSURD_AUTO_RENEW_MICROS, storeOnAccount } from '../../support/hostile-account';
import { RechargeHarness } from '../../support/recharge-harness';
import { startOverdueClock } from '../../support/standing';

/** Enough partners beside the bad one to fill pages of 5 before and after it. */
const OTHERS = 12;
const BAD = 'iso-bad';
const UNREADABLE = 'iso-unreadable';
const failuresOf = (progress: readonly ShardProgress[]) => progress.flatMap((shard) => shard.failures);

/** `count` partner ids that fall in the same shard as `partnerId`. */
function sameShardAs(partnerId: string, count: number, prefix = 'iso'): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n += 1) {
    const id = `${prefix}-${n}`;
    if (shardOf(id) === shardOf(partnerId)) ids.push(id);
  }
  return ids;
}

// Eight daily runs over a shard of 13 partners: minutes on a busy 2-core machine, so the long tests get 3 minutes.
describe('Use case: daily run, one partner whose work fails', () => {
  let recharge: RechargeHarness;
  let daily: DailyHarness;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    daily = new DailyHarness(recharge);
  });

  afterAll(async () => {
    await recharge.stop();
  });

  it('blocks every other overdue partner of the shard on its 7th day, completes each run, and records and revisits the partner that fails', async () => {
    // Prepare: 12 partners and the bad one in one shard, all at -20.00 since Nov 2 10:00
    // with a declining card, so every daily run retries their charge and none pays.
    const others = sameShardAs(BAD, OTHERS);
    const partners = [...others, BAD];
    recharge.clock.set(new Date('2026-11-02T10:00:00Z'));
    for (const partnerId of partners) {
      await recharge.open(partnerId, '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await recharge.spend(partnerId, '520.00', `u-${partnerId}`);
      await startOverdueClock(recharge.ledger, partnerId, recharge.clock.now());
    }
    // Its stored auto-renew amount makes working out its charge throw.
    await storeOnAccount(recharge.table, BAD, { autoRenewAmount: ABSURD_AUTO_RENEW_MICROS });

    // Act and assess: each run completes, with the bad partner recorded as skipped.
    for (const day of [
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
      '2026-11-07',
      '2026-11-08',
      '2026-11-09',
      '2026-11-10',
    ]) {
      const progress = await daily.runDay(day, { pageSize: 5 });
      expect(progress.some((shard) => shard.runCompleted)).toBe(true);
      const failures = failuresOf(progress);
      expect(failures).toEqual([{ partnerId: BAD, step: 'charge-retry', error: expect.any(AmountOutOfRangeError) }]);
      expect(progress.reduce((visited, shard) => visited + shard.visited, 0)).toBe(partners.length);
    }

    // The first run 7 days after Nov 2 10:00 is Nov 10 00:00: every partner is blocked by
    // it, the one whose charge cannot be worked out included.
    const accounts = await Promise.all(partners.map((partnerId) => recharge.ledger.getPartner(partnerId)));
    for (const account of accounts) {
      expect(account).toMatchObject({
        status: 'blocked',
        blockedAt: new Date('2026-11-10T00:00:00Z'),
        liveBalance: parseAmount('-20.00'),
      });
    }
    for (const partnerId of others) expect(await recharge.events.ofType('RechargeFailed', partnerId)).toHaveLength(8);
    expect(await recharge.events.ofType('RechargeFailed', BAD)).toHaveLength(0);

    // It stays in the attention index: the next run visits it and tries again.
    const next = await daily.runDay('2026-11-11', { pageSize: 5 });
    expect(failuresOf(next).map((failure) => failure.partnerId)).toEqual([BAD]);
  }, 180_000);

  it('skips a partner whose account cannot be read and settles the rest of its page and shard', async () => {
    // Prepare: 11 partners of one shard that moved on Nov 11, one of them with a stored
    // balance that is not a whole number of micro-units.
    const others = sameShardAs(UNREADABLE, 10, 'page');
    recharge.clock.set(new Date('2026-11-11T10:00:00Z'));
    for (const partnerId of [...others, UNREADABLE]) {
      await recharge.open(partnerId, '500.00');
      await recharge.spend(partnerId, '10.00', `u-${partnerId}`);
    }
    await storeOnAccount(recharge.table, UNREADABLE, { liveBalance: 0.5 });

    // Act: pages of 4, so the unreadable partner shares a page with others.
    const progress = await daily.runDay('2026-11-12', { pageSize: 4 });

    // Assess
    expect(progress.some((shard) => shard.runCompleted)).toBe(true);
    expect(failuresOf(progress).filter((failure) => failure.partnerId === UNREADABLE)).toEqual([
      { partnerId: UNREADABLE, step: 'daily-run', error: expect.any(AmountOutOfRangeError) },
    ]);
    for (const partnerId of others) {
      expect((await recharge.ledger.getPartner(partnerId))?.publishedBalance).toEqual({
        amount: parseAmount('490.00'),
        asOf: new Date('2026-11-12T00:00:00Z'),
      });
    }
  }, 180_000);

  it('still fails the work item on a failure a retry can change, and its redelivery settles the partner', async () => {
    // Prepare: a partner 7 days overdue, and a crash (an error nobody foresaw) just before its block.
    recharge.clock.set(new Date('2026-11-05T10:00:00Z'));
    await recharge.open('iso-transient', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
    await recharge.spend('iso-transient', '520.00', 'u-iso-transient');
    await startOverdueClock(recharge.ledger, 'iso-transient', recharge.clock.now());
    recharge.faults.arm('runs.block:before');

    // Act
    const failed = daily.runDay('2026-11-13');

    // Assess: the work item fails, nothing is recorded as skipped; delivered again (the
    // run resumed with every shard's work), it blocks the partner.
    await expect(failed).rejects.toThrow('runs.block:before');
    daily.queue.pending.splice(0);
    const again = await daily.runDay('2026-11-13');
    expect(failuresOf(again).map((failure) => failure.partnerId)).not.toContain('iso-transient');
    expect(await recharge.ledger.getPartner('iso-transient')).toMatchObject({
      status: 'blocked',
      blockedAt: new Date('2026-11-13T00:00:00Z'),
    });
  });
});
