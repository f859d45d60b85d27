/**
 * The hosted payment page of a top-up (Stripe Checkout in payment mode) with the real
 * Stripe SDK against the fake Stripe: one session per attempt across repeats and resumes,
 * where it stands read from the session (paid with its PaymentIntent, open, expired), an
 * open one expired so it can never be paid, and the card it saved charged off-session later.
 */
import Stripe from 'stripe';
import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import type { PaymentPageRequest } from '../../../functions/domain/recharge/payment-pages';
import type { ChargeReference } from '../../../functions/domain/recharge/payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { FakeStripeServer } from '../../support/fake-stripe-server';
import { pageRequest } from '../../support/page-request';
import { TestClock } from '../../support/test-clock';

/** Short enough for a hung request to be given up quickly, long enough for a local answer. */
const TEST_TIMEOUT_MS = 400;
const CUSTOMER = 'cus_partner1';
const PAGES = { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' };
const NOW = new Date('2026-11-20T09:00:00Z');
const MINUTE_MS = 60 * 1000;

describe('Class: StripePaymentProvider, payment pages', () => {
  const clock = new TestClock(NOW);
  let fake: FakeStripeServer;

  beforeAll(async () => {
    fake = await FakeStripeServer.start({ clock });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    // Prepare: the partner's customer, and Stripe and this system on the same pinned time.
    fake.reset();
    clock.set(NOW);
    fake.createCustomer(CUSTOMER);
  });

  /** The production client settings (retries included) unless told, pointed at the fake; on Stripe's time unless told. */
  const provider = (overrides: { timeoutMs?: number; maxNetworkRetries?: number } = {}, ownClock = clock) =>
    new StripePaymentProvider(
      createStripeClient({
        apiKey: 'sk_test_fake',
        host: '127.0.0.1',
        port: fake.port,
        protocol: 'http',
        ...overrides,
      }),
      PAGES,
      ownClock,
    );

  /** A page that was opened: the session is the attempt's provider charge. */
  const openPage = async (request: PaymentPageRequest = pageRequest()) => {
    const page = await provider().createPaymentPage(request);
    if (page.outcome !== 'action-required') throw new Error(`no page opened: ${JSON.stringify(page)}`);
    const reference: ChargeReference = {
      partnerId: request.partnerId,
      providerChargeId: page.providerChargeId,
      idempotencyKey: request.idempotencyKey,
    };
    return { request, page, reference, sessionId: page.providerChargeId };
  };

  const sessionCreations = () =>
    fake.requests.filter((received) => received.method === 'POST' && received.path === '/v1/checkout/sessions');

  describe('Method: createPaymentPage', () => {
    it("opens a Checkout Session in payment mode for the customer and answers it as a charge waiting on Stripe's page", async () => {
      // Act
      const result = await provider().createPaymentPage(pageRequest());

      // Assess
      const session = fake.checkoutSessions[0];
      expect(fake.checkoutSessions).toHaveLength(1);
      expect(result).toEqual({
        outcome: 'action-required',
        providerChargeId: session?.id,
        actionUrl: `http://127.0.0.1:${fake.port}/checkout/${session?.id}`,
      });
      expect(session).toMatchObject({
        mode: 'payment',
        status: 'open',
        customer: CUSTOMER,
        amount_total: 52_000,
        currency: 'eur',
        payment_status: 'unpaid',
        payment_intent: null,
      });
      expect(fake.intents).toEqual([]);
    });

    it('sends one line item of the amount named by the description, the card saved for later off-session charges, the attempt in the metadata of the session and of its PaymentIntent, the pages, and the key of the attempt', async () => {
      // Prepare
      const request = pageRequest({ partnerId: 'partner-7', amountCents: 10_400, currency: 'USD' });

      // Act
      await provider().createPaymentPage(request);

      // Assess
      expect(sessionCreations()).toEqual([
        {
          method: 'POST',
          path: '/v1/checkout/sessions',
          idempotencyKey: `${request.idempotencyKey}:checkout`,
          params: {
            mode: 'payment',
            customer: CUSTOMER,
            'allowed_payment_method_types[0]': 'card',
            'line_items[0][quantity]': '1',
            'line_items[0][price_data][currency]': 'usd',
            'line_items[0][price_data][unit_amount]': '10400',
            'line_items[0][price_data][product_data][name]': 'Prepaid balance top-up',
            'payment_intent_data[setup_future_usage]': 'off_session',
            'payment_intent_data[description]': 'Prepaid balance top-up',
            'payment_intent_data[metadata][partnerId]': 'partner-7',
            'payment_intent_data[metadata][attemptId]': request.idempotencyKey,
            'metadata[partnerId]': 'partner-7',
            'metadata[attemptId]': request.idempotencyKey,
            success_url: PAGES.returnUrl,
            cancel_url: PAGES.cancelUrl,
            expires_at: String(NOW.getTime() / 1000 + 32 * 60),
          },
        },
      ]);
    });

    it('lets the page live 30 minutes once Stripe made it, even when the request reaches Stripe almost two minutes late', async () => {
      // Prepare: Stripe makes the session later than the request was made, as after the client's retries.
      clock.set(new Date(NOW.getTime() + 2 * MINUTE_MS - 1000));

      // Act
      const answer = await provider({}, new TestClock(NOW)).createPaymentPage(pageRequest());

      // Assess
      const session = fake.checkoutSessions[0];
      expect(answer.outcome).toBe('action-required');
      expect((session?.expires_at ?? 0) - (session?.created ?? 0)).toBeGreaterThanOrEqual(30 * 60);
    });

    it('answers a repeat of the attempt with the same page, without a second session', async () => {
      // Prepare
      const request = pageRequest();
      const first = await provider().createPaymentPage(request);

      // Act
      const repeated = await provider().createPaymentPage(request);

      // Assess
      expect(repeated).toEqual(first);
      expect(fake.checkoutSessions).toHaveLength(1);
    });

    it('answers a resume minutes later, which asks for a later expiry, with the page the attempt made, found among the customer sessions', async () => {
      // Prepare: the first call made the session, but its answer was lost.
      const request = pageRequest();
      fake.failNext(1, 'timeout-after-charge', { path: '/v1/checkout/sessions' });
      const lost = await provider({ timeoutMs: TEST_TIMEOUT_MS, maxNetworkRetries: 0 }).createPaymentPage(request);
      clock.set(new Date(NOW.getTime() + 5 * MINUTE_MS));

      // Act
      const resumed = await provider().createPaymentPage(request);

      // Assess
      const session = fake.checkoutSessions[0];
      expect(lost).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
      expect(fake.checkoutSessions).toHaveLength(1);
      expect(resumed).toEqual({ outcome: 'action-required', providerChargeId: session?.id, actionUrl: session?.url });
      expect(fake.requests.map((received) => `${received.method} ${received.path}`).slice(-2)).toEqual([
        'POST /v1/checkout/sessions',
        'GET /v1/checkout/sessions',
      ]);
    });

    it('answers a resume after the page was paid with the PaymentIntent that paid it', async () => {
      // Prepare
      const { request, sessionId } = await openPage();
      const paid = fake.payCheckoutSession(sessionId);
      clock.set(new Date(NOW.getTime() + 5 * MINUTE_MS));

      // Act
      const resumed = await provider().createPaymentPage(request);

      // Assess
      expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: paid.paymentIntent });
      expect(fake.checkoutSessions).toHaveLength(1);
    });

    it('ends a resume after the page expired unpaid as failed, nothing charged, without a new page', async () => {
      // Prepare
      const { request, sessionId } = await openPage();
      fake.lapseCheckoutSession(sessionId);
      clock.set(new Date(NOW.getTime() + 40 * MINUTE_MS));

      // Act
      const resumed = await provider().createPaymentPage(request);

      // Assess
      expect(resumed).toEqual({
        outcome: 'failed',
        reason: `checkout session ${sessionId} expired unpaid: nothing was charged`,
      });
      expect(fake.checkoutSessions).toHaveLength(1);
      expect(fake.charges).toEqual([]);
    });

    it('fails, nothing charged, when Stripe refuses the request for a customer it does not know', async () => {
      // Act
      const result = await provider().createPaymentPage(pageRequest({ customerId: 'cus_missing' }));

      // Assess
      expect(result).toEqual({
        outcome: 'failed',
        reason: expect.stringContaining("No such customer: 'cus_missing'"),
      });
      expect(fake.checkoutSessions).toEqual([]);
    });

    it('reports unknown when Stripe answers 500 to every try, and opens no page', async () => {
      fake.failNext(3, '500');

      const result = await provider().createPaymentPage(pageRequest());

      expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('api_error') });
      expect(sessionCreations()).toHaveLength(3);
      expect(fake.checkoutSessions).toEqual([]);
    });

    it('recovers from a timeout after the session was made through the SDK retry, answered with that same page', async () => {
      fake.failNext(1, 'timeout-after-charge');

      const result = await provider({ timeoutMs: TEST_TIMEOUT_MS }).createPaymentPage(pageRequest());

      expect(sessionCreations()).toHaveLength(2);
      expect(fake.checkoutSessions).toHaveLength(1);
      expect(result).toMatchObject({ outcome: 'action-required', providerChargeId: fake.checkoutSessions[0]?.id });
    });

    it.each([
      ['a fractional amount', { amountCents: 10.5 }],
      ['a zero amount', { amountCents: 0 }],
      ['an empty idempotency key', { idempotencyKey: ' ' }],
      ['an empty customer', { customerId: '' }],
    ])('throws on %s before sending anything', async (_, overrides) => {
      await expect(provider().createPaymentPage(pageRequest(overrides))).rejects.toThrow(RangeError);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('Method: chargeStatus, of a payment page', () => {
    it('answers a paid page as succeeded with the PaymentIntent that paid it, which names the attempt', async () => {
      // Prepare
      const { request, reference, sessionId } = await openPage();
      const paid = fake.payCheckoutSession(sessionId);

      // Act
      const status = await provider().chargeStatus(reference);

      // Assess
      expect(status).toEqual({ outcome: 'succeeded', providerChargeId: paid.paymentIntent });
      expect(fake.charges).toEqual([
        expect.objectContaining({
          id: paid.paymentIntent,
          amount_received: 52_000,
          customer: CUSTOMER,
          setup_future_usage: 'off_session',
          metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
        }),
      ]);
    });

    it('saves the card paid with to the customer, so it can be charged off-session later', async () => {
      // Prepare
      const { sessionId } = await openPage();
      const paid = fake.payCheckoutSession(sessionId, 'pm_card_mastercard');
      if (paid.outcome !== 'paid') throw new Error(`the page was not paid: ${JSON.stringify(paid)}`);

      // Act
      const check = await provider().checkPaymentMethod(paid.paymentMethod, CUSTOMER);
      const later = await provider().charge(chargeRequest({ customerId: CUSTOMER, paymentMethod: paid.paymentMethod }));

      // Assess
      expect(check).toEqual({ verdict: 'usable' });
      expect(later.outcome).toBe('succeeded');
    });

    it('answers an open page as waiting for the partner, with the same session and page', async () => {
      const { page, reference } = await openPage();

      const status = await provider().chargeStatus(reference);

      expect(status).toEqual(page);
    });

    it('answers a page still open after a declined card as waiting for the partner', async () => {
      // Prepare
      const { page, reference, sessionId } = await openPage();
      const declined = fake.payCheckoutSession(sessionId, 'pm_card_chargeDeclined');

      // Act
      const status = await provider().chargeStatus(reference);

      // Assess
      expect(declined).toMatchObject({ outcome: 'declined', declineCode: 'generic_decline' });
      expect(status).toEqual(page);
    });

    it('answers an expired page as canceled, nothing charged', async () => {
      const { reference, sessionId } = await openPage();
      fake.lapseCheckoutSession(sessionId);

      const status = await provider().chargeStatus(reference);

      expect(status).toEqual({ outcome: 'canceled', providerChargeId: sessionId });
    });

    it('reports the page of another attempt as unknown', async () => {
      const { reference } = await openPage();

      const status = await provider().chargeStatus({ ...reference, idempotencyKey: 'att-other' });

      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('not to att-other of partner-1') });
    });

    it('reports a session Stripe does not know as unknown, never as a decline', async () => {
      const status = await provider().chargeStatus({
        partnerId: 'partner-1',
        providerChargeId: 'cs_test_missing',
        idempotencyKey: 'att-1',
      });

      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('resource_missing') });
    });

    it('answers by the session, not by a PaymentIntent, when the attempt keeps the page as its provider charge', async () => {
      const { reference } = await openPage();

      await provider().chargeStatus(reference);

      expect(fake.requests.at(-1)).toMatchObject({
        method: 'GET',
        path: `/v1/checkout/sessions/${reference.providerChargeId}`,
      });
    });
  });

  describe('Method: cancelCharge, of a payment page', () => {
    it('expires an open page, so it can never be paid, and answers canceled', async () => {
      // Prepare
      const { reference, sessionId } = await openPage();

      // Act
      const canceled = await provider().cancelCharge(reference);

      // Assess
      expect(canceled).toEqual({ outcome: 'canceled', providerChargeId: sessionId });
      expect(fake.checkoutSessions[0]).toMatchObject({ status: 'expired', url: null });
      expect(() => fake.payCheckoutSession(sessionId)).toThrow('not open');
      expect(fake.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: `/v1/checkout/sessions/${sessionId}/expire`,
        idempotencyKey: `${reference.idempotencyKey}:expire`,
      });
    });

    it('cancels the PaymentIntent a declined card left on the page', async () => {
      const { reference, sessionId } = await openPage();
      const declined = fake.payCheckoutSession(sessionId, 'pm_card_chargeDeclined');

      await provider().cancelCharge(reference);

      expect(fake.intents).toEqual([
        expect.objectContaining({ id: declined.paymentIntent, status: 'canceled', cancellation_reason: 'abandoned' }),
      ]);
    });

    it('answers succeeded with the PaymentIntent when the page was paid before it could be expired', async () => {
      const { reference, sessionId } = await openPage();
      const paid = fake.payCheckoutSession(sessionId);

      const answer = await provider().cancelCharge(reference);

      expect(answer).toEqual({ outcome: 'succeeded', providerChargeId: paid.paymentIntent });
      expect(fake.checkoutSessions[0]).toMatchObject({ status: 'complete' });
    });

    it('answers canceled when the page expired already, and when asked again', async () => {
      const { reference, sessionId } = await openPage();
      fake.lapseCheckoutSession(sessionId);

      const first = await provider().cancelCharge(reference);
      const again = await provider().cancelCharge(reference);

      expect(first).toEqual({ outcome: 'canceled', providerChargeId: sessionId });
      expect(again).toEqual(first);
    });

    it('reports unknown when Stripe cannot be reached, and leaves the page open', async () => {
      const { reference } = await openPage();
      fake.failNext(1, 'timeout-before-charge');

      const answer = await provider({ timeoutMs: TEST_TIMEOUT_MS, maxNetworkRetries: 0 }).cancelCharge(reference);

      expect(answer).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
      expect(fake.checkoutSessions[0]).toMatchObject({ status: 'open' });
    });
  });

  describe('The fake refuses what Stripe refuses', () => {
    it('refuses a page that would live less than 30 minutes', async () => {
      const stripe = new Stripe('sk_test_fake', { host: '127.0.0.1', port: fake.port, protocol: 'http' });

      const created = stripe.checkout.sessions.create({
        mode: 'payment',
        customer: CUSTOMER,
        line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'x' } } }],
        success_url: PAGES.returnUrl,
        expires_at: NOW.getTime() / 1000 + 29 * 60,
      });

      await expect(created).rejects.toThrow('at least 30 minutes');
    });
  });
});
