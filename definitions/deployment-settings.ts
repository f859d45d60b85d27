/**
 * The settings of a deployment: the `prepaid-billing:*` keys of the CDK context, in
 * cdk.json or given with `-c key=value`. The CDK app (bin/app.ts) deploys with them and
 * `npm start` (local/start.ts) runs with them; README's configuration table describes them.
 */
import * as z from 'zod';
import {
  DEFAULT_RUNBOOK_URL,
  DEFAULT_TOP_UP_MAXIMUM,
  DEFAULT_TOP_UP_MINIMUM,
  DEFAULT_USAGE_FUTURE_MARGIN_SECONDS,
  configurationError,
  issueLines,
  licenseFees,
  requiredText,
  topUpAmount,
  topUpBoundsInOrder,
  wholeSeconds,
  wholeSecondsText,
  WHOLE_SECONDS_MESSAGE,
} from './setting-values';

export const SETTINGS_CONTEXT_PREFIX = 'prepaid-billing:';

/** Context given with `-c` arrives as text: JSON objects and lists in it are read as such. */
function jsonWhenText<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);
}

const SQS_QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const QUEUE_ARNS_MESSAGE =
  'must be a list of SQS queue ARNs, e.g. ["arn:aws:sqs:eu-central-1:123456789012:platform-usage"]';
/** The names Secrets Manager allows. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export const DeploymentSettingsSchema = z.object({
  /** Named in the 402 message of a blocked partner's channels. */
  operatorName: requiredText,
  /** The monthly license fee per hosted number in each currency. */
  licenseFees: jsonWhenText(licenseFees),
  /** Subscribed to the alarm topic (the address must confirm the subscription). */
  alarmEmail: z.email({ error: 'must be an e-mail address, e.g. ops@example.com' }).optional(),
  /** An existing secret holding the Stripe secret key; without it the stack creates a placeholder. */
  stripeSecretName: z
    .string({ error: 'must be the name of a Secrets Manager secret' })
    .regex(SECRET_NAME, { error: 'must be the name of a Secrets Manager secret (letters, digits and /_+=.@-)' })
    .optional(),
  /** An existing secret holding the Stripe webhook endpoint's signing secret; without it the stack creates a placeholder. */
  stripeWebhookSecretName: z
    .string({ error: 'must be the name of a Secrets Manager secret' })
    .regex(SECRET_NAME, { error: 'must be the name of a Secrets Manager secret (letters, digits and /_+=.@-)' })
    .optional(),
  /** Where Stripe's hosted pages send a partner after saving a card or authenticating a charge. */
  cardReturnUrl: z.url({
    protocol: /^https$/,
    error: 'must be an https URL, e.g. https://billing.example.com/cards/done',
  }),
  /** Where they send a partner who gives up. */
  cardCancelUrl: z.url({
    protocol: /^https$/,
    error: 'must be an https URL, e.g. https://billing.example.com/cards/cancelled',
  }),
  /** `destroy` only for throwaway stacks: it also deletes the table and lifts its deletion protection. */
  removalPolicy: z
    .enum(['retain', 'destroy'], {
      error: (issue) => `must be "retain" or "destroy", not ${JSON.stringify(issue.input)}`,
    })
    .default('retain'),
  /** Queues the messaging platform already sends usage events to. */
  existingUsageQueueArns: jsonWhenText(
    z.array(z.string({ error: QUEUE_ARNS_MESSAGE }).regex(SQS_QUEUE_ARN, { error: QUEUE_ARNS_MESSAGE }), {
      error: QUEUE_ARNS_MESSAGE,
    }),
  ).default([]),
  /** How far in the future a usage event may be dated before ingestion refuses it (`occurred-in-future`). */
  usageFutureMarginSeconds: z
    .union([wholeSeconds, wholeSecondsText], { error: WHOLE_SECONDS_MESSAGE })
    .default(DEFAULT_USAGE_FUTURE_MARGIN_SECONDS),
  /** The least a partner's top-up may credit (`POST /partners/{partnerId}/top-ups`, docs/contract.md §14). */
  topUpMinimum: topUpAmount.default(DEFAULT_TOP_UP_MINIMUM),
  /** The most a partner's top-up may credit. */
  topUpMaximum: topUpAmount.default(DEFAULT_TOP_UP_MAXIMUM),
  /** Where docs/runbook.md is read: every alarm's description links to its section there. */
  runbookUrl: z
    .url({
      protocol: /^https$/,
      error: 'must be an https URL, e.g. https://github.com/example/prepaid-billing/blob/main/docs/runbook.md',
    })
    .default(DEFAULT_RUNBOOK_URL),
});

export type DeploymentSettings = z.output<typeof DeploymentSettingsSchema>;
export type DeploymentSettingName = keyof DeploymentSettings;

export const DEPLOYMENT_SETTING_NAMES = Object.keys(DeploymentSettingsSchema.shape) as DeploymentSettingName[];

const contextKey = (name: string) => `${SETTINGS_CONTEXT_PREFIX}${name}`;

/**
 * Reads every setting through `context` (given the full key, `prepaid-billing:operatorName`),
 * with its default when unset, empty or null. `givenKeys`, the keys the context holds, lets
 * a misspelled `prepaid-billing:` key be refused rather than ignored. Throws one error
 * naming each refused key.
 */
export function readDeploymentSettings(
  context: (key: string) => unknown,
  givenKeys: Iterable<string> = [],
): DeploymentSettings {
  const given = Object.fromEntries(
    DEPLOYMENT_SETTING_NAMES.map((name) => {
      const value = context(contextKey(name));
      const unset = value === null || (typeof value === 'string' && value.trim() === '');
      return [name, unset ? undefined : value];
    }),
  );
  const known = new Set(DEPLOYMENT_SETTING_NAMES.map(contextKey));
  const unknown = [...givenKeys]
    .filter((key) => key.startsWith(SETTINGS_CONTEXT_PREFIX) && !known.has(key))
    .map((key) => `context ${key} is not a setting; the settings are ${DEPLOYMENT_SETTING_NAMES.join(', ')}`);
  const parsed = DeploymentSettingsSchema.safeParse(given);
  const refused = parsed.success
    ? topUpBoundsRefused(parsed.data)
    : issueLines(parsed.error, (name) => `context ${contextKey(name)}`);
  if (!parsed.success || refused.length > 0 || unknown.length > 0) {
    throw configurationError('the deployment settings (CDK context) are not valid', [...refused, ...unknown]);
  }
  return parsed.data;
}

/** The top-up bounds in order; checked after the schema, which stays a plain object for `pick`. */
function topUpBoundsRefused(settings: DeploymentSettings): string[] {
  return topUpBoundsInOrder(settings.topUpMinimum, settings.topUpMaximum)
    ? []
    : [`context ${contextKey('topUpMinimum')} must be at most topUpMaximum (${settings.topUpMaximum})`];
}
