/**
 * The environment of each Lambda function, keyed by variable name. The stack sets it
 * (lib/, typed by these schemas) and the function parses it once at cold start
 * (functions/config.ts), so both read one list of names, types and defaults.
 */
import * as z from 'zod';
import {
  DEFAULT_TOP_UP_MAXIMUM,
  DEFAULT_TOP_UP_MINIMUM,
  DEFAULT_USAGE_FUTURE_MARGIN_SECONDS,
  LICENSE_FEES_EXAMPLE,
  NOT_SET,
  licenseFees,
  requiredText,
  topUpAmount,
  topUpBoundsInOrder,
  wholeSecondsText,
} from './setting-values';

/** Text that may be left out; blank counts as left out, then `schema` checks what remains. */
function optionalText<T extends z.ZodType<unknown, string>>(schema: T) {
  return z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
    .pipe(schema.optional());
}

const cardPageUrl = z.url({ error: 'must be a URL such as https://billing.example.com/cards/done' });

/**
 * Set by the local runtime and the tests to reach DynamoDB Local, the SQS emulator or a
 * stand-in for EventBridge; never by the stack, so in AWS the SDK's endpoints apply.
 */
const ENDPOINT_OVERRIDES = {
  DYNAMODB_ENDPOINT: optionalText(z.url({ error: 'must be a URL such as http://localhost:8000' })),
  SQS_ENDPOINT: optionalText(z.url({ error: 'must be a URL such as http://localhost:9324' })),
  EVENTBRIDGE_ENDPOINT: optionalText(z.url({ error: 'must be a URL such as http://localhost:4010' })),
};
export type EndpointOverrideVariable = keyof typeof ENDPOINT_OVERRIDES;

export const PAYMENT_PROVIDERS = ['stripe', 'sandbox'] as const;

/**
 * The card provider of a function that charges cards: Stripe with its secret key read from
 * Secrets Manager (never from the environment), or the sandbox of local runs and tests.
 * The stack sets both variables itself for every function it gives Stripe access.
 */
const CARD_PROVIDER = {
  PAYMENT_PROVIDER: z.enum(PAYMENT_PROVIDERS, {
    error: (issue) =>
      issue.input === undefined ? NOT_SET : `must be "stripe" or "sandbox", not ${JSON.stringify(issue.input)}`,
  }),
  /** The ARN or name of the secret holding the Stripe secret key; required with `stripe`. */
  STRIPE_SECRET_ID: optionalText(z.string()),
  /** Where Stripe's hosted pages send the partner after saving a card or authenticating a charge; required with `stripe`. */
  CARD_RETURN_URL: optionalText(cardPageUrl),
  /** Where they send a partner who gives up; required with `stripe`. */
  CARD_CANCEL_URL: optionalText(cardPageUrl),
};
export type CardProviderVariable = keyof typeof CARD_PROVIDER;

/** What Stripe needs besides the provider's name: its key's secret and the pages it sends partners back to. */
const STRIPE_REQUIRES = ['STRIPE_SECRET_ID', 'CARD_RETURN_URL', 'CARD_CANCEL_URL'] as const;

/**
 * `STRIPE_SECRET_ID` and the card pages are required with `stripe`. Checked even when
 * other variables are refused too, so one cold start names every variable to fix.
 */
function requiringStripeSecret<
  T extends z.ZodType<{ PAYMENT_PROVIDER: string } & Partial<Record<(typeof STRIPE_REQUIRES)[number], string>>>,
>(environment: T): T {
  return STRIPE_REQUIRES.reduce(
    (checked, name) =>
      checked.refine((value) => value.PAYMENT_PROVIDER !== 'stripe' || value[name] !== undefined, {
        path: [name],
        error: `${NOT_SET} (required with PAYMENT_PROVIDER=stripe)`,
        when: (payload) => typeof payload.value === 'object' && payload.value !== null,
      }),
    environment,
  );
}

/** JSON text of a value `schema` accepts. */
function jsonText<T extends z.ZodType>(schema: T, example: string) {
  return requiredText
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: `must be JSON such as ${example}`, input: text });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const IngestUsageEnvironment = z.object({
  TABLE_NAME: requiredText,
  USAGE_DEAD_LETTER_QUEUE_URL: requiredText,
  RECHARGE_QUEUE_URL: requiredText,
  EVENT_BUS_NAME: requiredText,
  /** How far in the future a usage event may be dated before it is refused as `occurred-in-future`. */
  USAGE_FUTURE_MARGIN_SECONDS: optionalText(wholeSecondsText).transform(
    (seconds) => seconds ?? DEFAULT_USAGE_FUTURE_MARGIN_SECONDS,
  ),
  ...ENDPOINT_OVERRIDES,
});

const RECHARGE = { TABLE_NAME: requiredText, ...CARD_PROVIDER, ...ENDPOINT_OVERRIDES };

export const RechargeEnvironment = requiringStripeSecret(z.object(RECHARGE));

export const DailyRunEnvironment = requiringStripeSecret(z.object({ ...RECHARGE, DAILY_WORK_QUEUE_URL: requiredText }));

export const MonthlyRunEnvironment = requiringStripeSecret(
  z.object({
    ...RECHARGE,
    LICENSE_FEES: jsonText(licenseFees, LICENSE_FEES_EXAMPLE),
    /** The starter queues the month's pieces of work here; a piece queues the rest of its shard. */
    MONTHLY_WORK_QUEUE_URL: requiredText,
  }),
);

export const ApiEnvironment = requiringStripeSecret(
  z
    .object({
      ...RECHARGE,
      /** Named in the 402 message of a blocked partner's channels. */
      OPERATOR_NAME: requiredText,
      /** A charge that cannot finish within the API's time budget is finished by the recharge function. */
      RECHARGE_QUEUE_URL: requiredText,
      /** The least and the most a partner's top-up may credit, in whole cents ("10.00"). */
      TOP_UP_MINIMUM: optionalText(topUpAmount).transform((amount) => amount ?? DEFAULT_TOP_UP_MINIMUM),
      TOP_UP_MAXIMUM: optionalText(topUpAmount).transform((amount) => amount ?? DEFAULT_TOP_UP_MAXIMUM),
    })
    .refine((variables) => topUpBoundsInOrder(variables.TOP_UP_MINIMUM, variables.TOP_UP_MAXIMUM), {
      path: ['TOP_UP_MINIMUM'],
      error: 'must be at most TOP_UP_MAXIMUM',
    }),
);

export const StripeWebhookEnvironment = requiringStripeSecret(
  z.object({
    ...RECHARGE,
    /** The ARN or name of the secret holding the webhook endpoint's signing secret (`whsec_…`). */
    STRIPE_WEBHOOK_SECRET_ID: requiredText,
    /** A card saved through a setup page retries an outstanding charge through the recharge queue. */
    RECHARGE_QUEUE_URL: requiredText,
  }),
);

export const PublishEventsEnvironment = z.object({ EVENT_BUS_NAME: requiredText, ...ENDPOINT_OVERRIDES });
