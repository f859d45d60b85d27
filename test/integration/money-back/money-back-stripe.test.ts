/**
 * Money that comes back (docs/contract.md §13) end to end with the Stripe adapter and the
 * real Stripe SDK against the fake Stripe: disputes and dashboard refunds reported through
 * the signed webhook, delivered several times and out of order, and operator refunds
 * crashed between the ledger and Stripe and after Stripe answered. Each is booked once,
 * the balance always equals its ledger, and the 7-day rule runs on a chargeback.
 */
import type { MoneyBackDependencies } from '../../../functions/domain/money-back/money-back-dependencies';
import { refundBalance } from '../../../functions/domain/money-back/refund-balance';
import { parseAmount } from '../../../functions/domain/money';
import { wireMoneyBack } from '../../../functions/wiring/money-back';
import type { ApiHarness } from '../../support/api-harness';
import { DailyHarness } from '../../support/daily-harness';
import type { FakeStripeServer } from '../../support/fake-stripe-server';
import { InjectedCrash } from '../../support/fault-switch';
import { MoneyBackBooks } from '../../support/money-back-books';
import type { RechargeHarness } from '../../support/recharge-harness';
import { StripeApiHarness } from '../../support/stripe-api-harness';
import type { WebhookHarness } from '../../support/webhook-harness';

describe('Money back with the Stripe adapter: disputes, refunds, through the signed webhook', () => {
  let recharge: RechargeHarness;
  let fake: FakeStripeServer;
  let stripe: StripeApiHarness;
  let api: ApiHarness;
  let webhook: WebhookHarness;
  let daily: DailyHarness;
  let books: MoneyBackBooks;
  let moneyBack: MoneyBackDependencies;

  beforeAll(async () => {
    // The SDK's own client settings: these flows call Stripe many times, none of them hung.
    stripe = await StripeApiHarness.start({ client: {} });
    ({ recharge, fake, api, webhook } = stripe);
    daily = new DailyHarness(recharge, stripe.provider);
    books = new MoneyBackBooks(recharge.table);
    moneyBack = wireMoneyBack({ ...recharge.wiring, provider: stripe.provider }, recharge.requests);
  });

  afterEach(async () => {
    recharge.faults.disarm();
    await stripe.drainQueues();
  });

  afterAll(async () => {
    await stripe.stop();
  });

  /** A partner opened with nothing left over: its opening charge of 500.00 (520.00 with the fee) is paid at Stripe. */
  async function partnerWithOpeningCharge(partnerId: string): Promise<string> {
    const customer = fake.createCustomer();
    const created = await api.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod: fake.attach('pm_card_visa', customer),
      paymentCustomerId: customer,
      previousInvoiceRemainder: '0.00',
    });
    expect(created).toMatchObject({ status: 201, body: { liveBalance: '500.00' } });
    const [intent] = fake.intents.filter((candidate) => candidate.metadata.partnerId === partnerId);
    if (intent === undefined) throw new Error(`no PaymentIntent for ${partnerId}`);
    return intent.id;
  }

  const lastEvent = (type: string) => {
    const event = fake.eventsOf(type).at(-1);
    if (event === undefined) throw new Error(`Stripe sent no ${type}`);
    return event;
  };

  const deliver = async (event: unknown) => (await webhook.deliverSigned(fake.signedDelivery(event))).body.outcome;

  async function kinds(partnerId: string) {
    return (await books.entries(partnerId)).map((entry) => [entry.kind, entry.amount]);
  }

  it('books a dispute once over three deliveries, blocks the partner 7 days after it went below 0, and a won dispute restores it', async () => {
    // Prepare: 400.00 left of the 500.00 the disputed charge credited.
    const intent = await partnerWithOpeningCharge('mb-1');
    await books.spend('mb-1', '100.00', 'mb-1-usage', recharge.clock.now());
    const dispute = fake.openDispute(intent);
    const opened = lastEvent('charge.dispute.created');

    // Act: the report three times.
    const outcomes = [await deliver(opened), await deliver(opened), await deliver(opened)];

    // Assess: 500.00 taken back once, below 0, the 7-day clock running, the card not charged again.
    expect(outcomes).toEqual(['dispute-open', 'duplicate', 'duplicate']);
    expect(await books.books('mb-1')).toEqual({ liveBalance: -100_000_000, ledgerSum: -100_000_000 });
    expect(await kinds('mb-1')).toContainEqual(['chargeback', -500_000_000]);
    expect(await books.account('mb-1')).toMatchObject({ status: 'overdue' });
    expect(await books.events('mb-1', 'ChargeDisputed')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ disputeId: dispute.id, chargeback: '500.00', liveBalance: '-100.00' }),
      }),
    ]);

    // Act: the daily runs of the following week.
    for (const day of ['2026-11-23', '2026-11-26', '2026-11-29']) await daily.runDay(day);
    const beforeSeventhDay = await books.account('mb-1');
    await daily.runDay('2026-11-30');

    // Assess: blocked by the first run 7 days after the chargeback, not before.
    expect(beforeSeventhDay.status).toBe('overdue');
    expect(await books.account('mb-1')).toMatchObject({ status: 'blocked' });
    expect(fake.intents.filter((candidate) => candidate.metadata.partnerId === 'mb-1')).toHaveLength(1);

    // Act: Stripe rules for us; the closing report, then the opening one again, late.
    fake.moveDispute(dispute.id, 'won');
    const closing = [await deliver(lastEvent('charge.dispute.closed')), await deliver(opened)];

    // Assess: credited back once, unblocked.
    expect(closing).toEqual(['dispute-won', 'duplicate']);
    expect(await books.books('mb-1')).toEqual({ liveBalance: 400_000_000, ledgerSum: 400_000_000 });
    expect(await books.account('mb-1')).toMatchObject({ status: 'active' });
    expect(await books.events('mb-1', 'PartnerUnblocked')).toHaveLength(1);
    expect(await books.events('mb-1', 'DisputeClosed')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ status: 'won', creditedBack: '500.00' }) }),
    ]);
  });

  it('books a dispute first reported lost as its chargeback, and the late opening report changes nothing', async () => {
    // Prepare: the dispute is opened and lost at Stripe before any report arrives.
    const intent = await partnerWithOpeningCharge('mb-2');
    const dispute = fake.openDispute(intent);
    const opened = lastEvent('charge.dispute.created');
    fake.moveDispute(dispute.id, 'lost');

    // Act: the newer report first.
    const outcomes = [await deliver(lastEvent('charge.dispute.closed')), await deliver(opened)];

    // Assess
    expect(outcomes).toEqual(['dispute-open+lost', 'dispute-unchanged']);
    expect((await kinds('mb-2')).sort()).toEqual([
      ['chargeback', -500_000_000],
      ['opening', 0],
      ['recharge', 500_000_000],
    ]);
    expect(await books.books('mb-2')).toEqual({ liveBalance: 0, ledgerSum: 0 });
  });

  it('refuses a forged and a stale delivery of a dispute with 400 and changes nothing', async () => {
    // Prepare
    const intent = await partnerWithOpeningCharge('mb-3');
    fake.openDispute(intent);
    const opened = lastEvent('charge.dispute.created');
    const now = Math.floor(recharge.clock.now().getTime() / 1000);

    // Act
    const forged = await webhook.deliverSigned(fake.signedDelivery(opened, { secret: 'whsec_not_the_endpoints' }));
    const stale = await webhook.deliverSigned(fake.signedDelivery(opened, { timestamp: now - 301 }));

    // Assess
    expect([forged.status, stale.status]).toEqual([400, 400]);
    expect(await books.books('mb-3')).toEqual({ liveBalance: 500_000_000, ledgerSum: 500_000_000 });
    expect(await deliver(opened)).toBe('dispute-open');
  });

  it('books a refund made in the dashboard once, credit first, however often it is reported', async () => {
    // Prepare: 100.00 of the 520.00 charge refunded at Stripe.
    const intent = await partnerWithOpeningCharge('mb-4');
    const refund = fake.refundFromDashboard(intent, 100_00);
    const reported = lastEvent('charge.refunded');

    // Act
    const outcomes = [await deliver(reported), await deliver(reported), await deliver(reported)];

    // Assess
    expect(outcomes).toEqual(['refunds-booked', 'duplicate', 'duplicate']);
    expect(await kinds('mb-4')).toContainEqual(['refund', -100_000_000]);
    expect(await books.books('mb-4')).toEqual({ liveBalance: 400_000_000, ledgerSum: 400_000_000 });
    expect(await books.events('mb-4', 'ChargeRefunded')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ refundId: refund.id, debited: '100.00' }) }),
    ]);
  });

  it('pays an operator refund once when it dies between the ledger and Stripe, and once when the answer is lost', async () => {
    // Prepare: two partners, each with 500.00 from one charge.
    const before = await partnerWithOpeningCharge('mb-5');
    const after = await partnerWithOpeningCharge('mb-6');

    // Act: one dies before Stripe is called, one after Stripe refunded; each is then asked again.
    recharge.faults.arm('providerMoneyBack.refund:before');
    await expect(
      refundBalance({ partnerId: 'mb-5', amount: parseAmount('120.00'), reference: 'r-1' }, moneyBack),
    ).rejects.toBeInstanceOf(InjectedCrash);
    const debitedBeforeStripe = await books.books('mb-5');
    recharge.faults.arm('providerMoneyBack.refund:after');
    await expect(
      refundBalance({ partnerId: 'mb-6', amount: parseAmount('120.00'), reference: 'r-1' }, moneyBack),
    ).rejects.toBeInstanceOf(InjectedCrash);
    const again = [
      await refundBalance({ partnerId: 'mb-5', amount: parseAmount('120.00'), reference: 'r-1' }, moneyBack),
      await refundBalance({ partnerId: 'mb-6', amount: parseAmount('120.00'), reference: 'r-1' }, moneyBack),
    ];

    // Assess: the debit was booked before any money left; each charge refunded 120.00 once, debited once.
    expect(debitedBeforeStripe).toEqual({ liveBalance: 380_000_000, ledgerSum: 380_000_000 });
    for (const [partnerId, intent] of [
      ['mb-5', before],
      ['mb-6', after],
    ] as const) {
      expect(fake.refunds.filter((refund) => refund.payment_intent === intent).map((refund) => refund.amount)).toEqual([
        120_00,
      ]);
      expect(await books.books(partnerId)).toEqual({ liveBalance: 380_000_000, ledgerSum: 380_000_000 });
      expect(await books.events(partnerId, 'RefundIssued')).toHaveLength(1);
      expect((await books.account(partnerId)).refundInFlight).toBeUndefined();
    }
    expect(again.map((result) => result.kind === 'refund' && [result.created, result.refund.state])).toEqual([
      [false, 'done'],
      [false, 'done'],
    ]);

    // Act: Stripe reports the operator's refund.
    const outcome = await deliver(lastEvent('charge.refunded'));

    // Assess: it was booked before it was sent: nothing more.
    expect(outcome).toBe('refunds-nothing-new');
    expect(await books.books('mb-6')).toEqual({ liveBalance: 380_000_000, ledgerSum: 380_000_000 });
  });

  it('finishes an operator refund whose answer was lost at the next daily run, paying it once', async () => {
    // Prepare: Stripe refunded, the answer never came back, nobody asks again.
    const intent = await partnerWithOpeningCharge('mb-7');
    recharge.faults.arm('providerMoneyBack.refund:after');
    await expect(
      refundBalance({ partnerId: 'mb-7', amount: parseAmount('50.00'), reference: 'r-7' }, moneyBack),
    ).rejects.toBeInstanceOf(InjectedCrash);
    const open = await books.account('mb-7');

    // Act
    await daily.runDay('2026-12-01');

    // Assess
    expect(open.refundInFlight).toBe('r-7');
    expect(fake.refunds.filter((refund) => refund.payment_intent === intent).map((refund) => refund.amount)).toEqual([
      50_00,
    ]);
    expect(await books.account('mb-7')).toMatchObject({ liveBalance: 450_000_000 });
    expect((await books.account('mb-7')).refundInFlight).toBeUndefined();
    expect(await books.events('mb-7', 'RefundIssued')).toHaveLength(1);
  });
});
