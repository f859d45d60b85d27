import Stripe from 'stripe';
import {
  SandboxPaymentProvider,
  type SandboxState,
  type StripeShapedEvent,
} from '../../../functions/adapters/payments/sandbox-payment-provider';
import { StripeEventReader } from '../../../functions/adapters/payments/stripe-event-reader';
import type { PaymentPageRequest } from '../../../functions/domain/recharge/payment-pages';
import type { ChargeReference } from '../../../functions/domain/recharge/payment-provider';
import { pageRequest } from '../../support/page-request';
import { TestClock } from '../../support/test-clock';

const START = new Date('2026-11-22T09:00:00Z');
const MINUTE_MS = 60 * 1000;
const BASE_URL = 'http://127.0.0.1:18080';

/** A sandbox on a pinned clock that keeps what it hands to `onEvent`. */
const sandbox = () => {
  const clock = new TestClock(START);
  const delivered: StripeShapedEvent[] = [];
  const provider = new SandboxPaymentProvider({
    now: () => clock.now(),
    onEvent: (event) => delivered.push(event),
    pagesBaseUrl: BASE_URL,
  });
  return { provider, clock, delivered };
};

/** A page that was opened, and the reference the attempt keeps of it. */
const openPage = async (provider: SandboxPaymentProvider, request: PaymentPageRequest = pageRequest()) => {
  const page = await provider.createPaymentPage(request);
  if (page.outcome !== 'action-required') throw new Error(`no page opened: ${JSON.stringify(page)}`);
  const reference: ChargeReference = {
    partnerId: request.partnerId,
    providerChargeId: page.providerChargeId,
    idempotencyKey: request.idempotencyKey,
  };
  return { request, page, reference, sessionId: page.providerChargeId };
};

/** Pays a page on its page with a test card; a refusal fails the test where it happens. */
const pay = (provider: SandboxPaymentProvider, sessionId: string, paymentMethod?: string) => {
  const paid = provider.payPage(sessionId, paymentMethod);
  if ('outcome' in paid) throw new Error(`the page was not paid: ${paid.detail}`);
  return paid;
};

const typesOf = (events: readonly StripeShapedEvent[]) => events.map((event) => event.type);

const later = (clock: TestClock, minutes: number) => clock.set(new Date(START.getTime() + minutes * MINUTE_MS));

describe('Class: SandboxPaymentProvider, payment pages', () => {
  describe('Method: createPaymentPage', () => {
    it('opens a page of the local server for 30 minutes, answered as a charge waiting for the partner, and reports nothing yet', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const request = pageRequest();

      // Act
      const result = await provider.createPaymentPage(request);

      // Assess
      const [page] = provider.paymentPages;
      expect(result).toEqual({
        outcome: 'action-required',
        providerChargeId: page?.sessionId,
        actionUrl: `${BASE_URL}/local/pages/checkout/${page?.sessionId}`,
      });
      expect(page).toEqual({
        sessionId: expect.stringMatching(/^cs_sandbox_/),
        url: `${BASE_URL}/local/pages/checkout/${page?.sessionId}`,
        request,
        status: 'open',
        expiresAt: new Date(START.getTime() + 30 * MINUTE_MS),
      });
      expect(delivered).toEqual([]);
      expect(provider.charges).toEqual([]);
    });

    it('answers a repeat of the attempt with the same page, never a second one', async () => {
      const { provider } = sandbox();
      const request = pageRequest();
      const first = await provider.createPaymentPage(request);

      const repeated = await provider.createPaymentPage(request);

      expect(repeated).toEqual(first);
      expect(provider.paymentPages).toHaveLength(1);
    });

    it('answers the key with another amount as unknown, opening nothing', async () => {
      const { provider } = sandbox();
      const request = pageRequest();
      await provider.createPaymentPage(request);

      const other = await provider.createPaymentPage({ ...request, amountCents: 100 });

      expect(other).toEqual({ outcome: 'unknown', reason: expect.stringContaining('reused with other parameters') });
      expect(provider.paymentPages).toHaveLength(1);
    });

    it('answers a repeat after the page was paid with the PaymentIntent that paid it', async () => {
      const { provider } = sandbox();
      const { request, sessionId } = await openPage(provider);
      const paid = pay(provider, sessionId);

      const repeated = await provider.createPaymentPage(request);

      expect(repeated).toEqual({ outcome: 'succeeded', providerChargeId: paid.paymentIntent });
    });

    it('ends a repeat after the page expired as failed, nothing charged', async () => {
      const { provider, clock } = sandbox();
      const { request, sessionId } = await openPage(provider);
      later(clock, 30);

      const repeated = await provider.createPaymentPage(request);

      expect(repeated).toEqual({
        outcome: 'failed',
        reason: `sandbox: payment page ${sessionId} expired unpaid: nothing was charged`,
      });
      expect(provider.paymentPages).toHaveLength(1);
    });

    it('loses the answer of a page it opened, and a repeat answers that page', async () => {
      const { provider } = sandbox();
      const request = pageRequest();
      provider.failNext('timeout-after-charge');

      const lost = await provider.createPaymentPage(request);
      const repeated = await provider.createPaymentPage(request);

      expect(lost).toEqual({ outcome: 'unknown', reason: 'sandbox: timed out after the payment page was opened' });
      expect(repeated).toMatchObject({
        outcome: 'action-required',
        providerChargeId: provider.paymentPages[0]?.sessionId,
      });
      expect(provider.paymentPages).toHaveLength(1);
    });

    it.each([
      [
        'timeout-before-charge',
        { outcome: 'unknown', reason: 'sandbox: timed out before the payment page was opened' },
      ],
      ['refused', { outcome: 'failed', reason: 'sandbox: the request was refused, no page opened' }],
    ] as const)('plays %s without opening a page', async (fault, answer) => {
      const { provider } = sandbox();
      provider.failNext(fault);

      const result = await provider.createPaymentPage(pageRequest());

      expect(result).toEqual(answer);
      expect(provider.paymentPages).toEqual([]);
    });
  });

  describe('Method: payPage', () => {
    it("makes the attempt's PaymentIntent, paid with the card, and reports payment_intent.succeeded then checkout.session.completed", async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { request, reference, sessionId } = await openPage(provider);

      // Act
      const paid = provider.payPage(sessionId, 'pm_card_mastercard');

      // Assess
      expect(paid).toEqual({ paymentIntent: 'pi_sandbox_000001', paymentMethod: 'pm_card_mastercard' });
      expect(await provider.chargeStatus(reference)).toEqual({
        outcome: 'succeeded',
        providerChargeId: 'pi_sandbox_000001',
      });
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
      expect(delivered[0]?.data.object).toMatchObject({
        id: 'pi_sandbox_000001',
        status: 'succeeded',
        amount: request.amountCents,
        payment_method: 'pm_card_mastercard',
        metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
      });
      expect(delivered[1]?.data.object).toEqual({
        id: sessionId,
        object: 'checkout.session',
        mode: 'payment',
        status: 'complete',
        url: null,
        customer: request.customerId,
        amount_total: request.amountCents,
        currency: 'eur',
        payment_intent: 'pi_sandbox_000001',
        payment_status: 'paid',
        expires_at: START.getTime() / 1000 + 30 * 60,
        metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
        livemode: false,
      });
      expect(provider.paymentPages[0]).toMatchObject({ status: 'complete', paid });
    });

    it('pays with pm_card_visa when the partner names no card', async () => {
      const { provider } = sandbox();
      const { sessionId } = await openPage(provider);

      expect(provider.payPage(sessionId)).toMatchObject({ paymentMethod: 'pm_card_visa' });
    });

    it('pays with a card whose bank asks for authentication: the partner authenticates on the page', async () => {
      const { provider } = sandbox();
      const { reference, sessionId } = await openPage(provider);

      provider.payPage(sessionId, 'pm_card_authenticationRequired');

      expect(await provider.chargeStatus(reference)).toMatchObject({ outcome: 'succeeded' });
    });

    it('refuses a declined card and leaves the page open for another, reporting nothing', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { page, reference, sessionId } = await openPage(provider);

      // Act
      const declined = provider.payPage(sessionId, 'pm_card_chargeDeclinedInsufficientFunds');

      // Assess
      expect(declined).toEqual({
        outcome: 'refused',
        code: 'card-declined',
        detail: expect.stringContaining('(insufficient_funds)'),
      });
      expect(await provider.chargeStatus(reference)).toEqual(page);
      expect(delivered).toEqual([]);
      expect(provider.payPage(sessionId)).toMatchObject({ paymentMethod: 'pm_card_visa' });
    });

    it.each([
      ['pm_sepa_debit', 'not a card'],
      ['pm_card_unknown', "not one of the sandbox's test payment methods"],
    ])('refuses %s as a card it cannot take', async (paymentMethod, why) => {
      const { provider } = sandbox();
      const { sessionId } = await openPage(provider);

      expect(provider.payPage(sessionId, paymentMethod)).toEqual({
        outcome: 'refused',
        code: 'card-refused',
        detail: expect.stringContaining(why),
      });
    });

    it('refuses a page paid already, an expired one and one it never opened', async () => {
      const { provider, clock } = sandbox();
      const { sessionId: paid } = await openPage(provider);
      provider.payPage(paid);
      const { sessionId: lapsed } = await openPage(provider);
      later(clock, 30);

      expect(provider.payPage(paid)).toMatchObject({ outcome: 'refused', code: 'paid' });
      expect(provider.payPage(lapsed)).toEqual({
        outcome: 'refused',
        code: 'expired',
        detail: `payment page ${lapsed} expired at 2026-11-22T09:30:00.000Z`,
      });
      expect(provider.payPage('cs_sandbox_missing')).toMatchObject({ outcome: 'refused', code: 'not-found' });
    });

    it('makes a PaymentIntent that refunds and disputes reach as any charge of the attempt', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { request, sessionId } = await openPage(provider);
      provider.payPage(sessionId, 'pm_card_createDispute');

      // Act
      later(clock, 1);
      provider.clockMoved();

      // Assess
      expect(provider.disputes).toEqual([expect.objectContaining({ payment_intent: 'pi_sandbox_000001' })]);
      expect(await provider.refundsOf('pi_sandbox_000001')).toMatchObject({
        charge: {
          partnerId: request.partnerId,
          attemptId: request.idempotencyKey,
          providerChargeId: 'pi_sandbox_000001',
        },
      });
      expect(typesOf(delivered)).toContain('charge.dispute.created');
    });
  });

  describe('Expiry', () => {
    it('expires a page the partner abandons, nothing charged, and reports checkout.session.expired', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { reference, sessionId } = await openPage(provider);

      // Act
      const abandoned = provider.abandonPage(sessionId);

      // Assess
      expect(abandoned).toMatchObject({ sessionId, status: 'expired' });
      expect(await provider.chargeStatus(reference)).toEqual({ outcome: 'canceled', providerChargeId: sessionId });
      expect(typesOf(delivered)).toEqual(['checkout.session.expired']);
      expect(delivered[0]?.data.object).toMatchObject({ status: 'expired', url: null, payment_status: 'unpaid' });
      expect(provider.payPage(sessionId)).toMatchObject({ outcome: 'refused', code: 'expired' });
      expect(provider.abandonPage(sessionId)).toMatchObject({ outcome: 'refused', code: 'expired' });
      expect(provider.charges).toEqual([]);
    });

    it('refuses to abandon a paid page', async () => {
      const { provider } = sandbox();
      const { sessionId } = await openPage(provider);
      provider.payPage(sessionId);

      expect(provider.abandonPage(sessionId)).toMatchObject({ outcome: 'refused', code: 'paid' });
    });

    it('reads a page past its 30 minutes as expired, and reports it once when the clock moves', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { reference, sessionId } = await openPage(provider);
      later(clock, 29);
      provider.clockMoved();
      const stillOpen = await provider.chargeStatus(reference);

      // Act
      later(clock, 30);
      const lapsed = await provider.chargeStatus(reference);
      provider.clockMoved();
      provider.clockMoved();

      // Assess
      expect(stillOpen).toMatchObject({ outcome: 'action-required' });
      expect(lapsed).toEqual({ outcome: 'canceled', providerChargeId: sessionId });
      expect(typesOf(delivered)).toEqual(['checkout.session.expired']);
    });

    it('never reports a paid page as expired', async () => {
      const { provider, clock, delivered } = sandbox();
      const { sessionId } = await openPage(provider);
      provider.payPage(sessionId);

      later(clock, 60);
      provider.clockMoved();

      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    });
  });

  describe('Methods: chargeStatus and cancelCharge, of a payment page', () => {
    it('cancels an open page by expiring it, and answers canceled again when asked again', async () => {
      const { provider, delivered } = sandbox();
      const { reference, sessionId } = await openPage(provider);

      const canceled = await provider.cancelCharge(reference);
      const again = await provider.cancelCharge(reference);

      expect(canceled).toEqual({ outcome: 'canceled', providerChargeId: sessionId });
      expect(again).toEqual(canceled);
      expect(typesOf(delivered)).toEqual(['checkout.session.expired']);
    });

    it('answers succeeded with the PaymentIntent when the page was paid before it could be canceled', async () => {
      const { provider } = sandbox();
      const { reference, sessionId } = await openPage(provider);
      const paid = pay(provider, sessionId);

      const answer = await provider.cancelCharge(reference);

      expect(answer).toEqual({ outcome: 'succeeded', providerChargeId: paid.paymentIntent });
    });

    it('reports the page of another attempt as unknown, and leaves it open', async () => {
      const { provider } = sandbox();
      const { reference } = await openPage(provider);

      const status = await provider.chargeStatus({ ...reference, idempotencyKey: 'att-other' });
      const canceled = await provider.cancelCharge({ ...reference, partnerId: 'partner-2' });

      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('not attempt att-other') });
      expect(canceled).toMatchObject({ outcome: 'unknown' });
      expect(provider.paymentPages[0]?.status).toBe('open');
    });
  });

  describe("Stripe's reading of its events", () => {
    it('reads a page paid and a page expired each as a change of the charge of its attempt, as the webhook reads them from Stripe', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { request: paidRequest, sessionId: paid } = await openPage(provider);
      const { request: leftRequest, sessionId: left } = await openPage(provider);
      provider.payPage(paid);
      provider.abandonPage(left);
      const secret = 'whsec_sandbox_test';
      const reader = new StripeEventReader(secret, undefined, { now: () => START });

      // Act
      const read = await Promise.all(
        delivered.map((event) => {
          const payload = JSON.stringify(event);
          const signature = Stripe.webhooks.generateTestHeaderString({
            payload,
            secret,
            timestamp: START.getTime() / 1000,
          });
          return reader.read(payload, signature);
        }),
      );

      // Assess
      expect(
        read.map((event) =>
          event.kind === 'charge-changed' ? [event.kind, event.attemptId, event.providerChargeId] : event.kind,
        ),
      ).toEqual([
        ['charge-changed', paidRequest.idempotencyKey, 'pi_sandbox_000001'],
        ['charge-changed', paidRequest.idempotencyKey, paid],
        ['charge-changed', leftRequest.idempotencyKey, left],
      ]);
    });
  });

  describe('Method: snapshot', () => {
    /** A sandbox started from another's snapshot gone through JSON, as a file keeps it, on the same clock. */
    const restarted = (provider: SandboxPaymentProvider, clock: TestClock) => {
      const state = JSON.parse(JSON.stringify(provider.snapshot())) as SandboxState;
      const delivered: StripeShapedEvent[] = [];
      const successor = new SandboxPaymentProvider({
        now: () => clock.now(),
        onEvent: (event) => delivered.push(event),
        pagesBaseUrl: BASE_URL,
        state,
      });
      return { provider: successor, delivered };
    };

    it('keeps the pages: an open one is paid after a restart, a key answers its page, and a paid one its PaymentIntent', async () => {
      // Prepare
      const { provider, clock } = sandbox();
      const open = await openPage(provider);
      const paid = await openPage(provider);
      provider.payPage(paid.sessionId);
      const abandoned = await openPage(provider);
      provider.abandonPage(abandoned.sessionId);

      // Act
      const after = restarted(provider, clock);
      const taken = after.provider.snapshot();
      const paidAfter = after.provider.payPage(open.sessionId);

      // Assess
      expect(taken).toEqual(provider.snapshot());
      expect(paidAfter).toEqual({ paymentIntent: 'pi_sandbox_000002', paymentMethod: 'pm_card_visa' });
      expect(typesOf(after.delivered)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
      expect(await after.provider.createPaymentPage(paid.request)).toEqual({
        outcome: 'succeeded',
        providerChargeId: 'pi_sandbox_000001',
      });
      expect(await after.provider.chargeStatus(abandoned.reference)).toEqual({
        outcome: 'canceled',
        providerChargeId: abandoned.sessionId,
      });
      expect(after.provider.paymentPages.map((page) => page.status)).toEqual(['complete', 'complete', 'expired']);
    });

    it('refuses a state whose paid page names a PaymentIntent it does not hold', async () => {
      const { provider } = sandbox();
      const { sessionId } = await openPage(provider);
      provider.payPage(sessionId);
      const { charges: _charges, ...rest } = provider.snapshot();

      expect(() => new SandboxPaymentProvider({ state: { ...rest, charges: [] } })).toThrow(
        `sandbox state: payment page ${sessionId} was paid by pi_sandbox_000001, which is not among the charges`,
      );
    });
  });
});
