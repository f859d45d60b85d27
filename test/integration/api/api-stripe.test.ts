/**
 * The API's card routes and the webhook endpoint with the Stripe adapter and the real
 * Stripe SDK against the fake Stripe (test/support/fake-stripe-server.ts), which refuses
 * what Stripe refuses: a card saved to another customer, or to none, is a 422 before
 * anything is stored; a setup page is Stripe Checkout's; an authentication completed at
 * Stripe credits the balance once, through the signed webhook.
 */
import type { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import { rechargePartner } from '../../../functions/domain/recharge/recharge-partner';
import type { ApiHarness } from '../../support/api-harness';
import type { FakeStripeServer } from '../../support/fake-stripe-server';
import type { RechargeHarness } from '../../support/recharge-harness';
import { StripeApiHarness } from '../../support/stripe-api-harness';
import type { WebhookHarness } from '../../support/webhook-harness';

const PROBLEM = 'urn:prepaid-billing:problem:';

describe('Handler: api and stripe-webhook, with the Stripe adapter', () => {
  let recharge: RechargeHarness;
  let fake: FakeStripeServer;
  let stripe: StripeApiHarness;
  let api: ApiHarness;
  let webhook: WebhookHarness;
  let provider: StripePaymentProvider;

  beforeAll(async () => {
    stripe = await StripeApiHarness.start();
    ({ recharge, fake, api, webhook, provider } = stripe);
  });

  afterEach(async () => {
    await stripe.drainQueues();
  });

  afterAll(async () => {
    await stripe.stop();
  });

  const createPartner = (partnerId: string, customerId: string, paymentMethod: string, extra = {}) =>
    api.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod,
      paymentCustomerId: customerId,
      previousInvoiceRemainder: '600.00',
      ...extra,
    });

  it('refuses a card saved to another customer with 422, naming both customers, and creates nothing', async () => {
    // Prepare: customer A's card, put for customer B.
    const customerA = fake.createCustomer();
    const customerB = fake.createCustomer();
    const cardOfA = fake.attach('pm_card_visa', customerA);

    // Act
    const response = await createPartner('st-1', customerB, cardOfA);

    // Assess
    expect(response).toMatchObject({
      status: 422,
      contentType: 'application/problem+json',
      body: { type: `${PROBLEM}payment-method-refused` },
    });
    expect(response.body.detail).toBe(
      `paymentMethod was refused by the card provider (other-customer): payment method ${cardOfA} is saved to customer ${customerA}, not ${customerB}`,
    );
    expect((await api.call('GET', '/partners/st-1')).status).toBe(404);
    expect(fake.intents).toEqual([]);
  });

  it('refuses a create without a customer with 400 before asking Stripe', async () => {
    const requests = fake.requests.length;

    const response = await api.call('POST', '/partners', {
      partnerId: 'st-2',
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
    });

    expect(response).toMatchObject({ status: 400, body: { type: `${PROBLEM}customer-required` } });
    expect(fake.requests).toHaveLength(requests);
  });

  it("refuses a new card of another customer on PUT with 422 and keeps the partner's card", async () => {
    // Prepare
    const customer = fake.createCustomer();
    const card = fake.attach('pm_card_visa', customer);
    await createPartner('st-3', customer, card);
    const stranger = fake.attach('pm_card_mastercard', fake.createCustomer());

    // Act
    const refused = await api.call('PUT', '/partners/st-3/payment-method', { paymentMethod: stranger });
    const backup = await api.call('PUT', '/partners/st-3/payment-method', {
      paymentMethod: fake.attach('pm_card_mastercard', customer),
      role: 'backup',
    });

    // Assess
    expect(refused).toMatchObject({ status: 422, body: { type: `${PROBLEM}payment-method-refused` } });
    expect(refused.body.detail).toContain('(other-customer)');
    expect(backup).toMatchObject({ status: 200, body: { paymentMethod: card, cards: { backup: { retriesLeft: 8 } } } });
  });

  it('answers 503 and stores nothing when Stripe does not answer the card check in time', async () => {
    // Prepare
    const customer = fake.createCustomer();
    const card = fake.attach('pm_card_visa', customer);
    fake.failNext(1, 'timeout-before-charge', { method: 'GET', path: /^\/v1\/payment_methods\// });

    // Act
    const response = await createPartner('st-4', customer, card);

    // Assess
    expect(response).toMatchObject({ status: 503, body: { type: `${PROBLEM}provider-unavailable` } });
    expect((await api.call('GET', '/partners/st-4')).status).toBe(404);
  });

  it('answers 202 and queues the opening charge when Stripe does not answer it in time, charging once in the end', async () => {
    // Prepare
    const customer = fake.createCustomer();
    const card = fake.attach('pm_card_visa', customer);
    fake.failNext(1, 'timeout-after-charge', { method: 'POST', path: '/v1/payment_intents' });

    // Act
    const response = await createPartner('st-5', customer, card, { previousInvoiceRemainder: '0.00' });
    // The recharge function takes the request: the open attempt, resumed with its key.
    const resumed = await rechargePartner('st-5', 'opening', { ...recharge.deps, provider });

    // Assess
    expect(response).toMatchObject({
      status: 202,
      body: { openingCharge: { outcome: 'unknown', state: 'pending' }, chargeInFlight: { state: 'pending' } },
    });
    expect(await api.queuedRequests()).toEqual([
      { partnerId: 'st-5', trigger: 'opening', requestedAt: recharge.clock.now().toISOString() },
    ]);
    expect(resumed.outcome).toBe('succeeded');
    expect(fake.charges.filter((intent) => intent.metadata.partnerId === 'st-5')).toHaveLength(1);
  });

  it("answers a Stripe Checkout page in setup mode for the partner's customer", async () => {
    const customer = fake.createCustomer();
    await createPartner('st-6', customer, fake.attach('pm_card_visa', customer));

    const response = await api.call('POST', '/partners/st-6/payment-method/setup', { role: 'backup' });

    expect(response).toMatchObject({ status: 201, body: { role: 'backup' } });
    expect(String(response.body.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_/);
    const created = fake.requests.filter((request) => request.path === '/v1/checkout/sessions').at(-1);
    expect(created?.params).toMatchObject({ mode: 'setup', customer, 'metadata[role]': 'backup' });
  });

  it('saves the card of a completed setup page through the webhook, once', async () => {
    // Prepare
    const customer = fake.createCustomer();
    await createPartner('st-7', customer, fake.attach('pm_card_visa', customer));
    const page = await api.call('POST', '/partners/st-7/payment-method/setup', {});
    const { paymentMethod } = fake.completeSetupSession(String(page.body.sessionId), 'pm_card_mastercard');
    const completed = fake
      .eventsOf('checkout.session.completed')
      .find((event) => (event.data.object as { id: string }).id === page.body.sessionId);

    // Act
    const answers = [
      await webhook.deliverSigned(fake.signedDelivery(completed)),
      await webhook.deliverSigned(fake.signedDelivery(completed)),
    ];

    // Assess
    expect(answers.map(({ status, body }) => [status, body.outcome])).toEqual([
      [200, 'card-set'],
      [200, 'duplicate'],
    ]);
    expect((await api.call('GET', '/partners/st-7')).body).toMatchObject({
      paymentMethod,
      paymentCustomerId: customer,
    });
  });

  it('credits once a charge the cardholder authenticated at Stripe, however often and in whatever order Stripe reports it', async () => {
    // Prepare: the opening charge waits for the bank's page; the cardholder completes it.
    const customer = fake.createCustomer();
    const created = await createPartner('st-8', customer, fake.attach('pm_card_authenticationRequired', customer), {
      previousInvoiceRemainder: '0.00',
    });
    const intent = fake.intents.find((candidate) => candidate.metadata.partnerId === 'st-8');
    if (intent === undefined) throw new Error('no payment intent for st-8');
    fake.completeAuthentication(intent.id, 'succeed');
    const reports = fake.events.filter((event) => (event.data.object as { id?: string }).id === intent.id);

    // Act: every report of the intent, newest first, three times.
    const answers = [];
    for (const report of [...reports].reverse().concat(reports, reports))
      answers.push(await webhook.deliverSigned(fake.signedDelivery(report)));

    // Assess
    expect(created.body).toMatchObject({ openingCharge: { outcome: 'action-required', state: 'action-required' } });
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.filter((answer) => answer.body.outcome === 'succeeded')).toHaveLength(1);
    expect((await api.call('GET', '/partners/st-8/balance')).body).toMatchObject({ liveBalance: '500.00' });
    expect(await recharge.invoices('st-8')).toHaveLength(1);
  });

  it('refuses a delivery Stripe signed more than 5 minutes before it arrived', async () => {
    const event = fake.events.at(-1);
    const signedAt = Math.floor(recharge.clock.now().getTime() / 1000) - 301;

    const answer = await webhook.deliverSigned(fake.signedDelivery(event, { timestamp: signedAt }));

    expect(answer).toMatchObject({ status: 400, body: { type: `${PROBLEM}webhook-signature-refused` } });
    expect(answer.body.detail).toContain('stale');
  });
});
