/**
 * A partner's own top-ups (docs/contract.md §14) through the API and the webhook, with the
 * Stripe adapter and the real Stripe SDK against the fake Stripe: the saved card charged
 * once per reference across a crash after Stripe answered, a repeat and Stripe forgetting
 * the key; a decline answered 402 with nothing credited; a charge Stripe leaves unclear
 * handed to the recharge queue; one charge in flight per partner; and the payment page,
 * credited once however often Stripe reports it paid, and changing nothing once it lapses.
 */
import type { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import { rechargePartner } from '../../../functions/domain/recharge/recharge-partner';
import type { ApiHarness } from '../../support/api-harness';
import type { FakeStripeServer } from '../../support/fake-stripe-server';
import type { RechargeHarness } from '../../support/recharge-harness';
import { StripeApiHarness } from '../../support/stripe-api-harness';
import type { WebhookHarness } from '../../support/webhook-harness';

const PROBLEM = 'urn:prepaid-billing:problem:';
const DAY_MS = 24 * 3600 * 1000;

describe('Route: POST /partners/{partnerId}/top-ups, with the Stripe adapter', () => {
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
    recharge.faults.disarm();
    await stripe.drainQueues();
  });

  afterAll(async () => {
    await stripe.stop();
  });

  /** A partner of its own customer, opening with 600.00 (no opening charge), its card made from `token`. */
  const createPartner = async (partnerId: string, token = 'pm_card_visa') => {
    const customer = fake.createCustomer();
    const created = await api.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod: fake.attach(token, customer),
      paymentCustomerId: customer,
      previousInvoiceRemainder: '600.00',
    });
    if (created.status !== 201) throw new Error(`${partnerId} not created: ${JSON.stringify(created.body)}`);
    return customer;
  };

  const topUp = (partnerId: string, body: Record<string, unknown>) =>
    api.call('POST', `/partners/${partnerId}/top-ups`, body);
  const liveBalance = async (partnerId: string) =>
    (await api.call('GET', `/partners/${partnerId}/balance`)).body.liveBalance;
  const paidIntents = (partnerId: string) => fake.charges.filter((intent) => intent.metadata.partnerId === partnerId);

  it('charges the saved card once across a crash after Stripe answered and a repeat, crediting and invoicing the top-up', async () => {
    // Prepare
    await createPartner('tu-1');
    recharge.faults.arm('provider.charge:after');

    // Act
    const crashed = await topUp('tu-1', { amount: '250.00', reference: 'order-1' });
    const repeated = await topUp('tu-1', { amount: '250.00', reference: 'order-1' });
    const again = await topUp('tu-1', { amount: '250.00', reference: 'order-1' });

    // Assess
    expect(crashed.status).toBe(500);
    expect(repeated).toMatchObject({
      status: 200,
      body: {
        partnerId: 'tu-1',
        reference: 'order-1',
        amount: '250.00',
        fee: '10.00',
        total: '260.00',
        checkout: false,
        state: 'succeeded',
        liveBalance: '850.00',
      },
    });
    expect(again).toMatchObject({ status: 200, body: { state: 'succeeded', liveBalance: '850.00' } });
    expect(paidIntents('tu-1').map((intent) => intent.amount)).toEqual([26_000]);
    const invoices = await api.call('GET', '/partners/tu-1/invoices');
    expect(invoices.body.items).toEqual([
      expect.objectContaining({
        invoiceId: repeated.body.invoiceId,
        total: '260.00',
        lines: [
          { kind: 'top-up', description: 'Prepaid balance top-up', amount: '250.00' },
          { kind: 'card-fee', description: 'Card fee (4%)', amount: '10.00' },
        ],
      }),
    ]);
    const ledger = await api.call('GET', '/partners/tu-1/ledger');
    expect((ledger.body.items as { kind: string }[]).filter((entry) => entry.kind === 'top-up')).toEqual([
      expect.objectContaining({ amount: '250.00', memo: 'card top-up' }),
    ]);
    expect(await recharge.events.ofType('TopUpSucceeded', 'tu-1')).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ reference: 'order-1', credit: '250.00', total: '260.00' }),
      }),
    ]);
    expect(await recharge.events.ofType('RechargeSucceeded', 'tu-1')).toEqual([]);
  });

  it('charges once when the repeat comes a day after the crash, once Stripe has forgotten the idempotency key', async () => {
    // Prepare
    await createPartner('tu-2');
    recharge.faults.arm('provider.charge:after');
    await topUp('tu-2', { amount: '100.00', reference: 'order-2' });
    fake.expireIdempotencyKeys();
    recharge.clock.set(new Date(recharge.clock.now().getTime() + DAY_MS + 3600 * 1000));

    // Act
    const repeated = await topUp('tu-2', { amount: '100.00', reference: 'order-2' });

    // Assess
    expect(repeated).toMatchObject({ status: 200, body: { state: 'succeeded', liveBalance: '700.00' } });
    expect(paidIntents('tu-2')).toHaveLength(1);
  });

  it('answers a decline with 402 and its decline code, credits nothing, and answers a repeat the same', async () => {
    // Prepare
    await createPartner('tu-3', 'pm_card_chargeDeclined');

    // Act
    const declined = await topUp('tu-3', { amount: '50.00', reference: 'order-3' });
    const repeated = await topUp('tu-3', { amount: '50.00', reference: 'order-3' });

    // Assess
    for (const answer of [declined, repeated])
      expect(answer).toMatchObject({
        status: 402,
        contentType: 'application/problem+json',
        body: { type: `${PROBLEM}card-declined`, declineCode: 'generic_decline' },
      });
    expect(await liveBalance('tu-3')).toBe('600.00');
    expect((await api.call('GET', '/partners/tu-3/invoices')).body.items).toEqual([]);
    expect(await recharge.events.ofType('TopUpFailed', 'tu-3')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ declineCode: 'generic_decline', credit: '50.00' }) }),
    ]);
    expect((await api.call('GET', '/partners/tu-3')).body).toMatchObject({ cards: { primary: { softDeclines: 1 } } });
  });

  it('hands a charge Stripe does not answer in time to the recharge queue with 202, and charges it once there', async () => {
    // Prepare
    await createPartner('tu-4');
    fake.failNext(1, 'timeout-after-charge', { method: 'POST', path: '/v1/payment_intents' });

    // Act
    const unclear = await topUp('tu-4', { amount: '80.00', reference: 'order-4' });
    const queued = await api.queuedRequests();
    // The recharge function takes the request: the top-up's open attempt, resumed with its key.
    const resumed = await rechargePartner('tu-4', 'top-up', { ...recharge.deps, provider });

    // Assess
    expect(unclear).toMatchObject({ status: 202, body: { state: 'pending', liveBalance: '600.00' } });
    expect(queued).toEqual([{ partnerId: 'tu-4', trigger: 'top-up', requestedAt: recharge.clock.now().toISOString() }]);
    expect(resumed.outcome).toBe('succeeded');
    expect(await liveBalance('tu-4')).toBe('680.00');
    expect(paidIntents('tu-4')).toHaveLength(1);
  });

  it('keeps one charge in flight: a top-up waiting for authentication refuses another with 409, and a recharge only asks about it', async () => {
    // Prepare
    await createPartner('tu-5', 'pm_card_authenticationRequired');

    // Act
    const waiting = await topUp('tu-5', { amount: '200.00', reference: 'order-5' });
    const second = await topUp('tu-5', { amount: '20.00', reference: 'order-6' });
    const automatic = await rechargePartner('tu-5', 'daily-run', { ...recharge.deps, provider });

    // Assess
    expect(waiting).toMatchObject({ status: 201, body: { state: 'action-required' } });
    expect(String(waiting.body.actionUrl)).toMatch(/^https?:\/\//);
    expect(second).toMatchObject({ status: 409, body: { type: `${PROBLEM}charge-in-progress` } });
    expect(second.body.detail).toContain(String(waiting.body.attemptId));
    expect(automatic).toMatchObject({ outcome: 'action-required', attempt: { attemptId: waiting.body.attemptId } });
    expect(fake.intents.filter((intent) => intent.metadata.partnerId === 'tu-5')).toHaveLength(1);
  });

  it('refuses a reference used for another amount or the other way of paying with 409, and amounts outside the bounds with 400', async () => {
    // Prepare
    await createPartner('tu-6');
    await topUp('tu-6', { amount: '30.00', reference: 'order-7' });

    // Act
    const otherAmount = await topUp('tu-6', { amount: '31.00', reference: 'order-7' });
    const otherWay = await topUp('tu-6', { amount: '30.00', reference: 'order-7', checkout: true });
    const tooSmall = await topUp('tu-6', { amount: '9.99', reference: 'order-8' });
    const tooLarge = await topUp('tu-6', { amount: '100000.01', reference: 'order-9' });

    // Assess
    expect(otherAmount).toMatchObject({ status: 409, body: { type: `${PROBLEM}reference-conflict` } });
    expect(otherAmount.body.detail).toBe(
      'top-up "order-7" was asked for as 30.00 on the saved card, not 31.00 on the saved card; a reference is used for one top-up only',
    );
    expect(otherWay).toMatchObject({ status: 409, body: { type: `${PROBLEM}reference-conflict` } });
    for (const refused of [tooSmall, tooLarge])
      expect(refused).toMatchObject({ status: 400, body: { type: `${PROBLEM}top-up-out-of-range` } });
    expect(tooSmall.body.detail).toBe('a top-up of 9.99 is outside what a top-up may credit: 10.00 to 100000.00');
    expect(await liveBalance('tu-6')).toBe('630.00');
  });

  it('refuses a card the decline policy no longer charges with 402 saying why, without asking Stripe, and a closed partner with 409', async () => {
    // Prepare: the card is lost (a hard decline); another partner is closed.
    await createPartner('tu-9', 'pm_card_chargeDeclinedLostCard');
    const lost = await topUp('tu-9', { amount: '20.00', reference: 'order-13' });
    const intents = fake.intents.length;
    await createPartner('tu-10');
    await api.call('POST', '/partners/tu-10/closure');

    // Act
    const refused = await topUp('tu-9', { amount: '20.00', reference: 'order-14' });
    const closed = await topUp('tu-10', { amount: '20.00', reference: 'order-15' });

    // Assess
    expect(lost).toMatchObject({ status: 402, body: { type: `${PROBLEM}card-declined`, declineCode: 'lost_card' } });
    expect(refused).toMatchObject({ status: 402, body: { type: `${PROBLEM}card-declined`, declineCode: 'lost_card' } });
    expect(refused.body.detail).toContain('may not be charged again: its issuer declined it for good (lost_card)');
    expect(fake.intents).toHaveLength(intents);
    expect(closed).toMatchObject({ status: 409, body: { type: `${PROBLEM}partner-closed` } });
  });

  describe('with checkout', () => {
    /** The Checkout Session a top-up's page is, by the URL the API answered. */
    const sessionOf = (actionUrl: unknown) => {
      const session = fake.checkoutSessions.find((candidate) => String(actionUrl).endsWith(candidate.id));
      if (session === undefined) throw new Error(`no Checkout Session at ${String(actionUrl)}`);
      return session;
    };
    const reportsOf = (type: string, sessionId: string) =>
      fake.eventsOf(type).filter((event) => (event.data.object as { id: string }).id === sessionId);

    it("answers a Stripe Checkout page in payment mode for the partner's customer, and credits the top-up once when the webhook delivers the payment twice", async () => {
      // Prepare
      const customer = await createPartner('tu-7');
      const page = await topUp('tu-7', { amount: '400.00', reference: 'order-10', checkout: true });
      const session = sessionOf(page.body.actionUrl);
      fake.payCheckoutSession(session.id, 'pm_card_mastercard');
      const [completed] = reportsOf('checkout.session.completed', session.id);

      // Act
      const answers = [
        await webhook.deliverSigned(fake.signedDelivery(completed)),
        await webhook.deliverSigned(fake.signedDelivery(completed)),
      ];
      const repeated = await topUp('tu-7', { amount: '400.00', reference: 'order-10', checkout: true });

      // Assess
      expect(page).toMatchObject({
        status: 201,
        body: { checkout: true, state: 'action-required', amount: '400.00', total: '416.00', liveBalance: '600.00' },
      });
      expect(session).toMatchObject({ mode: 'payment', customer, amount_total: 41_600 });
      expect(answers.map(({ status, body }) => [status, body.outcome])).toEqual([
        [200, 'succeeded'],
        [200, 'duplicate'],
      ]);
      expect(repeated).toMatchObject({ status: 200, body: { state: 'succeeded', liveBalance: '1000.00' } });
      expect(await liveBalance('tu-7')).toBe('1000.00');
      expect(paidIntents('tu-7')).toHaveLength(1);
      expect(await recharge.events.ofType('TopUpSucceeded', 'tu-7')).toHaveLength(1);
      // The page's attempt is over: the partner's single charge slot is free again.
      expect((await api.call('GET', '/partners/tu-7')).body).not.toHaveProperty('chargeInFlight');
    });

    it('changes nothing when the page lapses unpaid, and frees the partner for the next charge', async () => {
      // Prepare
      await createPartner('tu-8');
      const page = await topUp('tu-8', { amount: '60.00', reference: 'order-11', checkout: true });
      const session = sessionOf(page.body.actionUrl);
      fake.lapseCheckoutSession(session.id);
      const [expired] = reportsOf('checkout.session.expired', session.id);

      // Act
      const answer = await webhook.deliverSigned(fake.signedDelivery(expired));
      const repeated = await topUp('tu-8', { amount: '60.00', reference: 'order-11', checkout: true });
      const next = await topUp('tu-8', { amount: '60.00', reference: 'order-12' });

      // Assess
      expect(answer).toMatchObject({ status: 200, body: { outcome: 'canceled' } });
      expect(repeated).toMatchObject({ status: 200, body: { state: 'canceled', liveBalance: '600.00' } });
      expect(next).toMatchObject({ status: 201, body: { state: 'succeeded', liveBalance: '660.00' } });
      expect(await recharge.events.ofType('TopUpSucceeded', 'tu-8')).toHaveLength(1);
    });
  });
});
