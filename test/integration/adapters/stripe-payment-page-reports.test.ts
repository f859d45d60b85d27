/**
 * A top-up's payment page (Stripe Checkout in payment mode) as the webhook hears of it, with
 * the Stripe adapter and the real SDK against the fake Stripe. The attempt keeps the
 * session as its provider charge while it waits, so every report of it, the PaymentIntent's
 * or the session's, in any order, is settled by asking the session where it stands: paid
 * (credited once, invoiced with the PaymentIntent), still open after a declined card, or
 * expired. A page whose answer was lost is the same page when the top-up is asked again.
 */
import type { ApiHarness } from '../../support/api-harness';
import type { FakeEvent, FakeStripeServer } from '../../support/fake-stripe-server';
import type { RechargeHarness } from '../../support/recharge-harness';
import { StripeApiHarness } from '../../support/stripe-api-harness';
import type { WebhookHarness } from '../../support/webhook-harness';

const MINUTE_MS = 60 * 1000;

describe('Stripe payment pages reported to the webhook', () => {
  let recharge: RechargeHarness;
  let fake: FakeStripeServer;
  let stripe: StripeApiHarness;
  let api: ApiHarness;
  let webhook: WebhookHarness;

  beforeAll(async () => {
    stripe = await StripeApiHarness.start();
    ({ recharge, fake, api, webhook } = stripe);
  });

  afterEach(async () => {
    await stripe.drainQueues();
  });

  afterAll(async () => {
    await stripe.stop();
  });

  /** A partner of its own customer opening with 600.00, and its top-up of 400.00 (416.00 with the fee) on a page. */
  const pageOf = async (partnerId: string) => {
    const customer = fake.createCustomer();
    const created = await api.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod: fake.attach('pm_card_visa', customer),
      paymentCustomerId: customer,
      previousInvoiceRemainder: '600.00',
    });
    if (created.status !== 201) throw new Error(`${partnerId} not created: ${JSON.stringify(created.body)}`);
    const page = await topUp(partnerId);
    const sessionId = fake.checkoutSessions.find((session) => session.metadata.partnerId === partnerId)?.id;
    if (page.status !== 201 || sessionId === undefined) throw new Error(`no page: ${JSON.stringify(page.body)}`);
    return { page, sessionId };
  };

  const topUp = (partnerId: string) =>
    api.call('POST', `/partners/${partnerId}/top-ups`, { amount: '400.00', reference: 'order-1', checkout: true });

  const liveBalance = async (partnerId: string) =>
    (await api.call('GET', `/partners/${partnerId}/balance`)).body.liveBalance;

  /** The last event of `type` about the object `id`. */
  const lastEvent = (type: string, id: string): FakeEvent => {
    const event = fake
      .eventsOf(type)
      .filter((candidate) => (candidate.data.object as { id: string }).id === id)
      .at(-1);
    if (event === undefined) throw new Error(`no ${type} of ${id}`);
    return event;
  };

  const deliver = async (event: FakeEvent) => {
    const answer = await webhook.deliverSigned(fake.signedDelivery(event));
    return [answer.status, answer.body.outcome];
  };

  it("credits the page once when the PaymentIntent's report comes before the session's, asking the session the attempt keeps, and invoices the PaymentIntent", async () => {
    // Prepare
    const { sessionId } = await pageOf('pr-1');
    const paid = fake.payCheckoutSession(sessionId);

    // Act
    const answers = [
      await deliver(lastEvent('payment_intent.succeeded', paid.paymentIntent)),
      await deliver(lastEvent('checkout.session.completed', sessionId)),
    ];

    // Assess
    expect(answers).toEqual([
      [200, 'succeeded'],
      [200, 'attempt-closed'],
    ]);
    expect(await liveBalance('pr-1')).toBe('1000.00');
    expect(await recharge.invoices('pr-1')).toEqual([
      expect.objectContaining({ providerChargeId: paid.paymentIntent }),
    ]);
    expect(fake.requests.filter((request) => request.path === `/v1/checkout/sessions/${sessionId}`)).toHaveLength(1);
  });

  it('keeps the top-up waiting on its page when a card is declined there, and credits it once another card pays', async () => {
    // Prepare
    const { page, sessionId } = await pageOf('pr-2');
    const declined = fake.payCheckoutSession(sessionId, 'pm_card_chargeDeclined');

    // Act
    const afterDecline = await deliver(lastEvent('payment_intent.payment_failed', declined.paymentIntent));
    fake.payCheckoutSession(sessionId, 'pm_card_mastercard');
    const afterPayment = await deliver(lastEvent('checkout.session.completed', sessionId));

    // Assess
    expect(afterDecline).toEqual([200, 'action-required']);
    expect(afterPayment).toEqual([200, 'succeeded']);
    expect(page.body).toMatchObject({ state: 'action-required', actionUrl: expect.stringContaining(sessionId) });
    expect(await liveBalance('pr-2')).toBe('1000.00');
  });

  it('answers the same page when the top-up is asked again minutes after the answer that opened it was lost', async () => {
    // Prepare: Stripe opens the page, but its answer never comes back.
    const customer = fake.createCustomer();
    await api.call('POST', '/partners', {
      partnerId: 'pr-3',
      currency: 'EUR',
      paymentMethod: fake.attach('pm_card_visa', customer),
      paymentCustomerId: customer,
      previousInvoiceRemainder: '600.00',
    });
    fake.failNext(1, 'timeout-after-charge', { method: 'POST', path: '/v1/checkout/sessions' });
    const lost = await topUp('pr-3');
    recharge.clock.set(new Date(recharge.clock.now().getTime() + 5 * MINUTE_MS));

    // Act
    const repeated = await topUp('pr-3');

    // Assess
    const sessions = fake.checkoutSessions.filter((session) => session.customer === customer);
    expect(lost.status).toBe(202);
    expect(sessions).toHaveLength(1);
    expect(repeated).toMatchObject({ body: { state: 'action-required', actionUrl: sessions[0]?.url } });
  });
});
