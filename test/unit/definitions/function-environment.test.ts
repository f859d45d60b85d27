/**
 * The functions' environments as the stack sets them and the functions parse them: every
 * value is text, defaults apply when a variable is unset or blank, and each refusal names
 * the variable.
 */
import type { z } from 'zod';
import {
  ApiEnvironment,
  DailyRunEnvironment,
  IngestUsageEnvironment,
  MonthlyRunEnvironment,
  PublishEventsEnvironment,
  RechargeEnvironment,
} from '../../../definitions/function-environment';

const INGESTION = {
  TABLE_NAME: 'billing',
  USAGE_DEAD_LETTER_QUEUE_URL: 'http://localhost:9324/000000000000/usage-dlq',
  RECHARGE_QUEUE_URL: 'http://localhost:9324/000000000000/recharge',
  EVENT_BUS_NAME: 'prepaid-billing',
};
const SANDBOX = { TABLE_NAME: 'billing', PAYMENT_PROVIDER: 'sandbox' };
const STRIPE = {
  TABLE_NAME: 'billing',
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_ID: 'arn:aws:secretsmanager:x',
  CARD_RETURN_URL: 'https://billing.example.com/cards/done',
  CARD_CANCEL_URL: 'https://billing.example.com/cards/cancelled',
};

/** `variable message` for each refusal, as functions/config.ts reports them. */
function refusals(schema: z.ZodType, env: Record<string, string>): string[] {
  const parsed = schema.safeParse(env);
  if (parsed.success) throw new Error('the environment was accepted');
  return parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);
}

describe('Schemas: function environments', () => {
  it.each([
    [
      'ingestion',
      IngestUsageEnvironment,
      ['TABLE_NAME', 'USAGE_DEAD_LETTER_QUEUE_URL', 'RECHARGE_QUEUE_URL', 'EVENT_BUS_NAME'],
    ],
    ['recharge', RechargeEnvironment, ['TABLE_NAME', 'PAYMENT_PROVIDER']],
    ['daily run', DailyRunEnvironment, ['TABLE_NAME', 'PAYMENT_PROVIDER', 'DAILY_WORK_QUEUE_URL']],
    [
      'monthly run',
      MonthlyRunEnvironment,
      ['TABLE_NAME', 'PAYMENT_PROVIDER', 'LICENSE_FEES', 'MONTHLY_WORK_QUEUE_URL'],
    ],
    ['API', ApiEnvironment, ['TABLE_NAME', 'PAYMENT_PROVIDER', 'OPERATOR_NAME', 'RECHARGE_QUEUE_URL']],
    ['event relay', PublishEventsEnvironment, ['EVENT_BUS_NAME']],
  ] as const)('names every required variable of the %s function that is not set', (_name, schema, required) => {
    // Act
    const refused = refusals(schema, {});

    // Assess
    expect(refused.sort()).toEqual(required.map((variable) => `${variable} is not set`).sort());
  });

  it('counts a blank variable as not set', () => {
    // Act
    const refused = refusals(PublishEventsEnvironment, { EVENT_BUS_NAME: '  ' });

    // Assess
    expect(refused).toEqual(['EVENT_BUS_NAME is not set']);
  });

  describe('Variable: USAGE_FUTURE_MARGIN_SECONDS', () => {
    it('is a day when unset or blank', () => {
      // Act
      const unset = IngestUsageEnvironment.parse(INGESTION);
      const blank = IngestUsageEnvironment.parse({ ...INGESTION, USAGE_FUTURE_MARGIN_SECONDS: ' ' });

      // Assess
      expect(unset.USAGE_FUTURE_MARGIN_SECONDS).toBe(86_400);
      expect(blank.USAGE_FUTURE_MARGIN_SECONDS).toBe(86_400);
    });

    it('reads whole seconds from text, zero included', () => {
      // Act
      const hour = IngestUsageEnvironment.parse({ ...INGESTION, USAGE_FUTURE_MARGIN_SECONDS: '3600' });
      const none = IngestUsageEnvironment.parse({ ...INGESTION, USAGE_FUTURE_MARGIN_SECONDS: '0' });

      // Assess
      expect(hour.USAGE_FUTURE_MARGIN_SECONDS).toBe(3600);
      expect(none.USAGE_FUTURE_MARGIN_SECONDS).toBe(0);
    });

    it.each(['1.5', '-1', '1e3', 'a day', '1000000000'])('refuses "%s"', (text) => {
      // Act
      const refused = refusals(IngestUsageEnvironment, { ...INGESTION, USAGE_FUTURE_MARGIN_SECONDS: text });

      // Assess
      expect(refused).toEqual([
        expect.stringMatching(/^USAGE_FUTURE_MARGIN_SECONDS must be a whole number of seconds/),
      ]);
    });
  });

  describe('Variables: PAYMENT_PROVIDER, STRIPE_SECRET_ID and the card pages', () => {
    it('takes the sandbox without a secret or pages, and Stripe with them', () => {
      // Act
      const sandbox = RechargeEnvironment.parse(SANDBOX);
      const stripe = RechargeEnvironment.parse(STRIPE);

      // Assess
      expect(sandbox.PAYMENT_PROVIDER).toBe('sandbox');
      expect(sandbox.STRIPE_SECRET_ID).toBeUndefined();
      expect(stripe).toMatchObject({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_ID: 'arn:aws:secretsmanager:x' });
    });

    it('refuses Stripe without its secret and pages, even when other variables are refused too', () => {
      // Act
      const refused = refusals(DailyRunEnvironment, { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_ID: '' });

      // Assess
      expect(refused.sort()).toEqual([
        'CARD_CANCEL_URL is not set (required with PAYMENT_PROVIDER=stripe)',
        'CARD_RETURN_URL is not set (required with PAYMENT_PROVIDER=stripe)',
        'DAILY_WORK_QUEUE_URL is not set',
        'STRIPE_SECRET_ID is not set (required with PAYMENT_PROVIDER=stripe)',
        'TABLE_NAME is not set',
      ]);
    });

    it('refuses a card page that is not a URL', () => {
      // Act
      const refused = refusals(RechargeEnvironment, { ...STRIPE, CARD_RETURN_URL: 'cards/done' });

      // Assess
      expect(refused).toEqual(['CARD_RETURN_URL must be a URL such as https://billing.example.com/cards/done']);
    });

    it('refuses a provider other than stripe or sandbox', () => {
      // Act
      const refused = refusals(ApiEnvironment, {
        ...SANDBOX,
        PAYMENT_PROVIDER: 'Stripe',
        OPERATOR_NAME: '360dialog',
        RECHARGE_QUEUE_URL: 'http://localhost:9324/000000000000/recharge',
      });

      // Assess
      expect(refused).toEqual(['PAYMENT_PROVIDER must be "stripe" or "sandbox", not "Stripe"']);
    });
  });

  describe('Variable: LICENSE_FEES', () => {
    const MONTHLY = { ...STRIPE, MONTHLY_WORK_QUEUE_URL: 'http://localhost:9324/000000000000/monthly-work' };
    const REFUSED =
      'must map each currency to an amount string, e.g. {"EUR":"25.00","USD":"27.00"}, or each month (YYYY-MM) a price list applies from to such a map, e.g. {"2026-01":{"EUR":"25.00","USD":"27.00"},"2027-01":{"EUR":"27.00","USD":"29.00"}}';

    it('reads the fee schedule from JSON: one price list, or price lists by the month each applies from', () => {
      // Act
      const one = MonthlyRunEnvironment.parse({ ...MONTHLY, LICENSE_FEES: '{"EUR":"25.00","USD":"27.00"}' });
      const byMonth = MonthlyRunEnvironment.parse({
        ...MONTHLY,
        LICENSE_FEES: '{"2026-01":{"EUR":"25.00","USD":"27.00"},"2027-01":{"EUR":"27.00","USD":"29.00"}}',
      });

      // Assess
      expect(one.LICENSE_FEES).toEqual({ EUR: '25.00', USD: '27.00' });
      expect(byMonth.LICENSE_FEES).toEqual({
        '2026-01': { EUR: '25.00', USD: '27.00' },
        '2027-01': { EUR: '27.00', USD: '29.00' },
      });
    });

    it.each([
      ['{"EUR":"25.00"', 'must be JSON such as {"EUR":"25.00","USD":"27.00"}'],
      ['{"EUR":25}', REFUSED],
      ['["EUR"]', REFUSED],
      ['{}', REFUSED],
      ['{"2027-1":{"EUR":"27.00"}}', REFUSED],
      ['{"2027-01":{}}', REFUSED],
      ['{"2027-01":{"EUR":"27.00"},"EUR":"25.00"}', REFUSED],
    ])('refuses %s', (text, message) => {
      // Act
      const refused = refusals(MonthlyRunEnvironment, { ...MONTHLY, LICENSE_FEES: text });

      // Assess
      expect(refused).toEqual([`LICENSE_FEES ${message}`]);
    });
  });

  describe('Variables: endpoint overrides', () => {
    it('are unset unless given, and blank counts as unset', () => {
      // Act
      const environment = IngestUsageEnvironment.parse({
        ...INGESTION,
        SQS_ENDPOINT: 'http://localhost:9324',
        DYNAMODB_ENDPOINT: '',
      });

      // Assess
      expect(environment.SQS_ENDPOINT).toBe('http://localhost:9324');
      expect(environment.DYNAMODB_ENDPOINT).toBeUndefined();
      expect(environment.EVENTBRIDGE_ENDPOINT).toBeUndefined();
    });

    it('refuses one that is not a URL', () => {
      // Act
      const refused = refusals(PublishEventsEnvironment, {
        EVENT_BUS_NAME: 'prepaid-billing',
        EVENTBRIDGE_ENDPOINT: 'localhost',
      });

      // Assess
      expect(refused).toEqual([expect.stringMatching(/^EVENTBRIDGE_ENDPOINT must be a URL/)]);
    });
  });
});
