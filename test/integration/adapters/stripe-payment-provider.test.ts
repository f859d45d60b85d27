import Stripe from 'stripe';
import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import type { ChargeReference, ChargeRequest, ChargeResult } from '../../../functions/domain/recharge/payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { FakeStripeServer } from '../../support/fake-stripe-server';
import { TestClock } from '../../support/test-clock';

/** Short enough for a hung request to be given up quickly, long enough for a local answer. */
const TEST_TIMEOUT_MS = 400;
const CUSTOMER = 'cus_partner1';
const PAGES = { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' };
const NOW = new Date('2026-11-20T09:00:00Z');

describe('Class: StripePaymentProvider', () => {
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

  /** The production client settings (retries included), pointed at the fake. */
  const provider = (overrides: { apiKey?: string; timeoutMs?: number; maxNetworkRetries?: number } = {}) =>
    new StripePaymentProvider(
      createStripeClient({
        apiKey: 'sk_test_fake',
        host: '127.0.0.1',
        port: fake.port,
        protocol: 'http',
        ...overrides,
      }),
      PAGES,
      clock,
    );

  /** A charge of a card saved to the partner's customer, as the recharge use case asks for it. */
  const chargeOf = (token: string, overrides: Partial<ChargeRequest> = {}) =>
    chargeRequest({ customerId: CUSTOMER, paymentMethod: fake.attach(token, CUSTOMER), ...overrides });

  const referenceTo = (request: ChargeRequest, result: ChargeResult): ChargeReference => {
    if (!('providerChargeId' in result) || result.providerChargeId === undefined) {
      throw new Error(`no charge to refer to in ${JSON.stringify(result)}`);
    }
    return {
      partnerId: request.partnerId,
      providerChargeId: result.providerChargeId,
      idempotencyKey: request.idempotencyKey,
    };
  };

  const apiCalls = () =>
    fake.requests.filter((received) => received.path.startsWith('/v1/')).map((r) => `${r.method} ${r.path}`);

  describe('Method: charge', () => {
    describe('Stated outcomes', () => {
      it('succeeds with the PaymentIntent id when the saved card is charged', async () => {
        // Act
        const result = await provider().charge(chargeOf('pm_card_visa'));

        // Assess
        expect(fake.charges).toHaveLength(1);
        expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(result).toMatchObject({ providerChargeId: expect.stringMatching(/^pi_/) });
      });

      it.each([
        ['pm_card_chargeDeclined', 'generic_decline'],
        ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
        ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
        ['pm_card_chargeDeclinedLostCard', 'lost_card'],
        ['pm_card_chargeDeclinedStolenCard', 'stolen_card'],
        ['pm_card_chargeDeclinedFraudulent', 'fraudulent'],
      ])('declines with the decline code and the failed intent when %s is refused (%s)', async (token, declineCode) => {
        // Act
        const result = await provider().charge(chargeOf(token));

        // Assess
        expect(fake.intents).toHaveLength(1);
        expect(fake.charges).toHaveLength(0);
        expect(result).toEqual({ outcome: 'declined', declineCode, providerChargeId: fake.intents[0]?.id });
      });

      it('sends an off-session intent confirmed at creation, in cents and a lower-case currency, for the customer, with the attempt in the metadata', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa', { partnerId: 'partner-7', amountCents: 2_080, currency: 'USD' });

        // Act
        await provider().charge(request);

        // Assess
        expect(
          fake.requests.filter((received) => received.method === 'POST' && received.path === '/v1/payment_intents'),
        ).toEqual([
          {
            method: 'POST',
            path: '/v1/payment_intents',
            idempotencyKey: request.idempotencyKey,
            params: {
              amount: '2080',
              currency: 'usd',
              customer: CUSTOMER,
              payment_method: request.paymentMethod,
              off_session: 'true',
              confirm: 'true',
              description: 'Prepaid balance recharge',
              'metadata[partnerId]': 'partner-7',
              'metadata[attemptId]': request.idempotencyKey,
            },
          },
        ]);
        expect(fake.charges[0]).toMatchObject({ amount: 2_080, currency: 'usd', customer: CUSTOMER });
      });

      it.each([
        [
          'requires_payment_method',
          { type: 'card_error', code: 'card_declined', decline_code: 'do_not_honor', message: 'Declined.' },
          'do_not_honor',
        ],
        [
          'canceled',
          { type: 'card_error', code: 'card_velocity_exceeded', message: 'Declined.' },
          'card_velocity_exceeded',
        ],
      ] as const)(
        'declines an intent that ends in %s, with the code of its last payment error',
        async (status, lastPaymentError, declineCode) => {
          // Prepare
          const request = chargeOf('pm_card_visa');
          fake.nextIntentEndsIn(status, lastPaymentError);

          // Act
          const result = await provider().charge(request);

          // Assess
          expect(result).toEqual({ outcome: 'declined', declineCode, providerChargeId: fake.intents[0]?.id });
        },
      );

      it.each(['processing', 'requires_capture'])(
        'reports an intent that ends in %s as unknown, not as a decline',
        async (status) => {
          const request = chargeOf('pm_card_visa');
          fake.nextIntentEndsIn(status);

          const result = await provider().charge(request);

          expect(result).toEqual({ outcome: 'unknown', reason: `payment intent ${fake.intents[0]?.id} is ${status}` });
        },
      );
    });

    describe('Authentication', () => {
      it("sends the partner to Stripe's authentication page for the same PaymentIntent when the bank asks for it", async () => {
        // Prepare
        const request = chargeOf('pm_card_authenticationRequired');

        // Act
        const result = await provider().charge(request);

        // Assess
        const intent = fake.intents[0];
        expect(fake.intents).toHaveLength(1);
        expect(result).toEqual({
          outcome: 'action-required',
          providerChargeId: intent?.id,
          actionUrl: `http://127.0.0.1:${fake.port}/authenticate/${intent?.id}`,
        });
        expect(intent).toMatchObject({ status: 'requires_action', payment_method: request.paymentMethod });
        expect(fake.requests.at(-1)).toEqual({
          method: 'POST',
          path: `/v1/payment_intents/${intent?.id}/confirm`,
          idempotencyKey: `${request.idempotencyKey}:authenticate`,
          params: { payment_method: request.paymentMethod, return_url: PAGES.returnUrl },
        });
      });

      it('answers the same page to a repeated charge of the attempt, without a new PaymentIntent', async () => {
        const request = chargeOf('pm_card_authenticationRequired');
        const first = await provider().charge(request);

        const second = await provider().charge(request);

        expect(second).toEqual(first);
        expect(fake.intents).toHaveLength(1);
      });

      it('is paid once the partner authenticates, as the status of the charge then says', async () => {
        // Prepare
        const request = chargeOf('pm_card_authenticationRequired');
        const waiting = await provider().charge(request);

        // Act
        fake.completeAuthentication(referenceTo(request, waiting).providerChargeId, 'succeed');
        const status = await provider().chargeStatus(referenceTo(request, waiting));

        // Assess
        expect(status).toEqual({ outcome: 'succeeded', providerChargeId: fake.intents[0]?.id });
        expect(fake.charges).toHaveLength(1);
      });

      it('is declined with the authentication failure when the partner fails the bank page', async () => {
        const request = chargeOf('pm_card_authenticationRequired');
        const waiting = await provider().charge(request);

        fake.completeAuthentication(referenceTo(request, waiting).providerChargeId, 'fail');
        const status = await provider().chargeStatus(referenceTo(request, waiting));

        expect(status).toEqual({
          outcome: 'declined',
          declineCode: 'payment_intent_authentication_failure',
          providerChargeId: fake.intents[0]?.id,
        });
        expect(fake.charges).toHaveLength(0);
      });

      it('asks for the authentication page when an intent ends in requires_action without one', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        fake.nextIntentEndsIn('requires_action');

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({
          outcome: 'action-required',
          providerChargeId: fake.intents[0]?.id,
          actionUrl: `http://127.0.0.1:${fake.port}/authenticate/${fake.intents[0]?.id}`,
        });
      });

      it('reports unknown when asking for the authentication page fails unclearly', async () => {
        // Prepare
        const request = chargeOf('pm_card_authenticationRequired');
        fake.failNext(3, '500', { method: 'POST', path: /\/confirm$/ });

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 500') });
        expect(fake.charges).toHaveLength(0);
      });
    });

    describe('Idempotency', () => {
      it('answers a second call with the same key with the same intent and charges the card once', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        const first = await provider().charge(request);

        // Act
        const second = await provider().charge(request);

        // Assess
        expect(second).toEqual(first);
        expect(fake.charges).toHaveLength(1);
        expect(
          fake.requests.filter((received) => received.path === '/v1/payment_intents').map((r) => r.idempotencyKey),
        ).toEqual([request.idempotencyKey, request.idempotencyKey]);
      });

      it('answers a second call with the key of a declined charge with the same decline, without a new intent', async () => {
        const request = chargeOf('pm_card_chargeDeclinedInsufficientFunds');
        const first = await provider().charge(request);

        const second = await provider().charge(request);

        expect(second).toEqual(first);
        expect(fake.intents).toHaveLength(1);
      });

      it('reports a key reused with other parameters as unknown, charges nothing more and looks nothing up', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        await provider().charge(request);

        // Act
        const result = await provider().charge({ ...request, amountCents: request.amountCents + 1 });

        // Assess
        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('idempotency_error') });
        expect(fake.charges).toHaveLength(1);
        expect(apiCalls()).not.toContain('GET /v1/payment_intents');
      });
    });

    describe('Requests Stripe refuses', () => {
      it.each([
        ['a detached card', () => detached('pm_card_visa'), 'detached from a Customer'],
        [
          'a card saved to another customer',
          () => fake.attach('pm_card_visa', fake.createCustomer('cus_other')),
          'The customer does not have a payment method',
        ],
        ['an unknown card', () => 'pm_unknown', "No such PaymentMethod: 'pm_unknown'"],
      ])('ends the attempt as failed for %s once no charge of the attempt is found', async (_, card, stripeSays) => {
        // Prepare
        const firstTriedAt = new Date(NOW.getTime() - 60_000);
        const request = chargeRequest({ customerId: CUSTOMER, paymentMethod: card(), firstTriedAt });

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'failed', reason: expect.stringContaining(stripeSays) });
        expect(result).toMatchObject({ reason: expect.stringContaining('invalid_request_error') });
        expect(fake.intents).toHaveLength(0);
        expect(fake.requests.at(-1)).toMatchObject({
          method: 'GET',
          path: '/v1/payment_intents',
          params: {
            customer: CUSTOMER,
            'created[gte]': String((firstTriedAt.getTime() - 10 * 60_000) / 1000),
            limit: '100',
          },
        });
      });

      it('looks from ten minutes before now for an attempt sent the first time', async () => {
        await provider().charge(chargeRequest({ customerId: CUSTOMER, paymentMethod: detached('pm_card_visa') }));

        expect(fake.requests.at(-1)?.params['created[gte]']).toBe(String((NOW.getTime() - 10 * 60_000) / 1000));
      });

      it('answers the earlier charge of the attempt that the lookup finds, instead of ending the attempt', async () => {
        // Prepare: the first call charged the card but its answer was lost; then the card
        // was detached and Stripe no longer answers the key.
        const request = chargeOf('pm_card_visa', { firstTriedAt: NOW });
        fake.failNext(3, 'timeout-after-charge', { method: 'POST', path: '/v1/payment_intents' });
        expect((await provider({ timeoutMs: TEST_TIMEOUT_MS }).charge(request)).outcome).toBe('unknown');
        fake.detach(request.paymentMethod);
        fake.expireIdempotencyKeys();

        // Act
        const resumed = await provider().charge(request);

        // Assess
        expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(fake.charges).toHaveLength(1);
      });

      it('finds the charge of the attempt among several pages of the customer PaymentIntents', async () => {
        // Prepare: the attempt's charge, then 120 others of the customer.
        const request = chargeOf('pm_card_visa', { firstTriedAt: NOW });
        fake.failNext(3, 'timeout-after-charge', { method: 'POST', path: '/v1/payment_intents' });
        await provider({ timeoutMs: TEST_TIMEOUT_MS }).charge(request);
        const other = fake.attach('pm_card_visa', CUSTOMER);
        for (let index = 0; index < 120; index += 1) {
          await provider().charge(chargeRequest({ customerId: CUSTOMER, paymentMethod: other }));
        }
        fake.detach(request.paymentMethod);
        fake.expireIdempotencyKeys();

        // Act
        const resumed = await provider().charge(request);

        // Assess
        expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: fake.intents[0]?.id });
        expect(apiCalls().filter((call) => call === 'GET /v1/payment_intents')).toHaveLength(2);
      });

      it('reports unknown when the lookup that would show nothing was charged fails', async () => {
        // Prepare
        const request = chargeRequest({ customerId: CUSTOMER, paymentMethod: detached('pm_card_visa') });
        fake.failNext(3, '500', { method: 'GET', path: '/v1/payment_intents' });

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('looking for charges') });
        expect(result).toMatchObject({ reason: expect.stringContaining('detached from a Customer') });
      });
    });

    describe('Errors that say nothing about the card', () => {
      it('reports a refused API key as unknown', async () => {
        const request = chargeOf('pm_card_visa');

        const result = await provider({ apiKey: 'rk_live_revoked' }).charge(request);

        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 401') });
        expect(fake.intents).toHaveLength(0);
      });

      it('recovers from one 500 through the SDK retry, which sends the same key, and charges once', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        fake.failNext(1, '500');

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(fake.charges).toHaveLength(1);
        expect(
          fake.requests.filter((received) => received.path === '/v1/payment_intents').map((r) => r.idempotencyKey),
        ).toEqual([request.idempotencyKey, request.idempotencyKey]);
      });

      it('reports unknown when every attempt gets a 500, and charges nothing', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        fake.failNext(3, '500');

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 500') });
        expect(
          fake.requests.filter((received) => received.path === '/v1/payment_intents').map((r) => r.idempotencyKey),
        ).toEqual(Array(3).fill(request.idempotencyKey));
        expect(fake.intents).toHaveLength(0);
      });
    });

    describe('Timeouts', () => {
      it('recovers from a timeout after the charge through the SDK retry, answered with that same charge', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        fake.failNext(1, 'timeout-after-charge');

        // Act
        const result = await provider({ timeoutMs: TEST_TIMEOUT_MS }).charge(request);

        // Assess
        expect(apiCalls().filter((call) => call === 'POST /v1/payment_intents')).toHaveLength(2);
        expect(fake.charges).toHaveLength(1);
        expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
      });

      it('reports unknown when every attempt times out after the charge, and a resume with the same key finds that charge', async () => {
        // Prepare
        const request = chargeOf('pm_card_visa');
        fake.failNext(3, 'timeout-after-charge');
        const client = provider({ timeoutMs: TEST_TIMEOUT_MS });

        // Act
        const first = await client.charge(request);
        const resumed = await client.charge(request);

        // Assess
        expect(first).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
        expect(fake.charges).toHaveLength(1);
        expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(apiCalls().filter((call) => call === 'POST /v1/payment_intents')).toHaveLength(4);
      });

      it('reports unknown when every attempt times out before the charge, and charges nothing', async () => {
        const request = chargeOf('pm_card_visa');
        fake.failNext(3, 'timeout-before-charge');

        const result = await provider({ timeoutMs: TEST_TIMEOUT_MS }).charge(request);

        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
        expect(apiCalls().filter((call) => call === 'POST /v1/payment_intents')).toHaveLength(3);
        expect(fake.intents).toHaveLength(0);
      });
    });

    describe('Requests no provider could carry out', () => {
      it.each([
        ['a fractional amount', { amountCents: 10.5 }],
        ['a zero amount', { amountCents: 0 }],
        ['an empty idempotency key', { idempotencyKey: ' ' }],
        ['no customer', { customerId: undefined }],
        ['an empty customer', { customerId: '' }],
      ])('throws on %s before sending anything', async (_, overrides) => {
        await expect(provider().charge(chargeRequest(overrides))).rejects.toThrow(RangeError);
        expect(fake.requests).toHaveLength(0);
      });
    });
  });

  describe('Attempts older than the idempotency key lifetime', () => {
    const firstTriedAt = new Date('2026-11-19T08:00:00Z');
    const later = () => provider({ timeoutMs: TEST_TIMEOUT_MS, maxNetworkRetries: 0 });

    it('finds the charge a lost answer made instead of charging again after Stripe forgot the key', async () => {
      // Prepare: the first call charged the card but its answer was lost; a day passes.
      const request = chargeOf('pm_card_visa', { firstTriedAt });
      fake.failNext(1, 'timeout-after-charge');
      expect((await later().charge({ ...request, firstTriedAt: undefined })).outcome).toBe('unknown');
      fake.expireIdempotencyKeys();

      // Act
      const resumed = await later().charge(request);

      // Assess
      expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
      expect(fake.charges).toHaveLength(1);
    });

    it('charges once when no earlier charge exists', async () => {
      const request = chargeOf('pm_card_visa', { firstTriedAt });
      fake.expireIdempotencyKeys();

      const result = await later().charge(request);

      expect(result.outcome).toBe('succeeded');
      expect(fake.charges).toHaveLength(1);
      expect(apiCalls()).toEqual(['GET /v1/payment_intents/search', 'POST /v1/payment_intents']);
    });

    it('does not search for a fresh attempt', async () => {
      await later().charge(chargeOf('pm_card_visa', { firstTriedAt: new Date('2026-11-20T08:59:00Z') }));

      expect(apiCalls().filter((call) => call.startsWith('GET'))).toEqual([]);
    });
  });

  describe('Method: chargeStatus', () => {
    it('answers a charge that was paid as succeeded', async () => {
      const request = chargeOf('pm_card_visa');
      const result = await provider().charge(request);

      const status = await provider().chargeStatus(referenceTo(request, result));

      expect(status).toEqual(result);
    });

    it('answers a declined charge with the code of its last payment error', async () => {
      const request = chargeOf('pm_card_chargeDeclinedInsufficientFunds');
      const result = await provider().charge(request);

      const status = await provider().chargeStatus(referenceTo(request, result));

      expect(status).toEqual({
        outcome: 'declined',
        declineCode: 'insufficient_funds',
        providerChargeId: fake.intents[0]?.id,
      });
    });

    it('reads an intent waiting for a card without an error as waiting for authentication', async () => {
      const request = chargeOf('pm_card_visa');
      fake.nextIntentEndsIn('requires_payment_method');
      const result = await provider().charge(request);

      const status = await provider().chargeStatus(referenceTo(request, result));

      expect(status).toEqual({
        outcome: 'declined',
        declineCode: 'authentication_required',
        providerChargeId: fake.intents[0]?.id,
      });
    });

    it('answers a charge waiting for the partner with its page, without confirming it again', async () => {
      // Prepare
      const request = chargeOf('pm_card_authenticationRequired');
      const waiting = await provider().charge(request);
      const sent = fake.requests.length;

      // Act
      const status = await provider().chargeStatus(referenceTo(request, waiting));

      // Assess
      expect(status).toEqual(waiting);
      expect(apiCalls().slice(sent)).toEqual([`GET /v1/payment_intents/${fake.intents[0]?.id}`]);
    });

    it('answers a canceled charge as canceled', async () => {
      const request = chargeOf('pm_card_authenticationRequired');
      const reference = referenceTo(request, await provider().charge(request));
      await provider().cancelCharge(reference);

      const status = await provider().chargeStatus(reference);

      expect(status).toEqual({ outcome: 'canceled', providerChargeId: reference.providerChargeId });
    });

    it('reports a charge still processing as unknown', async () => {
      const request = chargeOf('pm_card_visa');
      fake.nextIntentEndsIn('processing');
      await provider().charge(request);
      const intentId = fake.intents[0]?.id ?? '';

      const status = await provider().chargeStatus({
        partnerId: request.partnerId,
        providerChargeId: intentId,
        idempotencyKey: request.idempotencyKey,
      });

      expect(status).toEqual({ outcome: 'unknown', reason: `payment intent ${intentId} is processing` });
    });

    it('reports a PaymentIntent Stripe does not know as unknown, never as a decline', async () => {
      const status = await provider().chargeStatus({
        partnerId: 'partner-1',
        providerChargeId: 'pi_missing',
        idempotencyKey: 'att-1',
      });

      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('resource_missing') });
    });

    it('reports a PaymentIntent of another attempt as unknown', async () => {
      const request = chargeOf('pm_card_visa');
      const reference = referenceTo(request, await provider().charge(request));

      const status = await provider().chargeStatus({ ...reference, idempotencyKey: 'att-other' });

      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('not to att-other') });
    });

    it('reports unknown when Stripe cannot be reached', async () => {
      const request = chargeOf('pm_card_visa');
      const reference = referenceTo(request, await provider().charge(request));
      fake.failNext(3, '500');

      const status = await provider().chargeStatus(reference);

      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 500') });
    });
  });

  describe('Method: cancelCharge', () => {
    it('cancels a charge waiting for the partner, so it can never be paid', async () => {
      // Prepare
      const request = chargeOf('pm_card_authenticationRequired');
      const reference = referenceTo(request, await provider().charge(request));

      // Act
      const result = await provider().cancelCharge(reference);

      // Assess
      expect(result).toEqual({ outcome: 'canceled', providerChargeId: reference.providerChargeId });
      expect(fake.intents[0]?.status).toBe('canceled');
      expect(fake.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: `/v1/payment_intents/${reference.providerChargeId}/cancel`,
        idempotencyKey: `${request.idempotencyKey}:cancel`,
      });
      expect(() => fake.completeAuthentication(reference.providerChargeId, 'succeed')).toThrow();
    });

    it('answers succeeded when the charge was paid before it could be canceled', async () => {
      const request = chargeOf('pm_card_authenticationRequired');
      const reference = referenceTo(request, await provider().charge(request));
      fake.completeAuthentication(reference.providerChargeId, 'succeed');

      const result = await provider().cancelCharge(reference);

      expect(result).toEqual({ outcome: 'succeeded', providerChargeId: reference.providerChargeId });
      expect(fake.charges).toHaveLength(1);
    });

    it('answers canceled when asked again', async () => {
      const request = chargeOf('pm_card_authenticationRequired');
      const reference = referenceTo(request, await provider().charge(request));
      await provider().cancelCharge(reference);

      const again = await provider().cancelCharge(reference);

      expect(again).toEqual({ outcome: 'canceled', providerChargeId: reference.providerChargeId });
    });

    it('reports unknown when Stripe cannot be reached', async () => {
      const request = chargeOf('pm_card_authenticationRequired');
      const reference = referenceTo(request, await provider().charge(request));
      fake.failNext(3, '500');

      const result = await provider().cancelCharge(reference);

      expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 500') });
      expect(fake.intents[0]?.status).toBe('requires_action');
    });
  });

  describe('Method: checkPaymentMethod', () => {
    it('accepts a card saved to the customer', async () => {
      const card = fake.attach('pm_card_visa', CUSTOMER);

      await expect(provider().checkPaymentMethod(card, CUSTOMER)).resolves.toEqual({ verdict: 'usable' });
    });

    it.each([
      ['no customer', undefined],
      ['an empty customer', ' '],
    ])('refuses a card for %s, without asking Stripe', async (_, customer) => {
      const result = await provider().checkPaymentMethod('pm_card_visa', customer);

      expect(result).toEqual({ verdict: 'refused', reason: 'customer-required', detail: expect.any(String) });
      expect(fake.requests).toHaveLength(0);
    });

    it('refuses a customer Stripe does not know', async () => {
      const result = await provider().checkPaymentMethod('pm_card_visa', 'cus_missing');

      expect(result).toEqual({
        verdict: 'refused',
        reason: 'customer-not-found',
        detail: 'Stripe has no customer cus_missing',
      });
    });

    it('refuses a deleted customer', async () => {
      const card = fake.attach('pm_card_visa', CUSTOMER);
      fake.deleteCustomer(CUSTOMER);

      const result = await provider().checkPaymentMethod(card, CUSTOMER);

      expect(result).toEqual({
        verdict: 'refused',
        reason: 'customer-not-found',
        detail: `customer ${CUSTOMER} was deleted`,
      });
    });

    it('refuses a payment method Stripe does not know', async () => {
      const result = await provider().checkPaymentMethod('pm_missing', CUSTOMER);

      expect(result).toEqual({
        verdict: 'refused',
        reason: 'not-found',
        detail: 'Stripe has no payment method pm_missing',
      });
    });

    it('refuses a payment method that is not a card', async () => {
      const bankAccount = fake.attach('pm_usBankAccount_success', CUSTOMER);

      const result = await provider().checkPaymentMethod(bankAccount, CUSTOMER);

      expect(result).toEqual({
        verdict: 'refused',
        reason: 'not-a-card',
        detail: expect.stringContaining('us_bank_account'),
      });
    });

    it('refuses a card saved to another customer, naming it', async () => {
      const card = fake.attach('pm_card_visa', fake.createCustomer('cus_other'));

      const result = await provider().checkPaymentMethod(card, CUSTOMER);

      expect(result).toEqual({
        verdict: 'refused',
        reason: 'other-customer',
        detail: `payment method ${card} is saved to customer cus_other, not ${CUSTOMER}`,
      });
    });

    it.each([
      ['a card saved to no customer', () => 'pm_card_visa'],
      ['a detached card', () => detached('pm_card_visa')],
    ])('refuses %s as not saved to this customer', async (_, card) => {
      const result = await provider().checkPaymentMethod(card(), CUSTOMER);

      expect(result).toEqual({
        verdict: 'refused',
        reason: 'other-customer',
        detail: expect.stringContaining('is not saved to any customer'),
      });
    });

    it('answers unknown when Stripe cannot be reached', async () => {
      const card = fake.attach('pm_card_visa', CUSTOMER);
      fake.failNext(3, '500');

      const result = await provider().checkPaymentMethod(card, CUSTOMER);

      expect(result).toEqual({ verdict: 'unknown', detail: expect.stringContaining('status 500') });
    });
  });

  describe('Methods: createSetupSession and savedCard', () => {
    it('opens a Checkout Session in setup mode for the customer, with the pages and the partner and role in the metadata', async () => {
      // Act
      const session = await provider().createSetupSession({
        partnerId: 'partner-1',
        customerId: CUSTOMER,
        role: 'backup',
      });

      // Assess
      const created = fake.checkoutSessions[0];
      expect(session).toEqual({
        sessionId: created?.id,
        url: `http://127.0.0.1:${fake.port}/checkout/${created?.id}`,
        expiresAt: new Date(NOW.getTime() + 24 * 60 * 60 * 1000),
      });
      expect(fake.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: '/v1/checkout/sessions',
        params: {
          mode: 'setup',
          customer: CUSTOMER,
          'allowed_payment_method_types[0]': 'card',
          success_url: PAGES.returnUrl,
          cancel_url: PAGES.cancelUrl,
          'metadata[partnerId]': 'partner-1',
          'metadata[role]': 'backup',
          'setup_intent_data[metadata][partnerId]': 'partner-1',
          'setup_intent_data[metadata][role]': 'backup',
        },
      });
    });

    it('reads the card a completed session saved, which can then be checked and charged', async () => {
      // Prepare
      const session = await provider().createSetupSession({
        partnerId: 'partner-1',
        customerId: CUSTOMER,
        role: 'primary',
      });
      const saved = fake.completeSetupSession(session.sessionId, 'pm_card_mastercard');

      // Act
      const card = await provider().savedCard(saved.setupIntent);

      // Assess
      expect(card).toEqual({ paymentMethod: saved.paymentMethod, customerId: CUSTOMER });
      await expect(provider().checkPaymentMethod(saved.paymentMethod, CUSTOMER)).resolves.toEqual({
        verdict: 'usable',
      });
      const charged = await provider().charge(
        chargeRequest({ customerId: CUSTOMER, paymentMethod: saved.paymentMethod }),
      );
      expect(charged.outcome).toBe('succeeded');
    });

    it('fails to open a session for a customer Stripe does not know', async () => {
      await expect(
        provider().createSetupSession({ partnerId: 'partner-1', customerId: 'cus_missing', role: 'primary' }),
      ).rejects.toThrow(Stripe.errors.StripeInvalidRequestError);
    });

    it('fails to read a SetupIntent Stripe does not know', async () => {
      await expect(provider().savedCard('seti_missing')).rejects.toThrow(Stripe.errors.StripeInvalidRequestError);
    });
  });

  /** A card that was saved to the customer, then detached from it. */
  function detached(token: string): string {
    const card = fake.attach(token, CUSTOMER);
    fake.detach(card);
    return card;
  }
});
