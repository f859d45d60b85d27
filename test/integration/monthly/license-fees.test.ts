import { shardOf } from '../../../functions/adapters/dynamodb/keys';
import { formatAmount, parseAmount } from '../../../functions/domain/money';
import { parseMonth } from '../../../functions/domain/month';
import type { CardProvider } from '../../../functions/domain/card-provider';
import type { ChargeRequest, ChargeResult } from '../../../functions/domain/recharge/payment-provider';
import { storeOnAccount } from '../../support/hostile-account';
import { LicenseHarness } from '../../support/license-harness';
import { PassingProvider } from '../../support/passing-provider';

const amount = parseAmount;
const DECEMBER = parseMonth('2026-12');

/**
 * The card provider, except that while `refusing` it throws for one partner the way the
 * Stripe adapter refuses a request no provider could carry out, before anything is sent.
 */
class RefusingProvider extends PassingProvider {
  refusing = true;

  constructor(
    real: CardProvider,
    private readonly partnerId: string,
  ) {
    super(real);
  }

  override async charge(request: ChargeRequest): Promise<ChargeResult> {
    if (this.refusing && request.partnerId === this.partnerId) throw new RangeError('a charge needs a payment method');
    return this.real.charge(request);
  }
}

/** `count` partner ids of the same shard as `partnerId`, so that they share its pages. */
function sameShardAs(partnerId: string, count: number): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n += 1) if (shardOf(`fee-${n}`) === shardOf(partnerId)) ids.push(`fee-${n}`);
  return ids;
}

describe('Use case: monthly license fees', () => {
  let harness: LicenseHarness;

  // Every run bills every licensed partner of the table: each test has a table of its own.
  beforeEach(async () => {
    harness = await LicenseHarness.start();
    harness.at('2026-11-10T09:00:00Z');
  });

  afterEach(async () => {
    await harness.stop();
  });

  /** What a test compares to show the balance and ledger were not touched. */
  async function books(partnerId: string) {
    const account = await harness.recharge.ledger.getPartner(partnerId);
    const { entries } = await harness.recharge.ledger.ledgerPage(partnerId, { limit: 1000 });
    return { liveBalance: account?.liveBalance, version: account?.version, entries };
  }

  it('charges fee × hosted numbers + 4% to the card as its own invoice, and leaves the balance and ledger untouched', async () => {
    // Prepare: 3 hosted numbers and a cancelled one in EUR; 1 number in USD.
    await harness.recharge.open('eur', '500.00');
    await harness.recharge.open('usd', '500.00', { currency: 'USD' });
    for (const phoneNumber of ['+4915100000001', '+4915100000002', '+4915100000003', '+4915100000004'])
      await harness.registerNumber('eur', phoneNumber);
    await harness.cancelNumber('+4915100000004');
    await harness.registerNumber('usd', '+12025550101');
    const before = { eur: await books('eur'), usd: await books('usd') };

    // Act
    const summary = await harness.runMonth('2026-12');

    // Assess
    expect(summary.start.period).toBe('2026-12');
    expect(summary.counts.succeeded).toBe(2);
    expect(harness.recharge.successfulCharges('eur')).toEqual(new Map([['lic-2026-12-eur-1', 7_800]]));
    expect(harness.recharge.successfulCharges('usd')).toEqual(new Map([['lic-2026-12-usd-1', 2_808]]));
    const [invoice, ...others] = await harness.recharge.invoices('eur');
    expect(others).toEqual([]);
    expect(invoice?.lines.map((line) => [line.kind, formatAmount(line.amount)])).toEqual([
      ['license-fee', '75.00'],
      ['card-fee', '3.00'],
    ]);
    expect(invoice?.lines[0]?.description).toBe('License fee December 2026: 3 hosted numbers × 25.00 EUR');
    expect(formatAmount(invoice?.total ?? amount('0.00'))).toBe('78.00');
    expect(await books('eur')).toEqual(before.eur);
    expect(await books('usd')).toEqual(before.usd);
    expect((await harness.recharge.events.ofType('RechargeSucceeded', 'eur')).map((event) => event.detail)).toEqual([
      expect.objectContaining({
        purpose: 'license-fee',
        period: '2026-12',
        numbers: 3,
        licenseFees: '75.00',
        fee: '3.00',
        total: '78.00',
        invoiceId: invoice?.invoiceId,
      }),
    ]);
    expect(await harness.licenses.get('eur', DECEMBER)).toMatchObject({
      state: 'succeeded',
      attemptNumber: 1,
      invoiceId: invoice?.invoiceId,
    });
    expect(await harness.licenses.duePeriods('eur')).toEqual([]);
  });

  it('bills the numbers of a blocked partner: they are still hosted', async () => {
    await harness.recharge.open('blocked', '500.00');
    await harness.registerNumber('blocked', '+4915100000011');
    await harness.registerNumber('blocked', '+4915100000012');
    await harness.recharge.channels.setBlocked('blocked', true);

    await harness.runMonth('2026-12');

    expect([...harness.recharge.successfulCharges('blocked').values()]).toEqual([5_200]);
  });

  it('charges nothing and records nothing for a partner whose numbers are all cancelled', async () => {
    await harness.recharge.open('gone', '500.00');
    await harness.registerNumber('gone', '+4915100000021');
    await harness.cancelNumber('+4915100000021');

    const summary = await harness.runMonth('2026-12');

    expect(summary.results).toMatchObject([{ partnerId: 'gone', outcome: 'nothing-due' }]);
    expect(harness.recharge.provider.charges).toEqual([]);
    expect(await harness.licenses.get('gone', DECEMBER)).toBeUndefined();
  });

  it('charges nothing more when the run repeats for the same month, or a piece of its work is delivered again', async () => {
    // Prepare
    await harness.recharge.open('twice', '500.00');
    await harness.registerNumber('twice', '+4915100000031');
    await harness.runMonth('2026-12');
    const calls = harness.recharge.provider.charges.length;

    // Act
    const again = await harness.runMonth('2026-12');
    await harness.work.enqueue([{ periods: [DECEMBER], shard: shardOf('twice') }]);
    const redelivered = await harness.runPieces();

    // Assess
    expect(again.start.months).toEqual([{ period: DECEMBER, state: 'completed' }]);
    expect(again.pieces).toEqual([]);
    expect(redelivered.flatMap((piece) => piece.results)).toMatchObject([
      { partnerId: 'twice', outcome: 'already-charged' },
    ]);
    expect(harness.recharge.provider.charges.length).toBe(calls);
    expect(await harness.licenseInvoices('twice')).toHaveLength(1);
    expect(await harness.recharge.events.ofType('RechargeSucceeded', 'twice')).toHaveLength(1);
  });

  it("charges a month whose run never started with the month that starts, in one pass over the list, each partner's months oldest first", async () => {
    await harness.recharge.open('gap', '500.00');
    await harness.registerNumber('gap', '+4915100000041');
    await harness.runMonth('2026-11');

    const february = await harness.runMonth('2027-02');

    expect(february.start.months.map((month) => month.period)).toEqual(['2026-12', '2027-01', '2027-02']);
    expect(february.pieces).toHaveLength(harness.licenses.shards);
    for (const piece of february.pieces) expect(piece.work.periods).toEqual(['2026-12', '2027-01', '2027-02']);
    expect(february.pieces.flatMap((piece) => piece.completed.map((month) => month.period)).sort()).toEqual([
      '2026-12',
      '2027-01',
      '2027-02',
    ]);
    // November's run found the number registered after its 1st: nothing was due then.
    expect(harness.recharge.provider.charges.map((charge) => charge.request.idempotencyKey)).toEqual([
      'lic-2026-12-gap-1',
      'lic-2027-01-gap-1',
      'lic-2027-02-gap-1',
    ]);
  });

  it('charges each month once: January is a new charge with its own key', async () => {
    await harness.recharge.open('months', '500.00');
    await harness.registerNumber('months', '+4915100000041');

    await harness.runMonth('2026-12');
    await harness.runMonth('2027-01');

    expect([...harness.recharge.successfulCharges('months').keys()]).toEqual([
      'lic-2026-12-months-1',
      'lic-2027-01-months-1',
    ]);
  });

  it('bills only the numbers registered by the run time', async () => {
    await harness.recharge.open('late', '500.00');
    await harness.registerNumber('late', '+4915100000051');
    harness.at('2026-12-01T00:00:00.001Z');
    await harness.registerNumber('late', '+4915100000052');

    await harness.runMonth('2026-12');

    expect(await harness.licenses.get('late', DECEMBER)).toMatchObject({
      charge: { numbers: 1, total: amount('26.00') },
    });
  });

  describe('Faults', () => {
    it.each(['licenses.open:after', 'provider.charge:after', 'licenses.settleSucceeded:after'])(
      'charges the card once and invoices once when the run dies at %s and runs again',
      async (point) => {
        // Prepare
        await harness.recharge.open('crash', '500.00');
        await harness.registerNumber('crash', '+4915100000061');
        harness.recharge.faults.arm(point);

        // Act
        await expect(harness.runMonth('2026-12')).rejects.toThrow(point);
        await harness.runMonth('2026-12');

        // Assess
        expect(harness.recharge.successfulCharges('crash')).toEqual(new Map([['lic-2026-12-crash-1', 2_600]]));
        expect(await harness.licenseInvoices('crash')).toHaveLength(1);
        expect(await harness.licenses.get('crash', DECEMBER)).toMatchObject({ state: 'succeeded', attemptNumber: 1 });
      },
    );

    it('resumes a charge recorded before a crash from the daily retry when the run does not repeat', async () => {
      await harness.recharge.open('resume', '500.00');
      await harness.registerNumber('resume', '+4915100000071');
      harness.recharge.faults.arm('licenses.open:after');
      await expect(harness.runMonth('2026-12')).rejects.toThrow();

      const results = await harness.retryAllShards('2026-12-02');

      expect(results).toMatchObject([
        { partnerId: 'resume', outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-resume-1' } },
      ]);
      expect(harness.recharge.successfulCharges('resume').size).toBe(1);
    });

    it('resumes a charge whose answer was lost after the card was charged with the same key, without a second charge', async () => {
      // Prepare
      await harness.recharge.open('lost', '500.00');
      await harness.registerNumber('lost', '+4915100000081');
      harness.recharge.provider.failNext('timeout-after-charge');

      // Act
      const first = await harness.runMonth('2026-12');
      const pending = await harness.licenses.get('lost', DECEMBER);
      const resumed = await harness.retry('lost', '2026-12-02');

      // Assess
      expect(first.results).toMatchObject([{ outcome: 'unknown' }]);
      expect(pending).toMatchObject({
        state: 'pending',
        attemptId: 'lic-2026-12-lost-1',
        lastError: 'sandbox: timed out after the charge',
      });
      expect(resumed).toMatchObject([{ outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-lost-1' } }]);
      expect(harness.recharge.provider.charges.filter((charge) => charge.request.partnerId === 'lost')).toHaveLength(1);
      expect(await harness.licenseInvoices('lost')).toHaveLength(1);
    });

    it('makes one charge for two concurrent runs of the same month', async () => {
      await harness.recharge.open('race', '500.00');
      await harness.registerNumber('race', '+4915100000091');

      await Promise.all([harness.runMonth('2026-12'), harness.runMonth('2026-12')]);

      expect(harness.recharge.successfulCharges('race').size).toBe(1);
      expect(await harness.licenseInvoices('race')).toHaveLength(1);
    });
  });

  describe('Declines', () => {
    it('records a decline, retries it daily, and charges it after a new payment method', async () => {
      // Prepare
      await harness.recharge.open('declined', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await harness.registerNumber('declined', '+4915100000101');
      await harness.registerNumber('declined', '+4915100000102');
      const before = await books('declined');

      // Act and assess: the run's charge is declined and recorded.
      const run = await harness.runMonth('2026-12');
      expect(run.results).toMatchObject([{ outcome: 'declined' }]);
      expect(await harness.licenses.get('declined', DECEMBER)).toMatchObject({
        state: 'declined',
        declineCode: 'generic_decline',
        attemptNumber: 1,
      });
      expect((await harness.recharge.events.ofType('RechargeFailed', 'declined')).map((event) => event.detail)).toEqual(
        [expect.objectContaining({ purpose: 'license-fee', declineCode: 'generic_decline', total: '52.00' })],
      );
      expect(await harness.licenseInvoices('declined')).toEqual([]);

      // The same day's daily run does not try the same card again.
      expect(await harness.retryAllShards('2026-12-01')).toMatchObject([{ outcome: 'retried-today' }]);

      // The next day's daily run finds it on the due list and tries again: declined again.
      expect(await harness.retryAllShards('2026-12-02')).toMatchObject([
        { outcome: 'declined', fee: { attemptId: 'lic-2026-12-declined-2' } },
      ]);

      // A new card: the next daily retry charges it.
      await harness.recharge.setCard('declined', 'pm_card_visa');
      const retried = await harness.retry('declined', '2026-12-03');
      expect(retried).toMatchObject([
        { outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-declined-3', paymentMethod: 'pm_card_visa' } },
      ]);

      expect(harness.recharge.successfulCharges('declined')).toEqual(new Map([['lic-2026-12-declined-3', 5_200]]));
      const [invoice] = await harness.licenseInvoices('declined');
      expect(formatAmount(invoice?.total ?? amount('0.00'))).toBe('52.00');
      expect(await harness.licenses.duePeriods('declined')).toEqual([]);
      expect(await harness.retryAllShards('2026-12-04')).toEqual([]);
      expect(await books('declined')).toEqual(before);
    });

    it('charges a new card at once, even on a day the old one was declined', async () => {
      await harness.recharge.open('new-card', '500.00', { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
      await harness.registerNumber('new-card', '+4915100000111');
      await harness.runMonth('2026-12');
      await harness.recharge.setCard('new-card', 'pm_card_mastercard');

      const retried = await harness.retry('new-card', '2026-12-01');

      expect(retried).toMatchObject([{ outcome: 'succeeded' }]);
      expect(harness.recharge.successfulCharges('new-card').size).toBe(1);
    });

    it('leaves a declined month to the daily retry when a piece of the run is delivered again', async () => {
      await harness.recharge.open('declined-twice', '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await harness.registerNumber('declined-twice', '+4915100000121');
      await harness.runMonth('2026-12');

      await harness.work.enqueue([{ periods: [DECEMBER], shard: shardOf('declined-twice') }]);
      const again = await harness.runPieces();

      expect(again.flatMap((piece) => piece.results)).toMatchObject([{ outcome: 'declined-earlier' }]);
      expect(harness.recharge.provider.charges).toHaveLength(1);
    });

    it('never retries a fee on the card that declined it hard, and charges a new card at once', async () => {
      // Prepare
      await harness.recharge.open('lost', '500.00', { paymentMethod: 'pm_card_chargeDeclinedLostCard' });
      await harness.registerNumber('lost', '+4915100000131');

      // Act
      const run = await harness.runMonth('2026-12');
      const retries = [await harness.retryAllShards('2026-12-02'), await harness.retryAllShards('2026-12-03')];
      harness.at('2026-12-03T09:00:00Z');
      await harness.recharge.setCard('lost', 'pm_card_visa');
      const withNewCard = await harness.retry('lost', '2026-12-04');

      // Assess
      expect(run.results).toMatchObject([{ outcome: 'declined', fee: { declineCode: 'lost_card' } }]);
      expect(retries).toMatchObject([[{ outcome: 'no-chargeable-card' }], [{ outcome: 'no-chargeable-card' }]]);
      expect(harness.recharge.chargesOn('lost', 'pm_card_chargeDeclinedLostCard')).toBe(1);
      expect((await harness.recharge.events.ofType('RechargeFailed', 'lost')).map((event) => event.detail)).toEqual([
        expect.objectContaining({ purpose: 'license-fee', declineCode: 'lost_card', declineKind: 'hard' }),
      ]);
      expect(withNewCard).toMatchObject([
        { outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-lost-2', paymentMethod: 'pm_card_visa' } },
      ]);
    });

    it('marks the card a fee declined hard on the account, so no recharge charges it again', async () => {
      // Prepare
      await harness.recharge.open('fee-lost', '500.00', { paymentMethod: 'pm_card_chargeDeclinedLostCard' });
      await harness.registerNumber('fee-lost', '+4915100000161');

      // Act
      await harness.runMonth('2026-12');
      const recharge = await harness.recharge.recharge('fee-lost', 'daily-run');

      // Assess
      expect((await harness.recharge.ledger.getPartner('fee-lost'))?.cardDeclines.primary).toEqual({
        soft: 0,
        hard: 'lost_card',
      });
      expect(recharge.outcome).toBe('no-chargeable-card');
      expect(harness.recharge.chargesOn('fee-lost', 'pm_card_chargeDeclinedLostCard')).toBe(1);
    });

    it('charges no card a recharge declined hard: the fee goes to the backup card, or waits for a chargeable one', async () => {
      // Prepare: each partner's primary card was declined hard by its opening charge.
      await harness.recharge.open('no-card', '100.00', { paymentMethod: 'pm_card_chargeDeclinedLostCard' });
      await harness.recharge.open('backup', '100.00', { paymentMethod: 'pm_card_chargeDeclinedStolenCard' });
      harness.at('2026-11-30T12:00:00Z');
      await harness.recharge.setCard('backup', 'pm_card_mastercard', 'backup');
      await harness.registerNumber('no-card', '+4915100000151');
      await harness.registerNumber('backup', '+4915100000152');

      // Act
      const run = await harness.runMonth('2026-12');
      const retry = await harness.retry('no-card', '2026-12-02');

      // Assess
      const outcomes = Object.fromEntries(run.results.map((result) => [result.partnerId, result]));
      expect(outcomes['no-card']).toMatchObject({
        outcome: 'no-chargeable-card',
        fee: { state: 'declined', declineCode: 'no_chargeable_card' },
      });
      expect(outcomes.backup).toMatchObject({ outcome: 'succeeded', fee: { paymentMethod: 'pm_card_mastercard' } });
      expect(retry).toMatchObject([{ outcome: 'no-chargeable-card' }]);
      expect(harness.recharge.chargesOn('no-card', 'pm_card_chargeDeclinedLostCard')).toBe(1);
      expect(harness.recharge.chargesOn('backup', 'pm_card_chargeDeclinedStolenCard')).toBe(1);
    });

    it('tries a soft-declining card at most 8 times for a month: the run and 7 daily retries', async () => {
      // Prepare
      await harness.recharge.open('soft', '500.00', { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
      await harness.registerNumber('soft', '+4915100000141');

      // Act: the run, then 9 days of retries.
      await harness.runMonth('2026-12');
      const outcomes = [];
      for (let day = 2; day <= 10; day += 1)
        outcomes.push(...(await harness.retryAllShards(`2026-12-${String(day).padStart(2, '0')}`)));

      // Assess
      expect(harness.recharge.chargesOn('soft', 'pm_card_chargeDeclinedInsufficientFunds')).toBe(8);
      expect(outcomes.map((result) => result.outcome)).toEqual([
        ...Array.from({ length: 7 }, () => 'declined'),
        'retried-today',
        'retried-today',
      ]);
      expect(await harness.licenses.get('soft', DECEMBER)).toMatchObject({
        state: 'declined',
        attemptNumber: 8,
        priorDeclinesOnCard: 7,
      });
      expect(await harness.licenses.duePeriods('soft')).toEqual(['2026-12']);
    });

    it('counts a bank asking for authentication as a decline, and cancels the charge that waits for it', async () => {
      // Prepare
      await harness.recharge.open('sca', '500.00', { paymentMethod: 'pm_card_authenticationRequired' });
      await harness.registerNumber('sca', '+4915100000151');

      // Act
      const run = await harness.runMonth('2026-12');

      // Assess
      expect(run.results).toMatchObject([{ outcome: 'declined', fee: { declineCode: 'authentication_required' } }]);
      const [waiting, ...others] = harness.recharge.provider.charges;
      expect(others).toEqual([]);
      expect(waiting?.result.outcome).toBe('canceled');
      expect(harness.recharge.provider.completeAuthentication(waiting?.chargeId ?? '')).toMatchObject({
        outcome: 'refused',
      });
      expect(await harness.licenseInvoices('sca')).toEqual([]);
    });
  });

  it('finds every licensed partner page by page, once, however many numbers each registered', async () => {
    const partners = Array.from({ length: 30 }, (_, index) => `many-${index}`);
    for (const [index, partnerId] of partners.entries()) {
      await harness.recharge.open(partnerId, '500.00');
      await harness.registerNumber(partnerId, `+49152000${String(index).padStart(3, '0')}1`);
      await harness.registerNumber(partnerId, `+49152000${String(index).padStart(3, '0')}2`);
    }

    const summary = await harness.runMonth('2026-12', { pageSize: 4 });

    expect(summary.counts.succeeded).toBe(30);
    expect(new Set(summary.results.map((result) => result.partnerId))).toEqual(new Set(partners));
    expect(harness.recharge.provider.charges).toHaveLength(30);
  });

  describe('A partner whose fee fails', () => {
    it('charges the other partners of its page and shard, records nothing for it, and charges it when the month runs again after the repair', async () => {
      // Prepare: 6 partners and one whose stored currency has no fee in the schedule, in one shard.
      const others = sameShardAs('gbp', 6);
      for (const [index, partnerId] of [...others, 'gbp'].entries()) {
        await harness.recharge.open(partnerId, '500.00');
        await harness.registerNumber(partnerId, `+49153000000${String(index).padStart(2, '0')}`);
      }
      await storeOnAccount(harness.recharge.table, 'gbp', { currency: 'GBP' });

      // Act: pages of 2, so the failing partner shares a page.
      const run = await harness.runMonth('2026-12', { pageSize: 2 });

      // Assess: everyone else is charged; the failure is the partner's outcome, and no record was written.
      expect(run.counts).toMatchObject({ succeeded: 6, failed: 1 });
      expect(run.results.find((result) => result.partnerId === 'gbp')).toEqual({
        partnerId: 'gbp',
        period: '2026-12',
        outcome: 'failed',
        failure: { partnerId: 'gbp', step: 'license-fee', error: expect.any(RangeError) },
      });
      for (const partnerId of others)
        expect(harness.recharge.successfulCharges(partnerId)).toEqual(new Map([[`lic-2026-12-${partnerId}-1`, 2_600]]));
      expect(await harness.licenses.get('gbp', DECEMBER)).toBeUndefined();
      expect(await harness.runRecord(DECEMBER)).toMatchObject({ state: 'completed', partnersFailed: 1 });

      // Once the account is repaired, running the month again reopens its run and charges only what is left.
      await storeOnAccount(harness.recharge.table, 'gbp', { currency: 'EUR' });
      const again = await harness.runMonth('2026-12', { pageSize: 2 });
      expect(again.start.months).toEqual([{ period: DECEMBER, state: 'reopened' }]);
      expect(again.counts).toMatchObject({ succeeded: 1, 'already-charged': 6, failed: 0 });
      expect(await harness.runRecord(DECEMBER)).toMatchObject({
        state: 'completed',
        reruns: 1,
        partnersCharged: 1,
        partnersFailed: 0,
      });
      expect(harness.recharge.successfulCharges('gbp')).toEqual(new Map([['lic-2026-12-gbp-1', 2_600]]));
      expect(harness.recharge.provider.charges).toHaveLength(7);
    });

    it('leaves a fee the provider refused due: the daily retry tries it every day beside the other due fees, and charges it once the cause is gone', async () => {
      // Prepare: a partner whose requests the provider refuses, and one with a declining card, in one shard.
      const [declined] = sameShardAs('refused', 1) as [string];
      const provider = new RefusingProvider(harness.recharge.provider, 'refused');
      harness.provider = provider;
      await harness.recharge.open('refused', '500.00');
      await harness.recharge.open(declined, '500.00', { paymentMethod: 'pm_card_chargeDeclined' });
      await harness.registerNumber('refused', '+4915300000101');
      await harness.registerNumber(declined, '+4915300000102');

      // Act and assess: the run records the refused fee before the call, so it stays due.
      const run = await harness.runMonth('2026-12');
      expect(run.counts).toMatchObject({ declined: 1, failed: 1 });
      expect(await harness.licenses.get('refused', DECEMBER)).toMatchObject({
        state: 'pending',
        attemptId: 'lic-2026-12-refused-1',
      });

      // The next daily retry fails it again, and still retries the other due fee (with a new card: charged).
      await harness.recharge.setCard(declined, 'pm_card_visa');
      const retried = await harness.retryAllShards('2026-12-02');
      expect(retried).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            partnerId: 'refused',
            outcome: 'failed',
            failure: expect.objectContaining({ step: 'license-fee-retry', error: expect.any(RangeError) }),
          }),
          expect.objectContaining({ partnerId: declined, outcome: 'succeeded' }),
        ]),
      );

      // The cause is gone: the next daily retry resumes the attempt with its key.
      provider.refusing = false;
      expect(await harness.retryAllShards('2026-12-03')).toMatchObject([
        { partnerId: 'refused', outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-refused-1' } },
      ]);
      expect(harness.recharge.successfulCharges('refused')).toEqual(new Map([['lic-2026-12-refused-1', 2_600]]));
    });
  });
});
