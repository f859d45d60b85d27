import { LazyStripePaymentProvider } from '../../../functions/adapters/payments/lazy-stripe-payment-provider';
import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import type { ChargeOfAttempt, RefundRequest } from '../../../functions/domain/money-back/money-back-provider';
import { chargeRequest } from '../../support/charge-request';
import { type DisputeOpening, type FakeDisputeStatus, FakeStripeServer } from '../../support/fake-stripe-server';
import { TestClock } from '../../support/test-clock';

/** Short enough for a hung request to be given up quickly, long enough for a local answer. */
const TEST_TIMEOUT_MS = 400;
const CUSTOMER = 'cus_partner1';
const PAGES = { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' };
const NOW = new Date('2026-11-20T09:00:00Z');
const HOUR_MS = 60 * 60 * 1000;

describe('Class: StripePaymentProvider, money that comes back', () => {
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

  const clientOptions = (overrides: { timeoutMs?: number; maxNetworkRetries?: number } = {}) => ({
    apiKey: 'sk_test_fake',
    host: '127.0.0.1',
    port: fake.port,
    protocol: 'http' as const,
    ...overrides,
  });

  /** The production client settings (retries included), pointed at the fake. */
  const provider = (overrides: { timeoutMs?: number; maxNetworkRetries?: number } = {}) =>
    new StripePaymentProvider(createStripeClient(clientOptions(overrides)), PAGES, clock);

  /** A charge of partner-1's saved card that succeeded, as a recharge attempt made it. */
  const paidCharge = async (token = 'pm_card_visa'): Promise<ChargeOfAttempt> => {
    const request = chargeRequest({ customerId: CUSTOMER, paymentMethod: fake.attach(token, CUSTOMER) });
    const result = await provider().charge(request);
    if (result.outcome !== 'succeeded') throw new Error(`the charge did not succeed: ${JSON.stringify(result)}`);
    return {
      partnerId: request.partnerId,
      attemptId: request.idempotencyKey,
      providerChargeId: result.providerChargeId,
    };
  };

  /** A PaymentIntent this system did not make: paid, without our metadata. */
  const foreignPayment = async (): Promise<string> => {
    const intent = await createStripeClient(clientOptions()).paymentIntents.create({
      amount: 5_000,
      currency: 'eur',
      customer: CUSTOMER,
      payment_method: fake.attach('pm_card_visa', CUSTOMER),
      off_session: true,
      confirm: true,
    });
    return intent.id;
  };

  const refundOf = (charge: ChargeOfAttempt, overrides: Partial<RefundRequest> = {}): RefundRequest => ({
    charge,
    amountCents: 10_000,
    operatorReference: 'refund-0042',
    idempotencyKey: `refund-0042:${charge.attemptId}`,
    firstTriedAt: NOW,
    ...overrides,
  });

  const apiCalls = () =>
    fake.requests.filter((received) => received.path.startsWith('/v1/')).map((r) => `${r.method} ${r.path}`);

  const later = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));

  describe('Method: dispute', () => {
    it.each<[FakeDisputeStatus, DisputeOpening['status'], readonly FakeDisputeStatus[], string]>([
      ['warning_needs_response', 'warning_needs_response', [], 'inquiry'],
      ['warning_under_review', 'warning_needs_response', ['warning_under_review'], 'inquiry'],
      ['warning_closed', 'warning_needs_response', ['warning_closed'], 'inquiry-closed'],
      ['needs_response', 'needs_response', [], 'open'],
      ['under_review', 'needs_response', ['under_review'], 'open'],
      ['won', 'needs_response', ['under_review', 'won'], 'won'],
      ['lost', 'needs_response', ['under_review', 'lost'], 'lost'],
      ['appeal_needs_response', 'needs_response', ['lost', 'appeal_needs_response'], 'open'],
      ['appeal_under_review', 'needs_response', ['lost', 'appeal_needs_response', 'appeal_under_review'], 'open'],
      ['prevented', 'prevented', [], 'inquiry-closed'],
    ])('reads a dispute in Stripe status %s as where the money stands', async (_, opening, moves, expected) => {
      // Prepare
      const charge = await paidCharge();
      const { id } = fake.openDispute(charge.providerChargeId, { status: opening });
      for (const status of moves) fake.moveDispute(id, status);

      // Act
      const dispute = await provider().dispute(id);

      // Assess
      expect(dispute?.status).toBe(expected);
    });

    it('names the disputed charge by the attempt and partner its PaymentIntent carries, with the amount, reason and opening', async () => {
      // Prepare
      const charge = await paidCharge();
      later(3 * HOUR_MS);
      const { id } = fake.openDispute(charge.providerChargeId, { amount: 20_000, reason: 'product_not_received' });
      later(HOUR_MS);

      // Act
      const dispute = await provider().dispute(id);

      // Assess
      expect(dispute).toEqual({
        disputeId: id,
        status: 'open',
        amountCents: 20_000,
        currency: 'EUR',
        reason: 'product_not_received',
        openedAt: new Date(NOW.getTime() + 3 * HOUR_MS),
        charge,
      });
      expect(apiCalls()).toEqual(['POST /v1/payment_intents', `GET /v1/disputes/${id}`]);
    });

    it('answers undefined for a dispute of a PaymentIntent this system did not make', async () => {
      const { id } = fake.openDispute(await foreignPayment());

      const dispute = await provider().dispute(id);

      expect(dispute).toBeUndefined();
    });

    it('answers undefined for a dispute Stripe does not have', async () => {
      const dispute = await provider().dispute('dp_unknown');

      expect(dispute).toBeUndefined();
    });

    it('throws when Stripe cannot be asked, so the report that asked comes again', async () => {
      // Prepare
      const { id } = fake.openDispute((await paidCharge()).providerChargeId);
      fake.failNext(3, '500', { method: 'GET' });

      // Act
      const asked = provider().dispute(id);

      // Assess
      await expect(asked).rejects.toThrow('An unknown error occurred');
    });

    it("pays a charge of Stripe's pm_card_createDispute and opens a fraud chargeback on it at once", async () => {
      // Act
      const charge = await paidCharge('pm_card_createDispute');

      // Assess
      expect(fake.disputes).toHaveLength(1);
      expect(fake.eventsOf('charge.dispute.created').map((event) => event.data.object)).toEqual(fake.disputes);
      expect(fake.chargeOf(charge.providerChargeId).disputed).toBe(true);
      expect(await provider().dispute(fake.disputes[0]?.id ?? '')).toMatchObject({
        status: 'open',
        reason: 'fraudulent',
        amountCents: 52_000,
        charge,
      });
    });
  });

  describe('Method: refundsOf', () => {
    it('lists every refund of the charge oldest first, ours with their operator reference and those made at Stripe without', async () => {
      // Prepare: an operator refund, a dashboard refund, and an operator refund that waits.
      const charge = await paidCharge();
      const first = await provider().refund(refundOf(charge, { amountCents: 1_000 }));
      later(60_000);
      const dashboard = fake.refundFromDashboard(charge.providerChargeId, 2_000);
      later(60_000);
      fake.nextRefundEndsIn('requires_action');
      const waiting = await provider().refund(
        refundOf(charge, { amountCents: 3_000, operatorReference: 'refund-0043', idempotencyKey: 'refund-0043:part' }),
      );

      // Act
      const refunds = await provider().refundsOf(charge.providerChargeId);

      // Assess
      expect(refunds).toEqual({
        charge,
        refunds: [
          {
            refundId: (first as { refundId: string }).refundId,
            amountCents: 1_000,
            status: 'succeeded',
            createdAt: NOW,
            operatorReference: 'refund-0042',
          },
          {
            refundId: dashboard.id,
            amountCents: 2_000,
            status: 'succeeded',
            createdAt: new Date(NOW.getTime() + 60_000),
          },
          {
            refundId: (waiting as { refundId: string }).refundId,
            amountCents: 3_000,
            status: 'pending',
            createdAt: new Date(NOW.getTime() + 120_000),
            operatorReference: 'refund-0043',
          },
        ],
      });
    });

    it('shows refunds that failed or were canceled as such: their money never left', async () => {
      // Prepare
      const charge = await paidCharge();
      const failed = fake.refundFromDashboard(charge.providerChargeId, 1_000);
      fake.moveRefund(failed.id, 'failed');
      later(60_000);
      fake.nextRefundEndsIn('requires_action');
      const canceled = fake.refundFromDashboard(charge.providerChargeId, 2_000);
      fake.moveRefund(canceled.id, 'canceled');

      // Act
      const refunds = await provider().refundsOf(charge.providerChargeId);

      // Assess
      expect(refunds?.refunds.map((refund) => [refund.refundId, refund.status])).toEqual([
        [failed.id, 'failed'],
        [canceled.id, 'canceled'],
      ]);
    });

    it('reads every page of a charge with more refunds than Stripe lists at once', async () => {
      // Prepare
      const charge = await paidCharge();
      for (let index = 0; index < 101; index += 1) fake.refundFromDashboard(charge.providerChargeId, 1);

      // Act
      const refunds = await provider().refundsOf(charge.providerChargeId);

      // Assess
      expect(refunds?.refunds).toHaveLength(101);
      expect(refunds?.refunds.map((refund) => refund.refundId).sort()).toEqual(fake.refunds.map((r) => r.id).sort());
      expect(apiCalls().filter((call) => call === 'GET /v1/refunds')).toHaveLength(2);
    });

    it('answers undefined for a PaymentIntent this system did not make, or one Stripe does not have', async () => {
      const foreign = await foreignPayment();
      fake.refundFromDashboard(foreign);

      expect(await provider().refundsOf(foreign)).toBeUndefined();
      expect(await provider().refundsOf('pi_unknown')).toBeUndefined();
    });
  });

  describe('Method: refund', () => {
    it('refunds the amount of the charge, keyed by the part and carrying the attempt, partner, operator refund and part', async () => {
      // Prepare
      const charge = await paidCharge();
      const request = refundOf(charge);

      // Act
      const result = await provider().refund(request);

      // Assess
      expect(result).toEqual({ outcome: 'refunded', refundId: fake.refunds[0]?.id });
      expect(fake.refunds).toEqual([
        expect.objectContaining({
          amount: 10_000,
          payment_intent: charge.providerChargeId,
          status: 'succeeded',
          metadata: {
            partnerId: charge.partnerId,
            attemptId: charge.attemptId,
            operatorReference: 'refund-0042',
            refundPart: request.idempotencyKey,
          },
        }),
      ]);
      expect(fake.requests.find((received) => received.path === '/v1/refunds')?.idempotencyKey).toBe(
        request.idempotencyKey,
      );
      expect(fake.chargeOf(charge.providerChargeId)).toMatchObject({ amount_refunded: 10_000, refunded: false });
    });

    it('answers a repeat of the part with the same refund, and refunds once', async () => {
      // Prepare
      const request = refundOf(await paidCharge());

      // Act
      const first = await provider().refund(request);
      const repeat = await provider().refund(request);

      // Assess
      expect(repeat).toEqual(first);
      expect(fake.refunds).toHaveLength(1);
    });

    it('answers a part first sent before Stripe forgot its key with the refund it made, found by its metadata', async () => {
      // Prepare
      const request = refundOf(await paidCharge());
      const first = await provider().refund(request);
      fake.expireIdempotencyKeys();
      later(24 * HOUR_MS);
      const callsBefore = apiCalls().length;

      // Act
      const resumed = await provider().refund(request);

      // Assess
      expect(resumed).toEqual(first);
      expect(fake.refunds).toHaveLength(1);
      expect(apiCalls().slice(callsBefore)).toEqual(['GET /v1/refunds']);
    });

    it('refunds an old part whose earlier sending made no refund, after looking for one', async () => {
      // Prepare: the part was first sent a day ago and made no refund; the charge has another one.
      const charge = await paidCharge();
      fake.refundFromDashboard(charge.providerChargeId, 500);
      const request = refundOf(charge, { firstTriedAt: new Date(NOW.getTime() - 24 * HOUR_MS) });

      // Act
      const result = await provider().refund(request);

      // Assess
      expect(result).toEqual({ outcome: 'refunded', refundId: fake.refunds[1]?.id });
      expect(apiCalls().slice(-2)).toEqual(['GET /v1/refunds', 'POST /v1/refunds']);
    });

    it('answers refused for an old part whose refund failed since: its money never left', async () => {
      // Prepare
      const request = refundOf(await paidCharge());
      const first = await provider().refund(request);
      fake.moveRefund((first as { refundId: string }).refundId, 'failed');
      fake.expireIdempotencyKeys();
      later(24 * HOUR_MS);

      // Act
      const resumed = await provider().refund(request);

      // Assess
      expect(resumed).toEqual({ outcome: 'refused', reason: expect.stringContaining('failed') });
      expect(fake.refunds).toHaveLength(1);
    });

    it('answers unknown, and refunds nothing, when the lookup of an old part fails', async () => {
      // Prepare
      const request = refundOf(await paidCharge(), { firstTriedAt: new Date(NOW.getTime() - 24 * HOUR_MS) });
      fake.failNext(3, '500', { method: 'GET', path: '/v1/refunds' });

      // Act
      const result = await provider().refund(request);

      // Assess
      expect(result).toEqual({ outcome: 'unknown', reason: expect.stringContaining('api_error') });
      expect(fake.refunds).toHaveLength(0);
    });

    it('answers refunded for a refund Stripe is still making', async () => {
      const request = refundOf(await paidCharge());
      fake.nextRefundEndsIn('pending');

      const result = await provider().refund(request);

      expect(result).toEqual({ outcome: 'refunded', refundId: fake.refunds[0]?.id });
    });

    it('is refused with amount_too_large for more than is left of the charge, and refunds nothing', async () => {
      // Prepare
      const charge = await paidCharge();
      fake.refundFromDashboard(charge.providerChargeId, 50_000);

      // Act
      const result = await provider().refund(refundOf(charge, { amountCents: 2_001 }));

      // Assess
      expect(result).toEqual({ outcome: 'refused', reason: expect.stringContaining('code amount_too_large') });
      expect(result).toMatchObject({ reason: expect.stringContaining('greater than unrefunded amount on charge') });
      expect(fake.refunds).toHaveLength(1);
    });

    it('is refused with charge_already_refunded for a charge refunded in full', async () => {
      const charge = await paidCharge();
      fake.refundFromDashboard(charge.providerChargeId);

      const result = await provider().refund(refundOf(charge));

      expect(result).toEqual({ outcome: 'refused', reason: expect.stringContaining('code charge_already_refunded') });
      expect(fake.chargeOf(charge.providerChargeId)).toMatchObject({ amount_refunded: 52_000, refunded: true });
    });

    it('is refused with charge_disputed for a charge under a chargeback', async () => {
      const charge = await paidCharge();
      fake.openDispute(charge.providerChargeId);

      const result = await provider().refund(refundOf(charge));

      expect(result).toEqual({ outcome: 'refused', reason: expect.stringContaining('code charge_disputed') });
      expect(fake.refunds).toHaveLength(0);
    });

    it('refunds a charge under an inquiry, which took no money', async () => {
      const charge = await paidCharge();
      fake.openDispute(charge.providerChargeId, { status: 'warning_needs_response' });

      const result = await provider().refund(refundOf(charge));

      expect(result).toMatchObject({ outcome: 'refunded' });
    });

    it('answers unknown when every try fails with a 500, and a repeat with the key then refunds once', async () => {
      // Prepare
      const request = refundOf(await paidCharge());
      fake.failNext(3, '500', { method: 'POST', path: '/v1/refunds' });

      // Act
      const first = await provider().refund(request);
      const repeat = await provider().refund(request);

      // Assess
      expect(first).toEqual({ outcome: 'unknown', reason: expect.stringContaining('status 500') });
      expect(repeat).toEqual({ outcome: 'refunded', refundId: fake.refunds[0]?.id });
      expect(fake.refunds).toHaveLength(1);
    });

    it('answers unknown when every try times out after the refund was made, and a repeat finds that refund', async () => {
      // Prepare
      const request = refundOf(await paidCharge());
      fake.failNext(3, 'timeout-after-charge', { method: 'POST', path: '/v1/refunds' });
      const client = provider({ timeoutMs: TEST_TIMEOUT_MS });

      // Act
      const first = await client.refund(request);
      const repeat = await client.refund(request);

      // Assess
      expect(first).toEqual({ outcome: 'unknown', reason: expect.stringContaining('timeout') });
      expect(repeat).toEqual({ outcome: 'refunded', refundId: fake.refunds[0]?.id });
      expect(fake.refunds).toHaveLength(1);
    });

    it.each([0, -100, 10.5])('throws before sending a refund of %s cents', async (amountCents) => {
      const request = refundOf(await paidCharge(), { amountCents });

      await expect(provider().refund(request)).rejects.toThrow(RangeError);
      expect(apiCalls()).not.toContain('POST /v1/refunds');
    });
  });

  describe('Class: LazyStripePaymentProvider', () => {
    it('asks Stripe about disputes and refunds through the provider it loads', async () => {
      // Prepare
      const lazy = new LazyStripePaymentProvider(clientOptions(), PAGES);
      const charge = await paidCharge();
      const { id } = fake.openDispute(charge.providerChargeId, { status: 'warning_needs_response' });

      // Act
      const refund = await lazy.refund(refundOf(charge));
      const refunds = await lazy.refundsOf(charge.providerChargeId);
      const dispute = await lazy.dispute(id);

      // Assess
      expect(refund).toEqual({ outcome: 'refunded', refundId: fake.refunds[0]?.id });
      expect(refunds?.refunds.map((made) => made.refundId)).toEqual([fake.refunds[0]?.id]);
      expect(dispute).toMatchObject({ disputeId: id, status: 'inquiry', charge });
    });
  });
});
