import { DynamoDbDailyRunRepository } from '../../../functions/adapters/dynamodb/daily-run-repository';
import { ApiHarness } from '../../support/api-harness';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';
import { block, startOverdueClock } from '../../support/standing';

const PAYMENT_REQUIRED =
  'Could not send message due to lack of payment. Messaging can resume once overdue invoices towards 360dialog are settled. Please reach out to your integration partner.';

describe('Handler: api', () => {
  let recharge: RechargeHarness;
  let api: ApiHarness;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    api = new ApiHarness(recharge);
  });

  afterAll(async () => {
    await recharge.stop();
  });

  const createPartner = (partnerId: string, extra: Record<string, unknown> = {}) =>
    api.call('POST', '/partners', { partnerId, currency: 'EUR', paymentMethod: 'pm_card_visa', ...extra });

  describe('POST /partners', () => {
    it('creates a partner with the opening charge of its remainder', async () => {
      const response = await createPartner('api-1', { previousInvoiceRemainder: '120.00' });

      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        partnerId: 'api-1',
        currency: 'EUR',
        status: 'active',
        liveBalance: '500.00',
        rechargeSettings: { threshold: '100.00', autoRenewAmount: '500.00', autoRecharge: true },
        openingCharge: { outcome: 'succeeded', credit: '380.00', fee: '15.20', total: '395.20' },
      });
    });

    it('answers a repeated create with the account, 200', async () => {
      await createPartner('api-2', { previousInvoiceRemainder: '600.00' });

      const again = await createPartner('api-2', { previousInvoiceRemainder: '600.00' });

      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ partnerId: 'api-2', liveBalance: '600.00' });
    });

    it('answers the same request with amounts and defaults spelled otherwise with the account, 200', async () => {
      await createPartner('api-2b', { previousInvoiceRemainder: '600.00' });

      const again = await createPartner('api-2b', {
        previousInvoiceRemainder: '600.000000',
        rechargeSettings: { threshold: '100.00', autoRenewAmount: '500.0000' },
      });

      expect(again).toMatchObject({ status: 200, body: { partnerId: 'api-2b', liveBalance: '600.00' } });
    });

    it.each([
      [{ currency: 'USD' }, 'currency is EUR, not USD'],
      [{ paymentMethod: 'pm_card_mastercard' }, 'paymentMethod is "pm_card_visa", not "pm_card_mastercard"'],
      [{ paymentCustomerId: 'cus_1' }, 'paymentCustomerId is not set, not "cus_1"'],
      [{ previousInvoiceRemainder: '520.00' }, 'previousInvoiceRemainder is 600.00, not 520.00'],
      [{ previousInvoiceRemainder: undefined }, 'previousInvoiceRemainder is 600.00, not 0.00'],
      [{ rechargeSettings: { threshold: '50.00' } }, 'rechargeSettings.threshold is 100.00, not 50.00'],
      [{ rechargeSettings: { autoRecharge: false } }, 'rechargeSettings.autoRecharge is true, not false'],
    ])(
      'refuses the same partner id with %j with 409, naming what differs and changing nothing',
      async (other, difference) => {
        const partnerId = `api-3-${difference.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
        await createPartner(partnerId, { previousInvoiceRemainder: '600.00' });

        const conflict = await createPartner(partnerId, { previousInvoiceRemainder: '600.00', ...other });

        expect(conflict.status).toBe(409);
        expect(conflict.contentType).toBe('application/problem+json');
        expect(conflict.body).toMatchObject({
          type: 'urn:prepaid-billing:problem:partner-exists-with-other-details',
          status: 409,
        });
        expect(conflict.body.detail).toContain(`partner "${partnerId}" exists with other details: ${difference}.`);
        expect((await api.call('GET', `/partners/${partnerId}`)).body).toMatchObject({
          currency: 'EUR',
          paymentMethod: 'pm_card_visa',
          rechargeSettings: { threshold: '100.00', autoRecharge: true },
        });
      },
    );

    it('names every detail that differs', async () => {
      await createPartner('api-3-all', { previousInvoiceRemainder: '600.00' });

      const conflict = await createPartner('api-3-all', {
        currency: 'USD',
        paymentMethod: 'pm_card_mastercard',
        previousInvoiceRemainder: '700.00',
      });

      expect(conflict.body.detail).toContain(
        'currency is EUR, not USD; paymentMethod is "pm_card_visa", not "pm_card_mastercard"; previousInvoiceRemainder is 600.00, not 700.00.',
      );
    });

    it.each([
      [{ partnerId: 'bad id', currency: 'EUR', paymentMethod: 'pm_card_visa' }, 'body.partnerId'],
      [{ partnerId: 'ok', currency: 'GBP', paymentMethod: 'pm_card_visa' }, 'body.currency'],
      [{ partnerId: 'ok', currency: 'EUR' }, 'body.paymentMethod'],
      [
        { partnerId: 'ok', currency: 'EUR', paymentMethod: 'pm_card_visa', previousInvoiceRemainder: '1e3' },
        'body.previousInvoiceRemainder',
      ],
      [
        { partnerId: 'ok', currency: 'EUR', paymentMethod: 'pm_card_visa', rechargeSettings: { threshold: '10.001' } },
        'body.rechargeSettings.threshold',
      ],
      [{ partnerId: 'ok', currency: 'EUR', paymentMethod: 'pm_card_visa', cardNumber: '4242424242424242' }, 'body'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const response = await api.call('POST', '/partners', body);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: 'urn:prepaid-billing:problem:validation-failed', status: 400 });
      expect((response.body.errors as { field: string }[]).map((error) => error.field)).toContain(field);
      expect(response.body.detail).toContain(field);
    });

    it('refuses a body that is not JSON', async () => {
      const response = await api.call('POST', '/partners', '{"partnerId":');

      expect(response).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:invalid-json' } });
    });
  });

  describe('GET /partners/{id} and /balance', () => {
    it('shows the account and its balance', async () => {
      await createPartner('api-4', { previousInvoiceRemainder: '600.00', rechargeSettings: { threshold: '50.00' } });

      const partner = await api.call('GET', '/partners/api-4');
      const balance = await api.call('GET', '/partners/api-4/balance');

      expect(partner.body).toMatchObject({
        partnerId: 'api-4',
        rechargeSettings: { threshold: '50.00', autoRenewAmount: '500.00' },
      });
      expect(balance.body).toEqual({
        partnerId: 'api-4',
        currency: 'EUR',
        balance: null,
        balanceAsOf: null,
        liveBalance: '600.00',
        amountDue: '0.00',
        status: 'active',
        overdueSince: null,
        blockedAt: null,
      });
    });

    it.each([
      '/partners/nobody',
      '/partners/nobody/balance',
      '/partners/nobody/ledger',
      '/partners/nobody/invoices',
      '/partners/nobody/balance-history',
    ])('answers 404 for an unknown partner on %s', async (path) => {
      const response = await api.call('GET', path);

      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        type: 'urn:prepaid-billing:problem:unknown-partner',
        detail: 'partner "nobody" does not exist',
      });
    });

    it('answers 404 with a problem for a path it does not serve', async () => {
      expect(await api.call('GET', '/nowhere')).toMatchObject({
        status: 404,
        body: { type: 'urn:prepaid-billing:problem:route-not-found' },
      });
    });
  });

  describe('PUT /partners/{id}/recharge-settings and /payment-method', () => {
    it('replaces the recharge settings', async () => {
      await createPartner('api-5', { previousInvoiceRemainder: '600.00' });

      const response = await api.call('PUT', '/partners/api-5/recharge-settings', {
        threshold: '200.00',
        autoRenewAmount: '1000.00',
        autoRecharge: false,
      });

      expect(response.body).toMatchObject({
        rechargeSettings: { threshold: '200.00', autoRenewAmount: '1000.00', autoRecharge: false },
      });
    });

    it('refuses a negative threshold, naming it', async () => {
      const response = await api.call('PUT', '/partners/api-5/recharge-settings', {
        threshold: '-1.00',
        autoRenewAmount: '1000.00',
        autoRecharge: true,
      });

      expect(response.status).toBe(400);
      expect(response.body.detail).toContain('body.threshold');
    });

    it('retries an outstanding charge at once with the new payment method', async () => {
      // Prepare: the opening charge was declined.
      const created = await createPartner('api-6', {
        previousInvoiceRemainder: '0.00',
        paymentMethod: 'pm_card_chargeDeclined',
      });

      // Act
      const response = await api.call('PUT', '/partners/api-6/payment-method', { paymentMethod: 'pm_card_mastercard' });

      // Assess
      expect(created.body).toMatchObject({ openingCharge: { outcome: 'declined', declineCode: 'generic_decline' } });
      expect(response.body).toMatchObject({ paymentMethod: 'pm_card_mastercard', charge: { outcome: 'succeeded' } });
      expect((await api.call('GET', '/partners/api-6/balance')).body).toMatchObject({ liveBalance: '500.00' });
    });
  });

  describe('GET ledger, invoices and balance history', () => {
    it('pages the ledger newest first with an opaque cursor', async () => {
      await createPartner('api-7', { previousInvoiceRemainder: '100.00' });

      const first = await api.call('GET', '/partners/api-7/ledger', undefined, { limit: '1' });
      const second = await api.call('GET', '/partners/api-7/ledger', undefined, {
        limit: '1',
        cursor: first.body.nextCursor as string,
      });

      expect((first.body.items as { kind: string }[]).map((entry) => entry.kind)).toEqual(['recharge']);
      expect(
        (second.body.items as { kind: string; amount: string }[]).map((entry) => [entry.kind, entry.amount]),
      ).toEqual([['opening', '100.00']]);
      expect(second.body.nextCursor).toBeUndefined();
    });

    it('refuses a limit out of range and a cursor it did not issue', async () => {
      expect((await api.call('GET', '/partners/api-7/ledger', undefined, { limit: '1000' })).body.detail).toContain(
        'query.limit',
      );
      expect((await api.call('GET', '/partners/api-7/ledger', undefined, { cursor: 'forged' })).body).toMatchObject({
        status: 400,
        type: 'urn:prepaid-billing:problem:invalid-cursor',
      });
    });

    describe('cursors it did not issue for the list', () => {
      let ledgerCursor: string;
      let invoiceCursor: string;

      beforeAll(async () => {
        // Two partners with two ledger entries and two invoices each.
        for (const partnerId of ['cur-1', 'cur-2']) {
          await createPartner(partnerId, { previousInvoiceRemainder: '100.00' });
          await recharge.spend(partnerId, '450.00', `u-${partnerId}`);
          await recharge.recharge(partnerId);
        }
        ledgerCursor = (await api.call('GET', '/partners/cur-2/ledger', undefined, { limit: '1' })).body
          .nextCursor as string;
        invoiceCursor = (await api.call('GET', '/partners/cur-1/invoices', undefined, { limit: '1' })).body
          .nextCursor as string;
      });

      it('pages with the cursors it issued, which stay short', async () => {
        const second = await api.call('GET', '/partners/cur-2/ledger', undefined, { limit: '1', cursor: ledgerCursor });

        expect(second.status).toBe(200);
        expect(ledgerCursor.length).toBeLessThan(100);
      });

      it.each([
        ['v1:0', () => 'v1:0'],
        ['v1:0 in the form of the unsigned cursors', () => Buffer.from('v1:0').toString('base64url')],
        ['random base64', () => Buffer.from('a cursor made up by a client').toString('base64url')],
        ['3,000 characters', () => Buffer.from(`v1:${'9'.repeat(2_247)}`).toString('base64url')],
        ["another partner's ledger cursor", () => ledgerCursor],
        ['an invoice cursor', () => invoiceCursor],
      ])('refuses %s with 400 invalid-cursor', async (_, cursor) => {
        const response = await api.call('GET', '/partners/cur-1/ledger', undefined, { cursor: cursor() });

        expect(response.status).toBe(400);
        expect(response.contentType).toBe('application/problem+json');
        expect(response.body).toMatchObject({ type: 'urn:prepaid-billing:problem:invalid-cursor' });
        expect(response.body.detail).toContain('start again without a cursor');
      });
    });

    it('lists invoices with their lines and the daily balances', async () => {
      recharge.clock.set(new Date('2026-11-01T09:00:00Z'));
      await createPartner('api-8', { previousInvoiceRemainder: '120.00' });
      await new DailyHarness(recharge).runDay('2026-11-02');

      const invoices = await api.call('GET', '/partners/api-8/invoices');
      const history = await api.call('GET', '/partners/api-8/balance-history');

      expect(invoices.body.items).toEqual([
        expect.objectContaining({
          total: '395.20',
          lines: [
            { kind: 'credit', description: 'Opening balance top-up', amount: '380.00' },
            { kind: 'card-fee', description: 'Card fee (4%)', amount: '15.20' },
          ],
        }),
      ]);
      expect(history.body.items).toEqual([{ day: '2026-11-02', balance: '500.00', asOf: '2026-11-02T00:00:00.000Z' }]);
    });
  });

  describe('POST /partners/{id}/payments', () => {
    it('credits an offline payment once per reference and unblocks the partner', async () => {
      // Prepare: blocked at -20.00 with a channel.
      recharge.clock.set(new Date('2026-11-10T09:00:00Z'));
      await createPartner('pay-1', { previousInvoiceRemainder: '500.00', paymentMethod: 'pm_card_chargeDeclined' });
      await api.call('POST', '/partners/pay-1/channels', { phoneNumber: '+4915112340101' });
      await recharge.spend('pay-1', '520.00', 'u-1');
      await startOverdueClock(recharge.ledger, 'pay-1', new Date('2026-11-01T00:00:00Z'));
      await block(
        recharge.ledger,
        new DynamoDbDailyRunRepository(recharge.table.client, recharge.table.tableName),
        'pay-1',
        new Date('2026-11-08T00:00:00Z'),
      );
      await recharge.channels.setBlocked('pay-1', true);

      // Act
      const paid = await api.call('POST', '/partners/pay-1/payments', {
        amount: '20.00',
        reference: 'SEPA 2026-11-0042',
      });
      const again = await api.call('POST', '/partners/pay-1/payments', {
        amount: '20.00',
        reference: 'SEPA 2026-11-0042',
      });
      const conflict = await api.call('POST', '/partners/pay-1/payments', {
        amount: '25.00',
        reference: 'SEPA 2026-11-0042',
      });

      // Assess
      expect(paid).toMatchObject({
        status: 201,
        body: { outcome: 'recorded', liveBalance: '0.00', status: 'active', unblocked: true },
      });
      expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate', liveBalance: '0.00' } });
      expect(conflict).toMatchObject({ status: 409, body: { type: 'urn:prepaid-billing:problem:posting-conflict' } });
      expect((await api.call('GET', `/channels/${encodeURIComponent('+4915112340101')}/send-permission`)).status).toBe(
        200,
      );
    });

    it.each([
      [{ amount: '0.00', reference: 'r' }, 'body.amount'],
      [{ amount: '10', reference: 'r' }, 'body.amount'],
      [{ amount: '10.00' }, 'body.reference'],
    ])('refuses %j naming %s', async (body, field) => {
      const response = await api.call('POST', '/partners/pay-1/payments', body);

      expect(response.status).toBe(400);
      expect(response.body.detail).toContain(field);
    });

    it('answers 404 for an unknown partner', async () => {
      expect((await api.call('POST', '/partners/nobody/payments', { amount: '10.00', reference: 'r-1' })).status).toBe(
        404,
      );
    });
  });

  describe('POST /partners/{id}/reconciliations', () => {
    it('books the difference to the estimated usage once, and refuses another amount for the month', async () => {
      // Prepare: 100.00 of usage in October.
      recharge.clock.set(new Date('2026-10-05T09:00:00Z'));
      await createPartner('rec-1', { previousInvoiceRemainder: '1000.00' });
      await recharge.spend('rec-1', '60.00', 'u-1');
      recharge.clock.set(new Date('2026-10-31T23:59:59.999Z'));
      await recharge.spend('rec-1', '40.00', 'u-2');
      recharge.clock.set(new Date('2026-11-03T09:00:00Z'));

      // Act
      const first = await api.call('POST', '/partners/rec-1/reconciliations', {
        period: '2026-10',
        actualAmount: '103.50',
      });
      const again = await api.call('POST', '/partners/rec-1/reconciliations', {
        period: '2026-10',
        actualAmount: '103.50',
      });
      const conflict = await api.call('POST', '/partners/rec-1/reconciliations', {
        period: '2026-10',
        actualAmount: '99.00',
      });

      // Assess
      expect(first).toMatchObject({
        status: 201,
        body: { period: '2026-10', estimated: '100.00', actual: '103.50', adjustment: '-3.50' },
      });
      expect(again).toMatchObject({ status: 200, body: { outcome: 'already-reconciled', adjustment: '-3.50' } });
      expect(conflict.status).toBe(409);
      expect((await api.call('GET', '/partners/rec-1/balance')).body).toMatchObject({ liveBalance: '896.50' });
    });

    it('refuses a month that is not over, and a malformed period naming it', async () => {
      expect(
        (await api.call('POST', '/partners/rec-1/reconciliations', { period: '2026-11', actualAmount: '1.00' })).status,
      ).toBe(409);
      expect(
        (await api.call('POST', '/partners/rec-1/reconciliations', { period: '2026-13', actualAmount: '1.00' })).body
          .detail,
      ).toContain('body.period');
    });

    it('refuses a month before the partner was created with 400, booking nothing', async () => {
      recharge.clock.set(new Date('2026-12-02T09:00:00Z'));
      await createPartner('rec-2', { previousInvoiceRemainder: '600.00' });
      recharge.clock.set(new Date('2027-01-10T09:00:00Z'));

      const response = await api.call('POST', '/partners/rec-2/reconciliations', {
        period: '2020-01',
        actualAmount: '12.00',
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: 'urn:prepaid-billing:problem:period-before-account' });
      expect(response.body.detail).toContain('its first month is 2026-12');
      expect((await api.call('GET', '/partners/rec-2/balance')).body).toMatchObject({ liveBalance: '600.00' });
    });
  });

  describe('Channels', () => {
    it('registers a number and allows it to send', async () => {
      await createPartner('api-9', { previousInvoiceRemainder: '600.00' });

      const registered = await api.call('POST', '/partners/api-9/channels', { phoneNumber: '+4915112340009' });
      const permission = await api.call('GET', `/channels/${encodeURIComponent('+4915112340009')}/send-permission`);

      expect(registered).toMatchObject({
        status: 201,
        body: { phoneNumber: '+4915112340009', partnerId: 'api-9', status: 'active' },
      });
      expect(permission).toMatchObject({ status: 200, body: { allowed: true } });
    });

    it.each([
      ['+5399123456', 400, 'blocked-region', 'Cuba'],
      ['4915112345678', 400, 'invalid-phone-number', 'E.164'],
    ])('refuses %s with %i', async (phoneNumber, status, code, detail) => {
      const response = await api.call('POST', '/partners/api-9/channels', { phoneNumber });

      expect(response.status).toBe(status);
      expect(response.body.type).toBe(`urn:prepaid-billing:problem:${code}`);
      expect(response.body.detail).toContain(detail);
    });

    it('refuses a number registered before, even after it was cancelled, telling to register a new number', async () => {
      await api.call('POST', '/partners/api-9/channels', { phoneNumber: '+4915112340010' });
      const cancelled = await api.call('DELETE', `/partners/api-9/channels/${encodeURIComponent('+4915112340010')}`);

      const again = await api.call('POST', '/partners/api-9/channels', { phoneNumber: '+4915112340010' });

      expect(cancelled.body).toMatchObject({ status: 'cancelled' });
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain('register a new number');
    });

    it('answers a repeated registration of its own number with the channel, 200', async () => {
      const first = await api.call('POST', '/partners/api-9/channels', { phoneNumber: '+4915112340013' });

      const again = await api.call('POST', '/partners/api-9/channels', { phoneNumber: '+4915112340013' });

      expect(first.status).toBe(201);
      expect(again).toMatchObject({
        status: 200,
        body: {
          phoneNumber: '+4915112340013',
          partnerId: 'api-9',
          status: 'active',
          registeredAt: first.body.registeredAt,
        },
      });
    });

    it("refuses another partner's number, for registering and for cancelling, and leaves it as it is", async () => {
      await createPartner('api-9b', { previousInvoiceRemainder: '600.00' });
      await api.call('POST', '/partners/api-9/channels', { phoneNumber: '+4915112340014' });
      const number = encodeURIComponent('+4915112340014');

      const registered = await api.call('POST', '/partners/api-9b/channels', { phoneNumber: '+4915112340014' });
      const cancelled = await api.call('DELETE', `/partners/api-9b/channels/${number}`);

      expect(registered).toMatchObject({
        status: 409,
        body: { type: 'urn:prepaid-billing:problem:number-already-registered' },
      });
      expect(cancelled).toMatchObject({
        status: 404,
        body: { type: 'urn:prepaid-billing:problem:channel-of-another-partner' },
      });
      expect(cancelled.body.detail).toBe(
        '+4915112340014 is not a number of partner "api-9b": it is hosted for another partner',
      );
      expect((await api.call('GET', `/channels/${number}/send-permission`)).status).toBe(200);
    });

    it.each([
      ['GET', '/channels/not-a-number/send-permission'],
      ['GET', `/channels/${encodeURIComponent('+0049151')}/send-permission`],
      ['DELETE', `/partners/api-9/channels/${encodeURIComponent('4915112340009')}`],
    ])('refuses %s %s, not a number at all, with 400', async (method, path) => {
      const response = await api.call(method, path);

      expect(response).toMatchObject({
        status: 400,
        body: { type: 'urn:prepaid-billing:problem:invalid-phone-number' },
      });
      expect(response.body.detail).toContain('is not an E.164 number');
    });

    it('answers 402 with the exact message for a blocked partner', async () => {
      // Prepare
      await createPartner('api-10', { previousInvoiceRemainder: '600.00' });
      await api.call('POST', '/partners/api-10/channels', { phoneNumber: '+4915112340011' });
      await recharge.spend('api-10', '700.00', 'u-1');
      await startOverdueClock(recharge.ledger, 'api-10', new Date('2026-11-01T00:00:00Z'));
      await block(
        recharge.ledger,
        new DynamoDbDailyRunRepository(recharge.table.client, recharge.table.tableName),
        'api-10',
        new Date('2026-11-08T00:00:00Z'),
      );

      // Act
      const response = await api.call('GET', `/channels/${encodeURIComponent('+4915112340011')}/send-permission`);

      // Assess
      expect(response.status).toBe(402);
      expect(response.contentType).toBe('application/problem+json');
      expect(response.body.detail).toBe(PAYMENT_REQUIRED);
    });

    it('answers 404 for a number it does not host and for a partner it does not know', async () => {
      expect((await api.call('GET', `/channels/${encodeURIComponent('+4915100000000')}/send-permission`)).status).toBe(
        404,
      );
      expect((await api.call('POST', '/partners/nobody/channels', { phoneNumber: '+4915112340012' })).status).toBe(404);
    });
  });
});
