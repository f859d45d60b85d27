/**
 * A license fee resumed after Stripe forgot its idempotency key (24 hours) is charged once:
 * the monthly run and the daily retry against the real Stripe adapter and SDK, pointed at
 * the fake Stripe, on one pinned clock.
 */
import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import { parseMonth } from '../../../functions/domain/month';
import { FakeStripeServer } from '../../support/fake-stripe-server';
import { LicenseHarness } from '../../support/license-harness';

const DECEMBER = parseMonth('2026-12');
const CUSTOMER = 'cus_licensed';
const PAGES = { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' };
/** Short enough for a lost answer to be given up quickly (the SDK's retries included), long enough for a local one. */
const TIMEOUT_MS = 400;
/** Every try of the SDK (the first and its 2 retries) is carried out, and its answer lost. */
const LOST_ANSWERS = 3;

describe('Use case: monthly license fees, past Stripe idempotency key expiry', () => {
  let harness: LicenseHarness;
  let fake: FakeStripeServer;

  beforeEach(async () => {
    harness = await LicenseHarness.start();
    fake = await FakeStripeServer.start({ clock: harness.recharge.clock });
    harness.provider = new StripePaymentProvider(
      createStripeClient({
        apiKey: 'sk_test_fake',
        host: '127.0.0.1',
        port: fake.port,
        protocol: 'http',
        timeoutMs: TIMEOUT_MS,
      }),
      PAGES,
      harness.recharge.clock,
    );
    harness.at('2026-11-10T09:00:00Z');
    fake.createCustomer(CUSTOMER);
  });

  afterEach(async () => {
    await fake.close();
    await harness.stop();
  });

  /** A licensed partner with one number and a card of `token` saved to its Stripe customer. */
  async function licensed(partnerId: string, token: string): Promise<string> {
    await harness.recharge.open(partnerId, '500.00');
    const paymentMethod = fake.attach(token, CUSTOMER);
    await harness.recharge.ledger.setCard({
      partnerId,
      role: 'primary',
      paymentMethod,
      paymentCustomerId: CUSTOMER,
      at: harness.recharge.clock.now(),
    });
    await harness.registerNumber(partnerId, '+4915100000001');
    return paymentMethod;
  }

  /** POSTs that would create a PaymentIntent, made after request number `from`. */
  const createsSince = (from: number) =>
    fake.requests.slice(from).filter((request) => request.method === 'POST' && request.path === '/v1/payment_intents');

  it('charges the month once when its lost answer is resumed by the next daily run, after Stripe forgot the key', async () => {
    // Prepare: the run's charge is made, every answer to it is lost; Stripe forgets the key.
    await licensed('expired', 'pm_card_visa');
    fake.failNext(LOST_ANSWERS, 'timeout-after-charge', { method: 'POST', path: '/v1/payment_intents' });
    const run = await harness.runMonth('2026-12');
    const pending = await harness.licenses.get('expired', DECEMBER);
    fake.expireIdempotencyKeys();
    const before = fake.requests.length;

    // Act: 24 hours after the attempt opened.
    const retried = await harness.retry('expired', '2026-12-02');

    // Assess
    expect(run.results).toMatchObject([{ outcome: 'unknown' }]);
    expect(pending).toMatchObject({
      state: 'pending',
      attemptId: 'lic-2026-12-expired-1',
      openedAt: new Date('2026-12-01T00:00:00Z'),
    });
    expect(retried).toMatchObject([{ outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-expired-1' } }]);
    expect(fake.intents).toHaveLength(1);
    expect(fake.charges.map((intent) => [intent.amount, intent.metadata.attemptId])).toEqual([
      [2_600, 'lic-2026-12-expired-1'],
    ]);
    // The attempt was looked up, not sent again.
    expect(createsSince(before)).toEqual([]);
    const [invoice, ...others] = await harness.licenseInvoices('expired');
    expect(others).toEqual([]);
    expect(invoice?.providerChargeId).toBe(fake.charges[0]?.id);
    expect(await harness.recharge.events.ofType('RechargeSucceeded', 'expired')).toHaveLength(1);
    expect(await harness.licenses.duePeriods('expired')).toEqual([]);
  });

  it('charges a retry of a declined month once when it is resumed after Stripe forgot its key', async () => {
    // Prepare: Dec 1 declines; Dec 2 the partner's new card is charged and every answer is lost; Stripe forgets the key.
    await licensed('retried', 'pm_card_chargeDeclined');
    const declined = await harness.runMonth('2026-12');
    harness.at('2026-12-01T18:00:00Z');
    const card = fake.attach('pm_card_visa', CUSTOMER);
    await harness.recharge.ledger.setCard({
      partnerId: 'retried',
      role: 'primary',
      paymentMethod: card,
      paymentCustomerId: CUSTOMER,
      at: harness.recharge.clock.now(),
    });
    fake.failNext(LOST_ANSWERS, 'timeout-after-charge', { method: 'POST', path: '/v1/payment_intents' });
    const lost = await harness.retry('retried', '2026-12-02');
    fake.expireIdempotencyKeys();
    const before = fake.requests.length;

    // Act
    const resumed = await harness.retry('retried', '2026-12-03');

    // Assess
    expect(declined.results).toMatchObject([{ outcome: 'declined' }]);
    expect(lost).toMatchObject([
      { outcome: 'unknown', fee: { attemptId: 'lic-2026-12-retried-2', openedAt: new Date('2026-12-02T00:00:00Z') } },
    ]);
    expect(resumed).toMatchObject([{ outcome: 'succeeded', fee: { attemptId: 'lic-2026-12-retried-2' } }]);
    expect(createsSince(before)).toEqual([]);
    expect(fake.charges.map((intent) => [intent.payment_method, intent.metadata.attemptId])).toEqual([
      [card, 'lic-2026-12-retried-2'],
    ]);
    expect(await harness.licenseInvoices('retried')).toHaveLength(1);
  });
});
