/**
 * Configuration from the environment, read once at cold start. A missing variable fails
 * the start with its name instead of failing a request later.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Endpoint overrides: set by the local runtime (DynamoDB Local, the SQS emulator); unset in AWS. */
export interface Endpoints {
  readonly dynamoDb?: string;
  readonly sqs?: string;
  readonly eventBridge?: string;
}

export function readEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const dynamoDb = optionalEnv('DYNAMODB_ENDPOINT', env);
  const sqs = optionalEnv('SQS_ENDPOINT', env);
  const eventBridge = optionalEnv('EVENTBRIDGE_ENDPOINT', env);
  return {
    ...(dynamoDb !== undefined && { dynamoDb }),
    ...(sqs !== undefined && { sqs }),
    ...(eventBridge !== undefined && { eventBridge }),
  };
}

/** How far in the future a usage event may be dated by default: a day of clock skew. */
export const DEFAULT_USAGE_FUTURE_MARGIN_SECONDS = 86_400;

/** `USAGE_FUTURE_MARGIN_SECONDS`, a whole number of seconds; the default when unset. */
export function readUsageFutureMarginMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = optionalEnv('USAGE_FUTURE_MARGIN_SECONDS', env) ?? String(DEFAULT_USAGE_FUTURE_MARGIN_SECONDS);
  if (!/^[0-9]{1,9}$/.test(text)) {
    throw new Error(`environment variable USAGE_FUTURE_MARGIN_SECONDS must be a whole number of seconds, got "${text}"`);
  }
  return Number(text) * 1000;
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
  return {
    futureMarginMs: readUsageFutureMarginMs(env),
    tableName: requireEnv('TABLE_NAME', env),
    deadLetterQueueUrl: requireEnv('USAGE_DEAD_LETTER_QUEUE_URL', env),
    rechargeQueueUrl: requireEnv('RECHARGE_QUEUE_URL', env),
    eventBusName: requireEnv('EVENT_BUS_NAME', env),
    endpoints: readEndpoints(env),
  };
}

export type PaymentProviderConfig =
  | { readonly kind: 'sandbox' }
  /** The Stripe secret key is read from Secrets Manager at cold start, never from the environment. */
  | { readonly kind: 'stripe'; readonly secretId: string };

export function readPaymentProviderConfig(env: NodeJS.ProcessEnv = process.env): PaymentProviderConfig {
  const kind = requireEnv('PAYMENT_PROVIDER', env);
  if (kind === 'sandbox') return { kind };
  if (kind === 'stripe') return { kind, secretId: requireEnv('STRIPE_SECRET_ID', env) };
  throw new Error(`PAYMENT_PROVIDER must be "stripe" or "sandbox", not "${kind}"`);
}

export interface RechargeConfig {
  readonly tableName: string;
  readonly payments: PaymentProviderConfig;
  readonly endpoints: Endpoints;
}

export function readRechargeConfig(env: NodeJS.ProcessEnv = process.env): RechargeConfig {
  return {
    tableName: requireEnv('TABLE_NAME', env),
    payments: readPaymentProviderConfig(env),
    endpoints: readEndpoints(env),
  };
}

export interface DailyRunConfig extends RechargeConfig {
  readonly dailyWorkQueueUrl: string;
}

export function readDailyRunConfig(env: NodeJS.ProcessEnv = process.env): DailyRunConfig {
  return { ...readRechargeConfig(env), dailyWorkQueueUrl: requireEnv('DAILY_WORK_QUEUE_URL', env) };
}

export interface ApiConfig extends RechargeConfig {
  /** Named in the 402 message of a blocked partner's channels. */
  readonly operatorName: string;
}

export function readApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return { ...readRechargeConfig(env), operatorName: requireEnv('OPERATOR_NAME', env) };
}

export interface MonthlyRunConfig extends RechargeConfig {
  /** JSON such as {"EUR":"25.00","USD":"27.00"}: the monthly fee per hosted number in each currency. */
  readonly licenseFees: Record<string, string>;
}

export function readMonthlyRunConfig(env: NodeJS.ProcessEnv = process.env): MonthlyRunConfig {
  const text = requireEnv('LICENSE_FEES', env);
  let licenseFees: unknown;
  try {
    licenseFees = JSON.parse(text);
  } catch {
    throw new Error(`LICENSE_FEES must be JSON such as {"EUR":"25.00","USD":"27.00"}, got ${text}`);
  }
  if (typeof licenseFees !== 'object' || licenseFees === null || Object.values(licenseFees).some((fee) => typeof fee !== 'string')) {
    throw new Error(`LICENSE_FEES must map each currency to an amount string, got ${text}`);
  }
  return { ...readRechargeConfig(env), licenseFees: licenseFees as Record<string, string> };
}

export interface PublishEventsConfig {
  readonly eventBusName: string;
  readonly endpoints: Endpoints;
}

export function readPublishEventsConfig(env: NodeJS.ProcessEnv = process.env): PublishEventsConfig {
  return { eventBusName: requireEnv('EVENT_BUS_NAME', env), endpoints: readEndpoints(env) };
}
