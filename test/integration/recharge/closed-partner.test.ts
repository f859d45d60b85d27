import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { licenseFeeKey } from '../../../functions/adapters/dynamodb/keys';
import { DynamoDbMoneyBackRepository } from '../../../functions/adapters/dynamodb/money-back-repository';
import type { DomainEvent } from '../../../functions/domain/events';
import { parseAmount } from '../../../functions/domain/money';
import { parseMonth } from '../../../functions/domain/month';
import { newAttemptId } from '../../../functions/domain/recharge/charge-attempt';
import type { TestTable } from '../../support/billing-table';
import { DailyHarness } from '../../support/daily-harness';
import { IngestionHarness } from '../../support/ingestion-harness';
import { LicenseHarness } from '../../support/license-harness';
import type { RechargeHarness } from '../../support/recharge-harness';
import { startOverdueClock } from '../../support/standing';
import { sqsEvent, usageBody } from '../../support/usage-factory';

const amount = parseAmount;

/** Closes the account at `at` as the closure's use case does once nothing is in flight. */
async function close(table: TestTable, partnerId: string, at: Date): Promise<void> {
  const event: DomainEvent = { type: 'PartnerClosed', time: at, detail: { partnerId } };
  const closed = await new DynamoDbMoneyBackRepository(table.client, table.tableName).closeAccount(
    partnerId,
    at,
    event,
  );
  if (closed !== 'closed') throw new Error(`${partnerId} was not closed: ${closed}`);
}

describe('Use case: a closed account', () => {
  describe('with its card', () => {
    let licenses: LicenseHarness;
    let recharge: RechargeHarness;

    beforeEach(async () => {
      licenses = await LicenseHarness.start();
      recharge = licenses.recharge;
      recharge.clock.set(new Date('2026-11-01T09:00:00Z'));
    });

    afterEach(async () => {
      await licenses.stop();
    });

    it('is never charged again: a recharge below the threshold answers partner-closed and opens no attempt', async () => {
      // Prepare: opened at 500.00, 450.00 spent, then closed.
      await recharge.open('closed-1', '500.00');
      await recharge.spend('closed-1', '450.00', 'u-1');
      await close(recharge.table, 'closed-1', recharge.clock.now());
      const charges = recharge.provider.charges.length;

      // Act
      const result = await recharge.recharge('closed-1', 'below-threshold');
      const opened = await recharge.attempts.openAttempt({
        partnerId: 'closed-1',
        attemptId: newAttemptId(recharge.clock.now()),
        purpose: 'recharge',
        trigger: 'daily-run',
        charge: { credit: amount('500.00'), fee: amount('20.00'), total: amount('520.00') },
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        cardRole: 'primary',
        state: 'pending',
        createdAt: recharge.clock.now(),
      });

      // Assess
      expect(result).toEqual({ outcome: 'partner-closed' });
      expect(opened).toBe('partner-closed');
      expect(recharge.provider.charges).toHaveLength(charges);
      expect(await recharge.ledger.getPartner('closed-1')).toMatchObject({ status: 'closed' });
      expect((await recharge.ledger.getPartner('closed-1'))?.chargeInFlight).toBeUndefined();
    });

    it('settles the charge it held when it was closed, and the credit leaves it closed', async () => {
      // Prepare: a charge the bank wants authenticated waits while the account is closed.
      await recharge.open('closed-2', '500.00');
      await recharge.setCard('closed-2', 'pm_card_authenticationRequired');
      await recharge.spend('closed-2', '600.00', 'u-1');
      const waiting = await recharge.recharge('closed-2', 'overdue');
      expect(waiting.outcome).toBe('action-required');
      await close(recharge.table, 'closed-2', recharge.clock.now());
      await recharge.provider.completeAuthentication(waiting.attempt?.providerChargeId ?? '');

      // Act
      const settled = await recharge.recharge('closed-2', 'daily-run');

      // Assess
      expect(settled.outcome).toBe('succeeded');
      const account = await recharge.ledger.getPartner('closed-2');
      expect(account).toMatchObject({ status: 'closed', liveBalance: amount('500.00') });
      expect(account?.chargeInFlight).toBeUndefined();
      expect(await recharge.ledgerSum('closed-2')).toBe(amount('500.00'));
      expect(await recharge.recharge('closed-2', 'below-threshold')).toEqual({ outcome: 'partner-closed' });
    });

    it('is published by the daily run but never charged, made overdue or blocked, and leaves its attention', async () => {
      // Prepare: -100.00 with a declining card and a running clock, closed a day later.
      await recharge.open('closed-3', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await recharge.spend('closed-3', '600.00', 'u-1');
      await startOverdueClock(recharge.ledger, 'closed-3', recharge.clock.now());
      recharge.clock.set(new Date('2026-11-02T09:00:00Z'));
      await close(recharge.table, 'closed-3', recharge.clock.now());
      const daily = new DailyHarness(recharge);

      // Act: eight daily runs, well past the 7 days.
      const visits: number[] = [];
      for (const day of ['03', '04', '05', '06', '07', '08', '09', '10'])
        visits.push((await daily.runDay(`2026-11-${day}`)).reduce((total, shard) => total + shard.visited, 0));

      // Assess
      expect(await recharge.ledger.getPartner('closed-3')).toMatchObject({
        status: 'closed',
        liveBalance: amount('-100.00'),
      });
      expect(recharge.chargesOn('closed-3', 'pm_card_chargeDeclined')).toBe(0);
      expect(await recharge.events.ofType('PartnerBlocked', 'closed-3')).toEqual([]);
      expect(await recharge.events.ofType('PartnerOverdue', 'closed-3')).toHaveLength(1);
      expect((await recharge.events.ofType('DailyBalancePublished', 'closed-3')).map((e) => e.detail.balance)).toEqual([
        '-100.00',
      ]);
      // Published once, then out of the index until its balance moves again.
      expect(visits).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    });

    it('pays no license fee any more: off the monthly run, and a declined fee leaves the daily retry with its reason', async () => {
      // Prepare: December's fee declined, then the account closed.
      await recharge.open('closed-4', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await licenses.registerNumber('closed-4', '+4915112345678');
      expect((await licenses.runMonth('2026-12')).results).toMatchObject([
        { partnerId: 'closed-4', outcome: 'declined' },
      ]);
      await close(recharge.table, 'closed-4', new Date('2026-12-01T12:00:00Z'));
      const charges = recharge.chargesOn('closed-4', 'pm_card_chargeDeclined');

      // Act
      const retried = await licenses.retryAllShards('2026-12-02');
      const retriedAgain = await licenses.retryAllShards('2026-12-03');
      const january = await licenses.runMonth('2027-01');
      // Listed again (as registering a number would): the run still charges nothing.
      await licenses.licenses.markLicensed('closed-4', recharge.clock.now());
      const listedAgain = await licenses.runMonth('2027-02');

      // Assess
      expect(retried).toMatchObject([{ partnerId: 'closed-4', outcome: 'partner-closed' }]);
      expect(retriedAgain).toEqual([]);
      expect(january.results).toEqual([]);
      expect(listedAgain.results).toMatchObject([{ partnerId: 'closed-4', outcome: 'partner-closed' }]);
      expect(recharge.chargesOn('closed-4', 'pm_card_chargeDeclined')).toBe(charges);
      expect(await licenses.licenses.duePeriods('closed-4')).toEqual([]);
      expect(await licenses.licenses.get('closed-4', parseMonth('2027-02'))).toBeUndefined();
      const { Item: december } = await recharge.table.client.send(
        new GetCommand({
          TableName: recharge.table.tableName,
          Key: licenseFeeKey('closed-4', parseMonth('2026-12')),
          ConsistentRead: true,
        }),
      );
      expect(december).toMatchObject({
        state: 'declined',
        droppedAt: '2026-12-02T00:00:00.000Z',
        droppedBecause: 'partner_closed',
      });
    });

    it('is never reopened by a credit: a payment back above 0 leaves it closed', async () => {
      // Prepare
      await recharge.open('closed-5', '500.00');
      await recharge.spend('closed-5', '600.00', 'u-1');
      await close(recharge.table, 'closed-5', recharge.clock.now());

      // Act
      const credit = await recharge.ledger.postCredit(
        {
          partnerId: 'closed-5',
          currency: 'EUR',
          kind: 'payment',
          idempotencyKey: 'bank-1',
          amount: amount('300.00'),
          postedAt: recharge.clock.now(),
        },
        ({ unblocked }) => (unblocked ? [{ type: 'PartnerUnblocked', time: recharge.clock.now(), detail: {} }] : []),
      );

      // Assess
      expect(credit).toMatchObject({ outcome: 'posted', unblocked: false });
      expect(await recharge.ledger.getPartner('closed-5')).toMatchObject({
        status: 'closed',
        liveBalance: amount('200.00'),
      });
      expect(await recharge.events.ofType('PartnerUnblocked', 'closed-5')).toEqual([]);
    });
  });

  describe('with usage still arriving', () => {
    let ingestion: IngestionHarness;

    beforeAll(async () => {
      ingestion = await IngestionHarness.start();
    });

    afterAll(async () => {
      await ingestion.stop();
    });

    it('debits the usage, without announcing the threshold or starting a clock', async () => {
      // Prepare
      await ingestion.createPartner('closed-usage', '150.00');
      await close(ingestion.table, 'closed-usage', ingestion.clock.now());
      const usage = (cost: string) =>
        JSON.stringify(usageBody({ partnerId: 'closed-usage', cost: { amount: cost, currency: 'EUR' } }));

      // Act: 150.00 -> 80.00 (below the threshold) -> -20.00 (below 0).
      await ingestion.invoke(sqsEvent([usage('70.00')]));
      await ingestion.invoke(sqsEvent([usage('100.00')]));

      // Assess
      expect(await ingestion.books('closed-usage')).toEqual({
        liveBalance: amount('-20.00'),
        ledgerSum: amount('-20.00'),
        usageEntries: 2,
        eventsDebited: 2,
      });
      const account = await ingestion.ledger.getPartner('closed-usage');
      expect(account).toMatchObject({ status: 'closed' });
      expect(account?.belowThresholdSince).toBeUndefined();
      expect(account?.overdueSince).toBeUndefined();
      expect(await ingestion.events.ofType('BalanceBelowThreshold', 'closed-usage')).toEqual([]);
      expect(await ingestion.events.ofType('PartnerOverdue', 'closed-usage')).toEqual([]);
    });
  });
});
