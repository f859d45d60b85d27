/**
 * functions/config.ts: what each Lambda entry reads at cold start, and the one error that
 * stops a start whose environment is missing or wrong.
 */
import {
  readApiConfig,
  readDailyRunConfig,
  readIngestUsageConfig,
  readMonthlyRunConfig,
  readPublishEventsConfig,
  readRechargeConfig,
  readStripeWebhookConfig,
} from '../../functions/config';

const PAGES = {
  CARD_RETURN_URL: 'https://billing.example.com/cards/done',
  CARD_CANCEL_URL: 'https://billing.example.com/cards/cancelled',
};
const STRIPE = {
  TABLE_NAME: 'billing',
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_ID: 'arn:aws:secretsmanager:stripe',
  ...PAGES,
};
const RECHARGE_QUEUE = 'https://sqs/recharge';

function startError(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration was read');
}

describe('Module: functions/config', () => {
  describe('Function: readIngestUsageConfig', () => {
    it('reads the queues, the bus, the margin in milliseconds and only the endpoints that are set', () => {
      // Act
      const config = readIngestUsageConfig({
        TABLE_NAME: 'billing',
        USAGE_DEAD_LETTER_QUEUE_URL: 'https://sqs/usage-dlq',
        RECHARGE_QUEUE_URL: 'https://sqs/recharge',
        EVENT_BUS_NAME: 'prepaid-billing',
        USAGE_FUTURE_MARGIN_SECONDS: '3600',
        DYNAMODB_ENDPOINT: 'http://localhost:8000',
      });

      // Assess
      expect(config).toEqual({
        futureMarginMs: 3_600_000,
        tableName: 'billing',
        deadLetterQueueUrl: 'https://sqs/usage-dlq',
        rechargeQueueUrl: 'https://sqs/recharge',
        eventBusName: 'prepaid-billing',
        endpoints: { dynamoDb: 'http://localhost:8000' },
      });
    });

    it('stops the start with one error naming every variable to fix', () => {
      // Act
      const message = startError(() =>
        readIngestUsageConfig({ TABLE_NAME: 'billing', USAGE_FUTURE_MARGIN_SECONDS: 'soon', SQS_ENDPOINT: 'sqs' }),
      );

      // Assess
      expect(message.split('\n')).toEqual([
        'the environment of the ingestion function is not valid:',
        '  USAGE_DEAD_LETTER_QUEUE_URL is not set',
        '  RECHARGE_QUEUE_URL is not set',
        '  EVENT_BUS_NAME is not set',
        expect.stringMatching(/^ {2}USAGE_FUTURE_MARGIN_SECONDS must be a whole number of seconds/),
        expect.stringMatching(/^ {2}SQS_ENDPOINT must be a URL/),
      ]);
    });
  });

  describe('Functions: the card-charging entries', () => {
    it('give the recharge its table, the Stripe secret to read and the card pages, or the sandbox', () => {
      // Act
      const stripe = readRechargeConfig(STRIPE);
      const sandbox = readRechargeConfig({ TABLE_NAME: 'billing', PAYMENT_PROVIDER: 'sandbox' });

      // Assess
      expect(stripe).toEqual({
        tableName: 'billing',
        payments: {
          kind: 'stripe',
          secretId: 'arn:aws:secretsmanager:stripe',
          pages: {
            returnUrl: 'https://billing.example.com/cards/done',
            cancelUrl: 'https://billing.example.com/cards/cancelled',
          },
        },
        endpoints: {},
      });
      expect(sandbox.payments).toEqual({ kind: 'sandbox' });
    });

    it('give the daily run its work queue, the API the operator and the recharge queue, and the monthly run its fees and work queue', () => {
      // Act
      const daily = readDailyRunConfig({ ...STRIPE, DAILY_WORK_QUEUE_URL: 'https://sqs/daily' });
      const api = readApiConfig({ ...STRIPE, OPERATOR_NAME: '360dialog', RECHARGE_QUEUE_URL: RECHARGE_QUEUE });
      const monthly = readMonthlyRunConfig({
        ...STRIPE,
        LICENSE_FEES: '{"EUR":"25.00","USD":"27.00"}',
        MONTHLY_WORK_QUEUE_URL: 'https://sqs/monthly',
      });

      // Assess
      expect(daily.dailyWorkQueueUrl).toBe('https://sqs/daily');
      expect(api.operatorName).toBe('360dialog');
      expect(api.rechargeQueueUrl).toBe(RECHARGE_QUEUE);
      expect(monthly.licenseFees).toEqual({ EUR: '25.00', USD: '27.00' });
      expect(monthly.monthlyWorkQueueUrl).toBe('https://sqs/monthly');
      for (const config of [daily, api, monthly]) expect(config.payments).toEqual(readRechargeConfig(STRIPE).payments);
    });

    it('give the Stripe webhook its signing secret to read and the recharge queue', () => {
      // Act
      const webhook = readStripeWebhookConfig({
        ...STRIPE,
        STRIPE_WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:webhook',
        RECHARGE_QUEUE_URL: RECHARGE_QUEUE,
      });

      // Assess
      expect(webhook).toMatchObject({
        webhookSecretId: 'arn:aws:secretsmanager:webhook',
        rechargeQueueUrl: RECHARGE_QUEUE,
        payments: readRechargeConfig(STRIPE).payments,
      });
    });

    it('stop the start when Stripe has no secret, naming the function and the variable', () => {
      // Act
      const message = startError(() =>
        readApiConfig({
          TABLE_NAME: 'billing',
          PAYMENT_PROVIDER: 'stripe',
          OPERATOR_NAME: 'x',
          RECHARGE_QUEUE_URL: RECHARGE_QUEUE,
          ...PAGES,
        }),
      );

      // Assess
      expect(message).toBe(
        'the environment of the API function is not valid:\n  STRIPE_SECRET_ID is not set (required with PAYMENT_PROVIDER=stripe)',
      );
    });
  });

  describe('Function: readApiConfig', () => {
    const API = { ...STRIPE, OPERATOR_NAME: '360dialog', RECHARGE_QUEUE_URL: RECHARGE_QUEUE };

    it('reads the top-up bounds as amounts, 10.00 to 100000.00 when the stack sets none', () => {
      // Act
      const defaults = readApiConfig(API);
      const set = readApiConfig({ ...API, TOP_UP_MINIMUM: '25.00', TOP_UP_MAXIMUM: '5000.00' });

      // Assess
      expect(defaults.topUpBounds).toEqual({ minimum: 10_000_000, maximum: 100_000_000_000 });
      expect(set.topUpBounds).toEqual({ minimum: 25_000_000, maximum: 5_000_000_000 });
    });

    it('stops the start on a top-up bound that is not whole cents or above the maximum', () => {
      // Act
      const fraction = startError(() => readApiConfig({ ...API, TOP_UP_MINIMUM: '10.005' }));
      const crossed = startError(() => readApiConfig({ ...API, TOP_UP_MINIMUM: '500.00', TOP_UP_MAXIMUM: '100.00' }));

      // Assess
      expect(fraction).toContain('TOP_UP_MINIMUM must be an amount in whole cents from 0.01 to 961538.45');
      expect(crossed).toContain('TOP_UP_MINIMUM must be at most TOP_UP_MAXIMUM');
    });
  });

  describe('Function: readPublishEventsConfig', () => {
    it('reads the bus and an EventBridge endpoint override', () => {
      // Act
      const config = readPublishEventsConfig({
        EVENT_BUS_NAME: 'prepaid-billing',
        EVENTBRIDGE_ENDPOINT: 'http://localhost:4010',
      });

      // Assess
      expect(config).toEqual({ eventBusName: 'prepaid-billing', endpoints: { eventBridge: 'http://localhost:4010' } });
    });
  });
});
