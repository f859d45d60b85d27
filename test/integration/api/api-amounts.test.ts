/** Amounts at and beyond the money range (docs/architecture.md), and payments in whole cents. */
import {
  MAX_AMOUNT,
  MAX_BALANCE,
  MAX_CARD_CREDIT,
  MICROS_PER_UNIT,
  formatAmount,
  micros,
} from '../../../functions/domain/money';
import { ReconciliationBody } from '../../../functions/api/schemas';
import { ApiHarness } from '../../support/api-harness';
import { RechargeHarness } from '../../support/recharge-harness';

const PROBLEM = 'urn:prepaid-billing:problem:';
const ONE_MICRO_ABOVE_MAX = `${formatAmount(MAX_AMOUNT)}0001`;

describe('Handler: api, amounts', () => {
  let recharge: RechargeHarness;
  let api: ApiHarness;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    api = new ApiHarness(recharge);
    await api.call('POST', '/partners', {
      partnerId: 'range-1',
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      previousInvoiceRemainder: '600.00',
    });
  });

  afterAll(async () => {
    await recharge.stop();
  });

  const settings = (overrides: Record<string, unknown>) => ({
    threshold: '100.00',
    autoRenewAmount: '500.00',
    autoRecharge: true,
    ...overrides,
  });

  describe('beyond the money range', () => {
    it.each([
      [
        'POST',
        '/partners',
        {
          partnerId: 'range-2',
          currency: 'EUR',
          paymentMethod: 'pm_card_visa',
          previousInvoiceRemainder: '-10000000.01',
        },
        'body.previousInvoiceRemainder',
      ],
      [
        'POST',
        '/partners',
        {
          partnerId: 'range-2',
          currency: 'EUR',
          paymentMethod: 'pm_card_visa',
          rechargeSettings: { threshold: ONE_MICRO_ABOVE_MAX },
        },
        'body.rechargeSettings.threshold',
      ],
      [
        'PUT',
        '/partners/range-1/recharge-settings',
        settings({ threshold: '99999999999999999999.00' }),
        'body.threshold',
      ],
      ['POST', '/partners/range-1/payments', { amount: '11000001010.00', reference: 'range-pay-1' }, 'body.amount'],
      ['POST', '/partners/range-1/payments', { amount: ONE_MICRO_ABOVE_MAX, reference: 'range-pay-2' }, 'body.amount'],
      // A month's upstream invoice is a total: it may go to the balance limit, not beyond.
      [
        'POST',
        '/partners/range-1/reconciliations',
        { period: '2026-10', actualAmount: `${formatAmount(MAX_BALANCE)}0001` },
        'body.actualAmount',
      ],
    ])('%s %s %j is a 400 amount-out-of-range naming %s', async (method, path, body, field) => {
      const response = await api.call(method, path, body);

      expect(response.status).toBe(400);
      expect(response.contentType).toBe('application/problem+json');
      expect(response.body).toMatchObject({ type: `${PROBLEM}amount-out-of-range`, status: 400 });
      expect(response.body.detail).toContain(field);
      expect(response.body.detail).toContain('out of range');
      expect(response.body.detail).not.toContain('safe integer');
    });

    it("takes a month's upstream invoice above the largest single amount: it is a total of the month's conversations", () => {
      expect(ReconciliationBody.safeParse({ period: '2026-10', actualAmount: '12000000.00' })).toMatchObject({
        success: true,
        data: { actualAmount: (12 * MAX_AMOUNT) / 10 },
      });
    });

    it('accepts the largest amount of the range', async () => {
      const response = await api.call(
        'PUT',
        '/partners/range-1/recharge-settings',
        settings({ threshold: formatAmount(MAX_AMOUNT) }),
      );

      expect(response).toMatchObject({ status: 200, body: { rechargeSettings: { threshold: '10000000.00' } } });
    });

    it('refuses an auto-renew amount one card charge cannot carry, saying so', async () => {
      const above = formatAmount((MAX_CARD_CREDIT + 10_000) as typeof MAX_CARD_CREDIT);

      const refused = await api.call(
        'PUT',
        '/partners/range-1/recharge-settings',
        settings({ autoRenewAmount: above }),
      );
      const largest = await api.call(
        'PUT',
        '/partners/range-1/recharge-settings',
        settings({ autoRenewAmount: formatAmount(MAX_CARD_CREDIT) }),
      );

      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ type: `${PROBLEM}amount-out-of-range` });
      expect(refused.body.detail).toContain(
        `body.autoRenewAmount: must be at most ${formatAmount(MAX_CARD_CREDIT)}: one card charge carries at most that credit`,
      );
      expect(largest).toMatchObject({ status: 200, body: { rechargeSettings: { autoRenewAmount: '961538.45' } } });
    });

    it('refuses such an auto-renew amount when creating a partner too', async () => {
      const response = await api.call('POST', '/partners', {
        partnerId: 'range-3',
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        rechargeSettings: { autoRenewAmount: '9000000000.00' },
      });

      expect(response).toMatchObject({ status: 400, body: { type: `${PROBLEM}amount-out-of-range` } });
      expect((await api.call('GET', '/partners/range-3')).status).toBe(404);
    });

    it('refuses a payment that would take the balance beyond the range with 400, changing nothing', async () => {
      // Prepare: a balance 5,000,000.00 short of the largest.
      await api.call('POST', '/partners', {
        partnerId: 'range-4',
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        previousInvoiceRemainder: '600.00',
      });
      const topUp = micros(MAX_BALANCE - 5_000_000 * MICROS_PER_UNIT - 600 * MICROS_PER_UNIT);
      await recharge.ledger.post({
        partnerId: 'range-4',
        currency: 'EUR',
        kind: 'adjustment',
        idempotencyKey: 'to-the-edge',
        amount: topUp,
        postedAt: recharge.clock.now(),
      });

      // Act
      const response = await api.call('POST', '/partners/range-4/payments', {
        amount: '10000000.00',
        reference: 'range-pay-4',
      });

      // Assess
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: `${PROBLEM}amount-out-of-range` });
      expect(response.body.detail).not.toContain('safe integer');
      expect((await api.call('GET', '/partners/range-4/balance')).body).toMatchObject({
        liveBalance: formatAmount(micros(MAX_BALANCE - 5_000_000 * MICROS_PER_UNIT)),
      });
    });

    it('calls an amount out of range beside another mistake a validation failure, naming every field', async () => {
      const response = await api.call('POST', '/partners/range-1/payments', {
        amount: '99999999999.00',
        reference: '',
      });

      expect(response.body).toMatchObject({ type: `${PROBLEM}validation-failed` });
      expect((response.body.errors as { field: string }[]).map((error) => error.field).sort()).toEqual([
        'body.amount',
        'body.reference',
      ]);
    });
  });

  describe('POST /partners/{id}/payments', () => {
    it('refuses a payment of a fraction of a cent, changing nothing', async () => {
      const response = await api.call('POST', '/partners/range-1/payments', {
        amount: '10.005',
        reference: 'bank-transfer-0001',
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ type: `${PROBLEM}validation-failed` });
      expect(response.body.detail).toContain('body.amount: a payment is whole cents');
      expect((await api.call('GET', '/partners/range-1/balance')).body).toMatchObject({ liveBalance: '600.00' });
    });

    it('takes a payment written with more zeros than cents', async () => {
      const response = await api.call('POST', '/partners/range-1/payments', {
        amount: '10.500000',
        reference: 'bank-transfer-0002',
      });

      expect(response).toMatchObject({ status: 201, body: { amount: '10.50' } });
    });
  });
});
