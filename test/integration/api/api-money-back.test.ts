/**
 * The operator's routes of money that comes back, end to end over DynamoDB Local and the
 * sandbox card provider: refunds of unused balance and closing an account
 * (docs/contract.md §13).
 */
import { ApiHarness } from '../../support/api-harness';
import { RechargeHarness } from '../../support/recharge-harness';

const PROBLEM = 'urn:prepaid-billing:problem:';

describe('Handler: api, money back', () => {
  let recharge: RechargeHarness;
  let api: ApiHarness;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    api = new ApiHarness(recharge);
  });

  afterAll(async () => {
    await recharge.stop();
  });

  afterEach(() => {
    recharge.faults.disarm();
  });

  /** A partner opened with 120.00 left: the opening charge credits 380.00 (395.20 with the fee), the balance is 500.00. */
  async function partnerWithCharge(partnerId: string): Promise<void> {
    const created = await api.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      previousInvoiceRemainder: '120.00',
    });
    expect(created.body).toMatchObject({ liveBalance: '500.00', openingCharge: { credit: '380.00' } });
  }

  const refund = (partnerId: string, amount: string, reference: string) =>
    api.call('POST', `/partners/${partnerId}/refunds`, { amount, reference });
  const liveBalance = async (partnerId: string) =>
    (await api.call('GET', `/partners/${partnerId}/balance`)).body.liveBalance;
  /** What the sandbox paid back to the cards of a partner, in cents. */
  const refundedCents = (partnerId: string) =>
    recharge.provider.refunds
      .filter((made) =>
        recharge.provider.charges.some(
          (charge) => charge.chargeId === made.payment_intent && charge.request.partnerId === partnerId,
        ),
      )
      .reduce((total, made) => total + made.amount, 0);

  describe('POST /partners/{id}/refunds', () => {
    it('pays unused balance back to the card charge once, and answers a repeat with the same refund, 200', async () => {
      // Prepare
      await partnerWithCharge('rf-1');

      // Act
      const refunded = await refund('rf-1', '120.00', 'ticket-1');
      const again = await refund('rf-1', '120.00', 'ticket-1');

      // Assess
      expect(refunded.status).toBe(201);
      expect(refunded.body).toMatchObject({
        partnerId: 'rf-1',
        reference: 'ticket-1',
        currency: 'EUR',
        amount: '120.00',
        state: 'done',
        refunded: '120.00',
        released: '0.00',
        parts: [{ amount: '120.00', state: 'refunded', refundId: expect.any(String) }],
      });
      expect(again).toEqual({ ...refunded, status: 200 });
      expect(await api.call('GET', '/partners/rf-1/refunds/ticket-1')).toEqual({ ...refunded, status: 200 });
      expect(await liveBalance('rf-1')).toBe('380.00');
      expect(refundedCents('rf-1')).toBe(12_000);
      const ledger = await api.call('GET', '/partners/rf-1/ledger');
      expect(ledger.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: 'refund', amount: '-120.00' })]),
      );
    });

    it('refuses the same reference with another amount with 409, changing nothing', async () => {
      await partnerWithCharge('rf-2');
      await refund('rf-2', '50.00', 'ticket-2');

      const conflict = await refund('rf-2', '60.00', 'ticket-2');

      expect(conflict).toMatchObject({
        status: 409,
        contentType: 'application/problem+json',
        body: { type: `${PROBLEM}reference-conflict` },
      });
      expect(conflict.body.detail).toContain('50.00, not 60.00');
      expect(await liveBalance('rf-2')).toBe('450.00');
    });

    it('refuses more than the live balance with 422 naming the balance, changing nothing', async () => {
      await partnerWithCharge('rf-3');

      const refused = await refund('rf-3', '500.01', 'ticket-3');

      expect(refused).toMatchObject({ status: 422, body: { type: `${PROBLEM}refund-exceeds-balance` } });
      expect(refused.body.detail).toContain('live balance of 500.00');
      expect(await liveBalance('rf-3')).toBe('500.00');
      expect((await api.call('GET', '/partners/rf-3/refunds/ticket-3')).status).toBe(404);
    });

    it('refuses more than the card charges carry with 422 naming what they carry: not the opening remainder nor a bank transfer', async () => {
      // Prepare: 500.00 of which 380.00 came from a card, and 200.00 more by bank transfer.
      await partnerWithCharge('rf-4');
      await api.call('POST', '/partners/rf-4/payments', { amount: '200.00', reference: 'SEPA-4' });

      // Act
      const refused = await refund('rf-4', '400.00', 'ticket-4');

      // Assess
      expect(refused).toMatchObject({ status: 422, body: { type: `${PROBLEM}refund-exceeds-charges` } });
      expect(refused.body.detail).toContain('carry 380.00 of credit');
      expect(await liveBalance('rf-4')).toBe('700.00');
    });

    it('answers 202 while the card provider has not answered, shows the refund in flight, and the repeat finishes it without paying twice', async () => {
      // Prepare: the sandbox makes the refund but its answer is lost.
      await partnerWithCharge('rf-5');
      recharge.provider.failNextRefund('timeout-after-refund');

      // Act
      const waiting = await refund('rf-5', '100.00', 'ticket-5');
      const partner = await api.call('GET', '/partners/rf-5');
      const shown = await api.call('GET', '/partners/rf-5/refunds/ticket-5');
      const again = await refund('rf-5', '100.00', 'ticket-5');

      // Assess
      expect(waiting).toMatchObject({
        status: 202,
        body: { state: 'open', refunded: '0.00', parts: [{ amount: '100.00', state: 'open' }] },
      });
      expect(partner.body).toMatchObject({ refundInFlight: 'ticket-5' });
      expect(shown.body).toMatchObject({ state: 'open' });
      expect(again).toMatchObject({ status: 200, body: { state: 'done', refunded: '100.00' } });
      expect((await api.call('GET', '/partners/rf-5')).body.refundInFlight).toBeUndefined();
      expect(await liveBalance('rf-5')).toBe('400.00');
      expect(refundedCents('rf-5')).toBe(10_000);
    });

    it('refuses another refund with 409 while one still waits for the card provider', async () => {
      // Prepare: the first refund is not made, and neither is its resend.
      await partnerWithCharge('rf-6');
      recharge.provider.failNextRefund('timeout-before-refund', 'timeout-before-refund');
      await refund('rf-6', '100.00', 'ticket-6a');

      // Act
      const busy = await refund('rf-6', '50.00', 'ticket-6b');

      // Assess
      expect(busy).toMatchObject({ status: 409, body: { type: `${PROBLEM}refund-in-progress` } });
      expect(busy.body.detail).toContain('"ticket-6a"');
      expect(await liveBalance('rf-6')).toBe('400.00');
      expect(refundedCents('rf-6')).toBe(0);
    });

    it('credits a part the card provider refuses back to the balance', async () => {
      await partnerWithCharge('rf-7');
      recharge.provider.failNextRefund('refused');

      const refused = await refund('rf-7', '100.00', 'ticket-7');

      expect(refused).toMatchObject({
        status: 201,
        body: {
          state: 'done',
          refunded: '0.00',
          released: '100.00',
          parts: [{ state: 'refused', reason: expect.stringContaining('refused') }],
        },
      });
      expect(await liveBalance('rf-7')).toBe('500.00');
    });

    it('debits once when the request fails after the debit was booked, and the repeat pays it back', async () => {
      await partnerWithCharge('rf-8');
      recharge.faults.arm('moneyBack.openOperatorRefund:after');

      const failed = await refund('rf-8', '80.00', 'ticket-8');
      const repeated = await refund('rf-8', '80.00', 'ticket-8');

      expect(failed).toMatchObject({ status: 500, body: { type: `${PROBLEM}internal-error` } });
      expect(repeated).toMatchObject({ status: 200, body: { state: 'done', refunded: '80.00' } });
      expect(await liveBalance('rf-8')).toBe('420.00');
      expect(refundedCents('rf-8')).toBe(8_000);
    });

    it.each([
      [{ amount: '0.00', reference: 'r' }, 'body.amount'],
      [{ amount: '-10.00', reference: 'r' }, 'body.amount'],
      [{ amount: '10.005', reference: 'r' }, 'body.amount'],
      [{ amount: '10.00' }, 'body.reference'],
      [{ amount: '10.00', reference: 'closure' }, 'body.reference'],
      [{ amount: '10.00', reference: 'r', card: 'pm_card_visa' }, 'body'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const response = await api.call('POST', '/partners/rf-1/refunds', body);

      expect(response).toMatchObject({ status: 400, body: { type: `${PROBLEM}validation-failed` } });
      expect(response.body.detail).toContain(field);
    });

    it('answers 404 for an unknown partner and for a reference it never refunded', async () => {
      expect(await refund('nobody', '10.00', 'r')).toMatchObject({
        status: 404,
        body: { type: `${PROBLEM}unknown-partner` },
      });
      expect(await api.call('GET', '/partners/nobody/refunds/r')).toMatchObject({
        status: 404,
        body: { type: `${PROBLEM}unknown-partner` },
      });
      expect(await api.call('GET', '/partners/rf-1/refunds/never')).toMatchObject({
        status: 404,
        body: { type: `${PROBLEM}unknown-refund`, detail: 'partner "rf-1" has no refund with reference "never"' },
      });
    });
  });

  describe('POST /partners/{id}/closure', () => {
    it('closes the account, cancels its numbers, refunds what the card charges carry, and answers a repeat with the same, 200', async () => {
      // Prepare: 500.00, of which 380.00 came from a card; two numbers.
      await partnerWithCharge('cl-1');
      for (const phoneNumber of ['+4915112341001', '+4915112341002'])
        await api.call('POST', '/partners/cl-1/channels', { phoneNumber });

      // Act
      const closed = await api.call('POST', '/partners/cl-1/closure');
      const again = await api.call('POST', '/partners/cl-1/closure', {});

      // Assess
      expect(closed).toMatchObject({
        status: 200,
        body: {
          partnerId: 'cl-1',
          status: 'closed',
          closedAt: recharge.clock.now().toISOString(),
          channelsCancelled: 2,
          liveBalance: '120.00',
          refund: { reference: 'closure', amount: '380.00', state: 'done', refunded: '380.00' },
        },
      });
      expect(again).toEqual(closed);
      expect(refundedCents('cl-1')).toBe(38_000);
      expect((await api.call('GET', '/partners/cl-1')).body).toMatchObject({
        status: 'closed',
        closedAt: recharge.clock.now().toISOString(),
      });
      expect((await api.call('GET', '/partners/cl-1/balance')).body).toMatchObject({ status: 'closed' });
      expect((await api.call('GET', `/channels/${encodeURIComponent('+4915112341001')}/send-permission`)).status).toBe(
        404,
      );
    });

    it('closes an account with nothing to refund without a refund', async () => {
      await api.call('POST', '/partners', {
        partnerId: 'cl-2',
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        previousInvoiceRemainder: '600.00',
      });

      const closed = await api.call('POST', '/partners/cl-2/closure');

      expect(closed).toMatchObject({
        status: 200,
        body: { status: 'closed', channelsCancelled: 0, liveBalance: '600.00' },
      });
      expect(closed.body.refund).toBeUndefined();
    });

    it('answers 202 waiting for the refund while the card provider has not answered, and 200 once a repeat gets the answer', async () => {
      await partnerWithCharge('cl-3');
      recharge.provider.failNextRefund('timeout-before-refund');

      const closing = await api.call('POST', '/partners/cl-3/closure');
      const partner = await api.call('GET', '/partners/cl-3');
      const closed = await api.call('POST', '/partners/cl-3/closure');

      expect(closing).toMatchObject({
        status: 202,
        body: { status: 'closing', waitingFor: 'refund', refund: { reference: 'closure', state: 'open' } },
      });
      expect(partner.body).toMatchObject({ status: 'closed', refundInFlight: 'closure' });
      expect(closed).toMatchObject({
        status: 200,
        body: { status: 'closed', liveBalance: '120.00', refund: { state: 'done', refunded: '380.00' } },
      });
      expect(refundedCents('cl-3')).toBe(38_000);
    });

    it('answers 202 waiting for the charge in flight, and once it is paid refunds its credit too', async () => {
      // Prepare: the opening charge's answer, and then its resend's, are lost before the card is charged.
      recharge.provider.failNext('timeout-before-charge', 'timeout-before-charge');
      const created = await api.call('POST', '/partners', {
        partnerId: 'cl-4',
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        previousInvoiceRemainder: '120.00',
      });

      // Act
      const closing = await api.call('POST', '/partners/cl-4/closure');
      const closed = await api.call('POST', '/partners/cl-4/closure');

      // Assess
      expect(created).toMatchObject({ status: 202, body: { liveBalance: '120.00' } });
      expect(closing).toMatchObject({ status: 202, body: { status: 'closing', waitingFor: 'charge' } });
      expect(closing.body.refund).toBeUndefined();
      expect(closed).toMatchObject({
        status: 200,
        body: { status: 'closed', liveBalance: '120.00', refund: { amount: '380.00', state: 'done' } },
      });
      expect(refundedCents('cl-4')).toBe(38_000);
    });

    it("refuses a closed partner's card, recharge settings, card page and new numbers with 409, and still takes payments, and refunds by what the cards carry", async () => {
      // Prepare: closed with 120.00 left from before the cards.
      await partnerWithCharge('cl-5');
      await api.call('POST', '/partners/cl-5/closure');

      // Act
      const refused = [
        await api.call('PUT', '/partners/cl-5/payment-method', { paymentMethod: 'pm_card_mastercard' }),
        await api.call('PUT', '/partners/cl-5/recharge-settings', {
          threshold: '100.00',
          autoRenewAmount: '500.00',
          autoRecharge: true,
        }),
        await api.call('POST', '/partners/cl-5/payment-method/setup', {}),
        await api.call('POST', '/partners/cl-5/channels', { phoneNumber: '+4915112341005' }),
      ];
      const paid = await api.call('POST', '/partners/cl-5/payments', { amount: '30.00', reference: 'SEPA-5' });
      const refundedAgain = await refund('cl-5', '10.00', 'after-closure');

      // Assess
      for (const response of refused)
        expect(response).toMatchObject({ status: 409, body: { type: `${PROBLEM}partner-closed` } });
      expect(refused[0]?.body.detail).toContain('partner "cl-5" is closed since');
      expect(paid).toMatchObject({ status: 201, body: { liveBalance: '150.00', status: 'closed' } });
      expect(refundedAgain).toMatchObject({ status: 422, body: { type: `${PROBLEM}refund-exceeds-charges` } });
      expect((await api.call('GET', '/partners/cl-5')).body).toMatchObject({
        paymentMethod: 'pm_card_visa',
        status: 'closed',
      });
    });

    it('answers 404 for an unknown partner', async () => {
      expect(await api.call('POST', '/partners/nobody/closure')).toMatchObject({
        status: 404,
        body: { type: `${PROBLEM}unknown-partner` },
      });
    });
  });
});
