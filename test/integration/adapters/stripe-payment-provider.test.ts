import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { FakeStripeServer } from '../../support/fake-stripe-server';

/** Short enough for a hung request to be given up quickly, long enough for a local answer. */
const TEST_TIMEOUT_MS = 400;

describe('Class: StripePaymentProvider', () => {
  let fake: FakeStripeServer;

  beforeAll(async () => {
    fake = await FakeStripeServer.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  /** The production client settings (retries included), pointed at the fake. */
  const provider = (overrides: { apiKey?: string; timeoutMs?: number } = {}) =>
    new StripePaymentProvider(
      createStripeClient({
        apiKey: 'sk_test_fake',
        host: '127.0.0.1',
        port: fake.port,
        protocol: 'http',
        ...overrides,
      }),
    );

  describe('Method: charge', () => {
    describe('Stated outcomes', () => {
      it('succeeds with the PaymentIntent id when the card is charged', async () => {
        // Act
        const result = await provider().charge(chargeRequest());

        // Assess
        expect(fake.charges).toHaveLength(1);
        expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(result).toMatchObject({ providerChargeId: expect.stringMatching(/^pi_/) });
      });

      it.each([
        ['pm_card_chargeDeclined', 'generic_decline'],
        ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
        ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
        ['pm_card_authenticationRequired', 'authentication_required'],
      ])(
        'declines with the decline code and the failed intent when %s is refused (%s)',
        async (paymentMethod, declineCode) => {
          // Act
          const result = await provider().charge(chargeRequest({ paymentMethod }));

          // Assess
          expect(fake.intents).toHaveLength(1);
          expect(fake.charges).toHaveLength(0);
          expect(result).toEqual({ outcome: 'declined', declineCode, providerChargeId: fake.intents[0]?.id });
        },
      );

      it('sends an off-session intent confirmed at creation, in cents and a lower-case currency, for the customer, with the attempt in the metadata', async () => {
        // Prepare
        const request = chargeRequest({
          partnerId: 'partner-7',
          customerId: 'cus_7',
          amountCents: 2_080,
          currency: 'USD',
        });

        // Act
        await provider().charge(request);

        // Assess
        expect(fake.requests).toHaveLength(1);
        expect(fake.requests[0]).toEqual({
          method: 'POST',
          path: '/v1/payment_intents',
          idempotencyKey: request.idempotencyKey,
          params: {
            amount: '2080',
            currency: 'usd',
            customer: 'cus_7',
            payment_method: 'pm_card_visa',
            off_session: 'true',
            confirm: 'true',
            description: 'Prepaid balance recharge',
            'metadata[partnerId]': 'partner-7',
            'metadata[attemptId]': request.idempotencyKey,
          },
        });
        expect(fake.charges[0]).toMatchObject({ amount: 2_080, currency: 'usd', customer: 'cus_7' });
      });

      it('leaves the customer out when the partner has none', async () => {
        await provider().charge(chargeRequest({ customerId: undefined }));

        expect(fake.requests[0]?.params).not.toHaveProperty('customer');
        expect(fake.charges).toHaveLength(1);
      });

      it.each([
        ['requires_action', null, 'authentication_required'],
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
          fake.nextIntentEndsIn(status, lastPaymentError);

          // Act
          const result = await provider().charge(chargeRequest());

          // Assess
          expect(result).toEqual({ outcome: 'declined', declineCode, providerChargeId: fake.intents[0]?.id });
        },
      );

      it.each(['processing', 'requires_capture'])(
        'reports an intent that ends in %s as unknown, not as a decline',
        async (status) => {
          fake.nextIntentEndsIn(status);

          const result = await provider().charge(chargeRequest());

          expect(result).toEqual({ outcome: 'unknown', reason: `payment intent ${fake.intents[0]?.id} is ${status}` });
        },
      );
    });

    describe('Idempotency', () => {
      it('answers a second call with the same key with the same intent and charges the card once', async () => {
        // Prepare
        const request = chargeRequest();
        const first = await provider().charge(request);

        // Act
        const second = await provider().charge(request);

        // Assess
        expect(second).toEqual(first);
        expect(fake.charges).toHaveLength(1);
        expect(fake.requests.map((received) => received.idempotencyKey)).toEqual([
          request.idempotencyKey,
          request.idempotencyKey,
        ]);
      });

      it('answers a second call with the key of a declined charge with the same decline, without a new intent', async () => {
        const request = chargeRequest({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
        const first = await provider().charge(request);

        const second = await provider().charge(request);

        expect(second).toEqual(first);
        expect(fake.intents).toHaveLength(1);
      });

      it('reports a key reused with other parameters as unknown and charges nothing more', async () => {
        // Prepare
        const request = chargeRequest();
        await provider().charge(request);

        // Act
        const result = await provider().charge({ ...request, amountCents: request.amountCents + 1 });

        // Assess
        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('idempotency_error') });
        expect(fake.charges).toHaveLength(1);
      });
    });

    describe('Errors that say nothing about the card', () => {
      it('reports an invalid request, even one naming the payment method, as unknown and not as a decline', async () => {
        const result = await provider().charge(chargeRequest({ paymentMethod: 'pm_detached' }));

        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('resource_missing') });
        expect(result).toMatchObject({ reason: expect.stringContaining('param payment_method') });
        expect(fake.intents).toHaveLength(0);
      });

      it('reports a refused API key as unknown', async () => {
        const result = await provider({ apiKey: 'rk_live_revoked' }).charge(chargeRequest());

        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 401') });
        expect(fake.intents).toHaveLength(0);
      });

      it('recovers from one 500 through the SDK retry, which sends the same key, and charges once', async () => {
        // Prepare
        const request = chargeRequest();
        fake.failNext(1, '500');

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(fake.charges).toHaveLength(1);
        expect(fake.requests.map((received) => received.idempotencyKey)).toEqual([
          request.idempotencyKey,
          request.idempotencyKey,
        ]);
      });

      it('reports unknown when every attempt gets a 500, and charges nothing', async () => {
        // Prepare
        const request = chargeRequest();
        fake.failNext(3, '500');

        // Act
        const result = await provider().charge(request);

        // Assess
        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 500') });
        expect(fake.requests.map((received) => received.idempotencyKey)).toEqual(Array(3).fill(request.idempotencyKey));
        expect(fake.intents).toHaveLength(0);
      });
    });

    describe('Timeouts', () => {
      it('recovers from a timeout after the charge through the SDK retry, answered with that same charge', async () => {
        // Prepare
        fake.failNext(1, 'timeout-after-charge');

        // Act
        const result = await provider({ timeoutMs: TEST_TIMEOUT_MS }).charge(chargeRequest());

        // Assess
        expect(fake.requests).toHaveLength(2);
        expect(fake.charges).toHaveLength(1);
        expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
      });

      it('reports unknown when every attempt times out after the charge, and a resume with the same key finds that charge', async () => {
        // Prepare
        const request = chargeRequest();
        fake.failNext(3, 'timeout-after-charge');
        const client = provider({ timeoutMs: TEST_TIMEOUT_MS });

        // Act
        const first = await client.charge(request);
        const resumed = await client.charge(request);

        // Assess
        expect(first).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
        expect(fake.charges).toHaveLength(1);
        expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
        expect(fake.requests).toHaveLength(4);
      });

      it('reports unknown when every attempt times out before the charge, and charges nothing', async () => {
        fake.failNext(3, 'timeout-before-charge');

        const result = await provider({ timeoutMs: TEST_TIMEOUT_MS }).charge(chargeRequest());

        expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
        expect(fake.requests).toHaveLength(3);
        expect(fake.intents).toHaveLength(0);
      });
    });

    describe('Requests no provider could carry out', () => {
      it.each([
        ['a fractional amount', { amountCents: 10.5 }],
        ['a zero amount', { amountCents: 0 }],
        ['an empty idempotency key', { idempotencyKey: ' ' }],
      ])('throws on %s before sending anything', async (_, overrides) => {
        await expect(provider().charge(chargeRequest(overrides))).rejects.toThrow(RangeError);
        expect(fake.requests).toHaveLength(0);
      });
    });
  });

  describe('Attempts older than the idempotency key lifetime', () => {
    const firstTriedAt = new Date('2026-11-20T09:00:00Z');
    const dayLater = { now: () => new Date('2026-11-21T10:00:00Z') };
    const later = () =>
      new StripePaymentProvider(
        createStripeClient({
          apiKey: 'sk_test_fake',
          host: '127.0.0.1',
          port: fake.port,
          protocol: 'http',
          timeoutMs: TEST_TIMEOUT_MS,
          maxNetworkRetries: 0,
        }),
        dayLater,
      );

    it('finds the charge a lost answer made instead of charging again after Stripe forgot the key', async () => {
      // Prepare: the first call charged the card but its answer was lost; a day passes.
      const request = chargeRequest({ firstTriedAt });
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
      const request = chargeRequest({ firstTriedAt });
      fake.expireIdempotencyKeys();

      const result = await later().charge(request);

      expect(result.outcome).toBe('succeeded');
      expect(fake.charges).toHaveLength(1);
      expect(fake.requests.map((received) => `${received.method} ${received.path}`)).toEqual([
        'GET /v1/payment_intents/search',
        'POST /v1/payment_intents',
      ]);
    });

    it('does not search for a fresh attempt', async () => {
      await later().charge(chargeRequest({ firstTriedAt: new Date('2026-11-21T09:59:00Z') }));

      expect(fake.requests.map((received) => received.path)).toEqual(['/v1/payment_intents']);
    });
  });
});
