/**
 * The API's card routes (docs/contract.md §13) against DynamoDB Local, the sandbox card
 * provider and a real recharge queue on the SQS emulator: cards checked before they are
 * stored, backup cards, setup pages, charges waiting for authentication, and charges the
 * provider gives no clear answer to within the API's time budget handed to the queue.
 */
import type { CardProvider } from '../../../functions/domain/card-provider';
import type { PaymentMethodCheck, PaymentProvider } from '../../../functions/domain/recharge/payment-provider';
import { ApiHarness } from '../../support/api-harness';
import { RechargeHarness } from '../../support/recharge-harness';
import { type TestQueues, createTestQueues } from '../../support/usage-queues';

const PROBLEM = 'urn:prepaid-billing:problem:';

/** The sandbox with some answers changed, as a provider of another kind would give them. */
function changedProvider(base: CardProvider, changes: Partial<PaymentProvider>): CardProvider {
  return {
    requiresCustomer: base.requiresCustomer,
    charge: (request) => base.charge(request),
    chargeStatus: (reference) => base.chargeStatus(reference),
    cancelCharge: (reference) => base.cancelCharge(reference),
    checkPaymentMethod: (paymentMethod, customerId) => base.checkPaymentMethod(paymentMethod, customerId),
    createSetupSession: (request) => base.createSetupSession(request),
    savedCard: (setupReference) => base.savedCard(setupReference),
    dispute: (disputeId) => base.dispute(disputeId),
    refundsOf: (providerChargeId) => base.refundsOf(providerChargeId),
    refund: (request) => base.refund(request),
    createPaymentPage: (request) => base.createPaymentPage(request),
    ...changes,
  };
}

describe('Handler: api, cards', () => {
  let recharge: RechargeHarness;
  let queue: TestQueues;
  let api: ApiHarness;

  beforeAll(async () => {
    [recharge, queue] = await Promise.all([RechargeHarness.start(), createTestQueues()]);
    api = new ApiHarness(recharge, { queue });
  });

  afterEach(async () => {
    recharge.faults.disarm();
    // Each test reads the hand-offs it caused.
    await api.queuedRequests();
  });

  afterAll(async () => {
    await Promise.all([recharge.stop(), queue.drop()]);
  });

  const createPartner = (partnerId: string, extra: Record<string, unknown> = {}, through = api) =>
    through.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      previousInvoiceRemainder: '600.00',
      ...extra,
    });

  describe('POST /partners', () => {
    it('refuses a card the provider does not know with 422 naming the field and the reason, and creates nothing', async () => {
      const response = await createPartner('card-1', { paymentMethod: 'pm_made_up' });

      expect(response).toMatchObject({
        status: 422,
        contentType: 'application/problem+json',
        body: { type: `${PROBLEM}payment-method-refused`, status: 422 },
      });
      expect(response.body.detail).toBe(
        "paymentMethod was refused by the card provider (not-found): pm_made_up is not one of the sandbox's test payment methods",
      );
      expect((await api.call('GET', '/partners/card-1')).status).toBe(404);
    });

    it('refuses a backup card that is not a card, and creates nothing', async () => {
      const response = await createPartner('card-2', { backupPaymentMethod: 'pm_sepa_debit' });

      expect(response.status).toBe(422);
      expect(response.body.detail).toContain('backupPaymentMethod was refused by the card provider (not-a-card)');
      expect((await api.call('GET', '/partners/card-2')).status).toBe(404);
    });

    it('stores a backup card and shows both cards with their standing', async () => {
      const created = await createPartner('card-3', {
        paymentCustomerId: 'cus_card3',
        backupPaymentMethod: 'pm_card_mastercard',
      });

      const partner = await api.call('GET', '/partners/card-3');

      expect(created.status).toBe(201);
      expect(partner.body).toMatchObject({
        paymentMethod: 'pm_card_visa',
        paymentCustomerId: 'cus_card3',
        backupPaymentMethod: 'pm_card_mastercard',
        cards: {
          primary: { paymentMethod: 'pm_card_visa', softDeclines: 0, retriesLeft: 8, chargeable: true },
          backup: { paymentMethod: 'pm_card_mastercard', softDeclines: 0, retriesLeft: 8, chargeable: true },
        },
      });
      expect(partner.body.chargeInFlight).toBeUndefined();
    });

    it('answers a repeated create with its backup card with the account, and refuses another backup card with 409', async () => {
      await createPartner('card-4', { backupPaymentMethod: 'pm_card_mastercard' });

      const again = await createPartner('card-4', { backupPaymentMethod: 'pm_card_mastercard' });
      const other = await createPartner('card-4', { backupPaymentMethod: 'pm_card_visa' });
      const without = await createPartner('card-4');

      expect(again.status).toBe(200);
      expect(other).toMatchObject({ status: 409, body: { type: `${PROBLEM}partner-exists-with-other-details` } });
      expect(other.body.detail).toContain('backupPaymentMethod is "pm_card_mastercard", not "pm_card_visa"');
      expect(without.body.detail).toContain('backupPaymentMethod is "pm_card_mastercard", not not set');
      expect((await api.call('GET', '/partners/card-4')).body).toMatchObject({
        backupPaymentMethod: 'pm_card_mastercard',
      });
    });

    it('refuses a partner without a customer with 400 when the provider keeps cards per customer, before asking it', async () => {
      // Prepare
      const checks: string[] = [];
      const stripeLike = new ApiHarness(recharge, {
        queue,
        provider: changedProvider(recharge.provider, {
          requiresCustomer: true,
          checkPaymentMethod: async (paymentMethod) => {
            checks.push(paymentMethod);
            return { verdict: 'usable' };
          },
        }),
      });

      // Act
      const response = await createPartner('card-5', {}, stripeLike);

      // Assess
      expect(response).toMatchObject({ status: 400, body: { type: `${PROBLEM}customer-required` } });
      expect(response.body.detail).toContain('give paymentCustomerId');
      expect(checks).toEqual([]);
      expect((await api.call('GET', '/partners/card-5')).status).toBe(404);
    });

    it('checks both cards with the customer of the request', async () => {
      // Prepare
      const checks: [string, string | undefined][] = [];
      const stripeLike = new ApiHarness(recharge, {
        queue,
        provider: changedProvider(recharge.provider, {
          requiresCustomer: true,
          checkPaymentMethod: async (paymentMethod, customerId) => {
            checks.push([paymentMethod, customerId]);
            return { verdict: 'usable' };
          },
        }),
      });

      // Act
      const response = await createPartner(
        'card-6',
        { paymentCustomerId: 'cus_6', backupPaymentMethod: 'pm_card_mastercard' },
        stripeLike,
      );

      // Assess
      expect(response.status).toBe(201);
      expect(checks.sort()).toEqual([
        ['pm_card_mastercard', 'cus_6'],
        ['pm_card_visa', 'cus_6'],
      ]);
    });

    it('answers 503 and stores nothing when the provider cannot check the card', async () => {
      const unclear: PaymentMethodCheck = { verdict: 'unknown', detail: 'timed out after 4 s' };
      const slow = new ApiHarness(recharge, {
        queue,
        provider: changedProvider(recharge.provider, { checkPaymentMethod: async () => unclear }),
      });

      const response = await createPartner('card-7', {}, slow);

      expect(response).toMatchObject({ status: 503, body: { type: `${PROBLEM}provider-unavailable` } });
      expect(response.body.detail).toBe(
        'the card provider could not check paymentMethod: timed out after 4 s; nothing was stored, try again',
      );
      expect((await api.call('GET', '/partners/card-7')).status).toBe(404);
    });

    it('answers 202 and hands the opening charge to the recharge queue when the provider gives no clear answer', async () => {
      // Prepare
      recharge.provider.failNext('timeout-after-charge');

      // Act
      const response = await createPartner('card-8', { previousInvoiceRemainder: '0.00' });

      // Assess
      const attemptId = (response.body.openingCharge as { attemptId: string }).attemptId;
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({
        partnerId: 'card-8',
        liveBalance: '0.00',
        openingCharge: { outcome: 'unknown', state: 'pending', credit: '500.00', fee: '20.00', total: '520.00' },
        chargeInFlight: { attemptId, state: 'pending' },
      });
      expect(await api.queuedRequests()).toEqual([
        { partnerId: 'card-8', trigger: 'opening', requestedAt: recharge.clock.now().toISOString() },
      ]);
    });

    it('shows an opening charge waiting for authentication with the page where the partner completes it', async () => {
      const response = await createPartner('card-9', {
        paymentMethod: 'pm_card_authenticationRequired',
        previousInvoiceRemainder: '0.00',
      });

      const partner = await api.call('GET', '/partners/card-9');

      const actionUrl = recharge.provider.charges.at(-1)?.result;
      expect(actionUrl).toMatchObject({ outcome: 'action-required' });
      expect(response).toMatchObject({
        status: 201,
        body: {
          openingCharge: {
            outcome: 'action-required',
            state: 'action-required',
            actionUrl: (actionUrl as { actionUrl: string }).actionUrl,
          },
        },
      });
      expect(partner.body.chargeInFlight).toEqual({
        attemptId: (response.body.openingCharge as { attemptId: string }).attemptId,
        state: 'action-required',
        actionUrl: (actionUrl as { actionUrl: string }).actionUrl,
      });
    });
  });

  describe('PUT /partners/{id}/payment-method', () => {
    it('refuses a card the provider refuses with 422 and keeps the card it has', async () => {
      await createPartner('put-1');

      const response = await api.call('PUT', '/partners/put-1/payment-method', { paymentMethod: 'pm_sepa_debit' });

      expect(response).toMatchObject({ status: 422, body: { type: `${PROBLEM}payment-method-refused` } });
      expect(response.body.detail).toContain('(not-a-card)');
      expect((await api.call('GET', '/partners/put-1')).body).toMatchObject({ paymentMethod: 'pm_card_visa' });
    });

    it('puts a backup card, shown with its standing, and keeps the primary', async () => {
      await createPartner('put-2');

      const response = await api.call('PUT', '/partners/put-2/payment-method', {
        paymentMethod: 'pm_card_mastercard',
        role: 'backup',
      });

      expect(response).toMatchObject({
        status: 200,
        body: {
          paymentMethod: 'pm_card_visa',
          backupPaymentMethod: 'pm_card_mastercard',
          cards: { backup: { paymentMethod: 'pm_card_mastercard', retriesLeft: 8, chargeable: true } },
          charge: { outcome: 'nothing-to-charge' },
        },
      });
    });

    it("checks the card with the partner's customer when the request names none, and with the request's when it does", async () => {
      // Prepare
      const checks: (string | undefined)[] = [];
      const stripeLike = new ApiHarness(recharge, {
        queue,
        provider: changedProvider(recharge.provider, {
          requiresCustomer: true,
          checkPaymentMethod: async (_, customerId) => {
            checks.push(customerId);
            return { verdict: 'usable' };
          },
        }),
      });
      await createPartner('put-3', { paymentCustomerId: 'cus_old' }, stripeLike);
      checks.length = 0;

      // Act
      await stripeLike.call('PUT', '/partners/put-3/payment-method', { paymentMethod: 'pm_card_mastercard' });
      const moved = await stripeLike.call('PUT', '/partners/put-3/payment-method', {
        paymentMethod: 'pm_card_visa',
        paymentCustomerId: 'cus_new',
      });

      // Assess
      expect(checks).toEqual(['cus_old', 'cus_new']);
      expect(moved.body).toMatchObject({ paymentMethod: 'pm_card_visa', paymentCustomerId: 'cus_new' });
    });

    it('refuses a card for a partner without a customer with 400 when the provider keeps cards per customer', async () => {
      await createPartner('put-4');
      const stripeLike = new ApiHarness(recharge, {
        queue,
        provider: changedProvider(recharge.provider, { requiresCustomer: true }),
      });

      const response = await stripeLike.call('PUT', '/partners/put-4/payment-method', {
        paymentMethod: 'pm_card_mastercard',
      });

      expect(response).toMatchObject({ status: 400, body: { type: `${PROBLEM}customer-required` } });
      expect(response.body.detail).toContain('partner "put-4" has none');
      expect((await api.call('GET', '/partners/put-4')).body).toMatchObject({ paymentMethod: 'pm_card_visa' });
    });

    it('answers 202 and hands the retried charge to the recharge queue when the provider gives no clear answer', async () => {
      // Prepare: the opening charge was declined.
      await createPartner('put-5', { paymentMethod: 'pm_card_chargeDeclined', previousInvoiceRemainder: '0.00' });
      recharge.provider.failNext('timeout-after-charge');

      // Act
      const response = await api.call('PUT', '/partners/put-5/payment-method', { paymentMethod: 'pm_card_visa' });

      // Assess
      const attemptId = (response.body.charge as { attemptId: string }).attemptId;
      expect(response).toMatchObject({
        status: 202,
        body: {
          paymentMethod: 'pm_card_visa',
          charge: { outcome: 'unknown', attemptId, state: 'pending' },
          chargeInFlight: { attemptId, state: 'pending' },
        },
      });
      expect(await api.queuedRequests()).toEqual([
        { partnerId: 'put-5', trigger: 'payment-method-updated', requestedAt: recharge.clock.now().toISOString() },
      ]);
    });

    it('answers 404 for an unknown partner without asking the provider', async () => {
      const checks: string[] = [];
      const counting = new ApiHarness(recharge, {
        queue,
        provider: changedProvider(recharge.provider, {
          checkPaymentMethod: async (paymentMethod) => {
            checks.push(paymentMethod);
            return { verdict: 'usable' };
          },
        }),
      });

      const response = await counting.call('PUT', '/partners/nobody/payment-method', { paymentMethod: 'pm_card_visa' });

      expect(response).toMatchObject({ status: 404, body: { type: `${PROBLEM}unknown-partner` } });
      expect(checks).toEqual([]);
    });
  });

  describe('POST /partners/{id}/payment-method/setup', () => {
    it("answers the provider's setup page for the partner's customer, valid for 24 hours", async () => {
      await createPartner('setup-1', { paymentCustomerId: 'cus_setup1' });

      const response = await api.call('POST', '/partners/setup-1/payment-method/setup', { role: 'backup' });

      const session = recharge.provider.setupSessions.at(-1);
      expect(response).toEqual({
        status: 201,
        contentType: 'application/json',
        body: {
          sessionId: session?.sessionId,
          url: session?.url,
          expiresAt: new Date(recharge.clock.now().getTime() + 24 * 3600 * 1000).toISOString(),
          role: 'backup',
        },
      });
      expect(session).toMatchObject({ partnerId: 'setup-1', customerId: 'cus_setup1', role: 'backup', status: 'open' });
    });

    it('makes a page for the primary card when the body names no role', async () => {
      await createPartner('setup-2', { paymentCustomerId: 'cus_setup2' });

      const response = await api.call('POST', '/partners/setup-2/payment-method/setup', {});

      expect(response).toMatchObject({ status: 201, body: { role: 'primary' } });
    });

    it('refuses a partner without a customer with 409, making no page', async () => {
      await createPartner('setup-3');
      const pages = recharge.provider.setupSessions.length;

      const response = await api.call('POST', '/partners/setup-3/payment-method/setup', {});

      expect(response).toMatchObject({ status: 409, body: { type: `${PROBLEM}customer-required` } });
      expect(recharge.provider.setupSessions).toHaveLength(pages);
    });

    it('answers 503 when the provider cannot make the page', async () => {
      await createPartner('setup-4', { paymentCustomerId: 'cus_setup4' });
      recharge.faults.arm('provider.createSetupSession:before');

      const response = await api.call('POST', '/partners/setup-4/payment-method/setup', {});

      expect(response).toMatchObject({ status: 503, body: { type: `${PROBLEM}provider-unavailable` } });
      expect(response.body.detail).toBe('the card provider did not create a setup page; nothing was stored, try again');
    });

    it.each([
      ['/partners/nobody/payment-method/setup', {}, 404, 'unknown-partner'],
      ['/partners/setup-1/payment-method/setup', { role: 'spare' }, 400, 'validation-failed'],
    ])('refuses POST %s %j with %i', async (path, body, status, type) => {
      expect(await api.call('POST', path, body)).toMatchObject({ status, body: { type: `${PROBLEM}${type}` } });
    });
  });

  describe('GET /partners/{id}', () => {
    it('shows the soft declines of a card and the retries it has left', async () => {
      await createPartner('get-1', { paymentMethod: 'pm_card_chargeDeclined', previousInvoiceRemainder: '0.00' });

      const partner = await api.call('GET', '/partners/get-1');

      expect(partner.body.cards).toEqual({
        primary: { paymentMethod: 'pm_card_chargeDeclined', softDeclines: 1, retriesLeft: 7, chargeable: true },
      });
    });

    it('shows a hard decline: the card is never charged again', async () => {
      await createPartner('get-2', {
        paymentMethod: 'pm_card_chargeDeclinedLostCard',
        previousInvoiceRemainder: '0.00',
      });

      const partner = await api.call('GET', '/partners/get-2');

      expect(partner.body.cards).toEqual({
        primary: {
          paymentMethod: 'pm_card_chargeDeclinedLostCard',
          softDeclines: 0,
          hardDecline: 'lost_card',
          retriesLeft: 0,
          chargeable: false,
        },
      });
    });
  });

  describe('POST /partners/{id}/reconciliations', () => {
    it("hands a debit adjustment's recharge to the queue when the provider gives no clear answer", async () => {
      // Prepare: a month with no usage, billed 550.00 upstream: the balance falls to 50.00, below the threshold.
      recharge.clock.set(new Date('2026-10-05T09:00:00Z'));
      await createPartner('rec-1');
      recharge.clock.set(new Date('2026-11-03T09:00:00Z'));
      recharge.provider.failNext('timeout-before-charge');

      // Act
      const response = await api.call('POST', '/partners/rec-1/reconciliations', {
        period: '2026-10',
        actualAmount: '550.00',
      });

      // Assess
      expect(response).toMatchObject({ status: 201, body: { adjustment: '-550.00' } });
      expect(await api.queuedRequests()).toEqual([
        { partnerId: 'rec-1', trigger: 'below-threshold', requestedAt: '2026-11-03T09:00:00.000Z' },
      ]);
      expect((await api.call('GET', '/partners/rec-1')).body.chargeInFlight).toMatchObject({ state: 'pending' });
    });
  });
});
