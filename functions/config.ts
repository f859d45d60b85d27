/**
 * Configuration from the environment, parsed once at cold start with the schemas the stack
 * sets it by (definitions/function-environment.ts). A missing or wrong variable fails the
 * start with one error naming every such variable, instead of failing a request later.
 */
import type { z } from 'zod';
import {
  ApiEnvironment,
  StripeWebhookEnvironment,
  DailyRunEnvironment,
  IngestUsageEnvironment,
  MonthlyRunEnvironment,
  PublishEventsEnvironment,
  RechargeEnvironment,
} from '../definitions/function-environment';
import { configurationError, issueLines } from '../definitions/setting-values';
import { parseAmount } from './domain/money';
import type { LicenseFeeSetting } from './domain/monthly/license-fee';
import type { TopUpBounds } from './domain/recharge/top-up';

function parseEnvironment<T extends z.ZodType>(functionName: string, schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw configurationError(
      `the environment of the ${functionName} function is not valid`,
      issueLines(parsed.error, (name) => name),
    );
  }
  return parsed.data;
}

/** Endpoint overrides: set by the local runtime (DynamoDB Local, the SQS emulator); unset in AWS. */
export interface Endpoints {
  readonly dynamoDb?: string;
  readonly sqs?: string;
  readonly eventBridge?: string;
}

function endpointsOf(env: {
  DYNAMODB_ENDPOINT?: string | undefined;
  SQS_ENDPOINT?: string | undefined;
  EVENTBRIDGE_ENDPOINT?: string | undefined;
}): Endpoints {
  return {
    ...(env.DYNAMODB_ENDPOINT !== undefined && { dynamoDb: env.DYNAMODB_ENDPOINT }),
    ...(env.SQS_ENDPOINT !== undefined && { sqs: env.SQS_ENDPOINT }),
    ...(env.EVENTBRIDGE_ENDPOINT !== undefined && { eventBridge: env.EVENTBRIDGE_ENDPOINT }),
  };
}

export interface IngestUsageConfig {
  readonly futureMarginMs: number;
  readonly tableName: string;
  readonly deadLetterQueueUrl: string;
  readonly rechargeQueueUrl: string;
  readonly eventBusName: string;
  readonly endpoints: Endpoints;
}

export function readIngestUsageConfig(env: NodeJS.ProcessEnv = process.env): IngestUsageConfig {
  const variables = parseEnvironment('ingestion', IngestUsageEnvironment, env);
  return {
    futureMarginMs: variables.USAGE_FUTURE_MARGIN_SECONDS * 1000,
    tableName: variables.TABLE_NAME,
    deadLetterQueueUrl: variables.USAGE_DEAD_LETTER_QUEUE_URL,
    rechargeQueueUrl: variables.RECHARGE_QUEUE_URL,
    eventBusName: variables.EVENT_BUS_NAME,
    endpoints: endpointsOf(variables),
  };
}

/** Where the provider's hosted pages send the partner back: after saving a card or authenticating, or on giving up. */
export interface CardPages {
  readonly returnUrl: string;
  readonly cancelUrl: string;
}

export type PaymentProviderConfig =
  | { readonly kind: 'sandbox' }
  /** The Stripe secret key is read from Secrets Manager at cold start, never from the environment. */
  | { readonly kind: 'stripe'; readonly secretId: string; readonly pages: CardPages };

function paymentsOf(env: {
  PAYMENT_PROVIDER: 'stripe' | 'sandbox';
  STRIPE_SECRET_ID?: string | undefined;
  CARD_RETURN_URL?: string | undefined;
  CARD_CANCEL_URL?: string | undefined;
}): PaymentProviderConfig {
  if (env.PAYMENT_PROVIDER === 'sandbox') return { kind: 'sandbox' };
  // Refused by the schema already; checked again so the type says a Stripe provider has them.
  const { STRIPE_SECRET_ID: secretId, CARD_RETURN_URL: returnUrl, CARD_CANCEL_URL: cancelUrl } = env;
  if (secretId === undefined || returnUrl === undefined || cancelUrl === undefined)
    throw new Error('STRIPE_SECRET_ID, CARD_RETURN_URL and CARD_CANCEL_URL are required with stripe');
  return { kind: 'stripe', secretId, pages: { returnUrl, cancelUrl } };
}

export interface RechargeConfig {
  readonly tableName: string;
  readonly payments: PaymentProviderConfig;
  readonly endpoints: Endpoints;
}

function rechargeConfigOf(variables: z.output<typeof RechargeEnvironment>): RechargeConfig {
  return { tableName: variables.TABLE_NAME, payments: paymentsOf(variables), endpoints: endpointsOf(variables) };
}

export function readRechargeConfig(env: NodeJS.ProcessEnv = process.env): RechargeConfig {
  return rechargeConfigOf(parseEnvironment('recharge', RechargeEnvironment, env));
}

export interface DailyRunConfig extends RechargeConfig {
  readonly dailyWorkQueueUrl: string;
}

export function readDailyRunConfig(env: NodeJS.ProcessEnv = process.env): DailyRunConfig {
  const variables = parseEnvironment('daily run', DailyRunEnvironment, env);
  return { ...rechargeConfigOf(variables), dailyWorkQueueUrl: variables.DAILY_WORK_QUEUE_URL };
}

export interface ApiConfig extends RechargeConfig {
  /** Named in the 402 message of a blocked partner's channels. */
  readonly operatorName: string;
  readonly rechargeQueueUrl: string;
  /** What a partner's top-up may credit (docs/contract.md §14). */
  readonly topUpBounds: TopUpBounds;
}

export function readApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const variables = parseEnvironment('API', ApiEnvironment, env);
  return {
    ...rechargeConfigOf(variables),
    operatorName: variables.OPERATOR_NAME,
    rechargeQueueUrl: variables.RECHARGE_QUEUE_URL,
    topUpBounds: { minimum: parseAmount(variables.TOP_UP_MINIMUM), maximum: parseAmount(variables.TOP_UP_MAXIMUM) },
  };
}

export interface StripeWebhookConfig extends RechargeConfig {
  /** The secret holding the endpoint's signing secret, read from Secrets Manager at cold start. */
  readonly webhookSecretId: string;
  readonly rechargeQueueUrl: string;
}

export function readStripeWebhookConfig(env: NodeJS.ProcessEnv = process.env): StripeWebhookConfig {
  const variables = parseEnvironment('Stripe webhook', StripeWebhookEnvironment, env);
  return {
    ...rechargeConfigOf(variables),
    webhookSecretId: variables.STRIPE_WEBHOOK_SECRET_ID,
    rechargeQueueUrl: variables.RECHARGE_QUEUE_URL,
  };
}

export interface MonthlyRunConfig extends RechargeConfig {
  /**
   * From JSON such as {"EUR":"25.00","USD":"27.00"}, or price lists by the month they apply
   * from, {"2027-01":{"EUR":"27.00","USD":"29.00"}}: the monthly fee per hosted number.
   */
  readonly licenseFees: LicenseFeeSetting;
  readonly monthlyWorkQueueUrl: string;
}

export function readMonthlyRunConfig(env: NodeJS.ProcessEnv = process.env): MonthlyRunConfig {
  const variables = parseEnvironment('monthly run', MonthlyRunEnvironment, env);
  return {
    ...rechargeConfigOf(variables),
    licenseFees: variables.LICENSE_FEES,
    monthlyWorkQueueUrl: variables.MONTHLY_WORK_QUEUE_URL,
  };
}

export interface PublishEventsConfig {
  readonly eventBusName: string;
  readonly endpoints: Endpoints;
}

export function readPublishEventsConfig(env: NodeJS.ProcessEnv = process.env): PublishEventsConfig {
  const variables = parseEnvironment('event relay', PublishEventsEnvironment, env);
  return { eventBusName: variables.EVENT_BUS_NAME, endpoints: endpointsOf(variables) };
}
