/**
 * The kinds of value the deployment settings (deployment-settings.ts) and the functions'
 * environments (function-environment.ts) share, each with the message that refuses it,
 * and how a refused configuration is reported.
 */
import * as z from 'zod';

export const NOT_SET = 'is not set';

/** Text that must be given: missing, empty and blank values are refused alike. */
export const requiredText = z
  .string({ error: (issue) => (issue.input === undefined ? NOT_SET : 'must be text') })
  .trim()
  .min(1, NOT_SET);

export const LICENSE_FEES_EXAMPLE = '{"EUR":"25.00","USD":"27.00"}';
const LICENSE_FEES_BY_MONTH_EXAMPLE =
  '{"2026-01":{"EUR":"25.00","USD":"27.00"},"2027-01":{"EUR":"27.00","USD":"29.00"}}';
const LICENSE_FEES_MESSAGE = `must map each currency to an amount string, e.g. ${LICENSE_FEES_EXAMPLE}, or each month (YYYY-MM) a price list applies from to such a map, e.g. ${LICENSE_FEES_BY_MONTH_EXAMPLE}`;

const feePerCurrency = z
  .record(z.string(), z.string({ error: LICENSE_FEES_MESSAGE }), { error: LICENSE_FEES_MESSAGE })
  .refine((fees) => Object.keys(fees).length > 0, { error: LICENSE_FEES_MESSAGE });

/**
 * The monthly license fee per hosted number in each currency: one price list for every
 * month, or price lists by the month each applies from (until the next one's month). The
 * monthly run checks the currencies and amounts themselves when it starts
 * (functions/domain/monthly/license-fee.ts).
 */
export const licenseFees = z.union(
  [
    feePerCurrency,
    z
      .record(z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/), feePerCurrency)
      .refine((lists) => Object.keys(lists).length > 0, { error: LICENSE_FEES_MESSAGE }),
  ],
  { error: (issue) => (issue.input === undefined ? NOT_SET : LICENSE_FEES_MESSAGE) },
);
export type LicenseFeesSetting = z.output<typeof licenseFees>;

/** How far in the future a usage event may be dated by default: a day of clock skew. */
export const DEFAULT_USAGE_FUTURE_MARGIN_SECONDS = 86_400;
/** Nine digits of seconds (about 31 years): a bound no real margin reaches, and safe as milliseconds. */
export const MAX_USAGE_FUTURE_MARGIN_SECONDS = 999_999_999;
export const WHOLE_SECONDS_MESSAGE = `must be a whole number of seconds from 0 to ${MAX_USAGE_FUTURE_MARGIN_SECONDS}, e.g. ${DEFAULT_USAGE_FUTURE_MARGIN_SECONDS}`;

export const wholeSeconds = z
  .int({ error: WHOLE_SECONDS_MESSAGE })
  .min(0, { error: WHOLE_SECONDS_MESSAGE })
  .max(MAX_USAGE_FUTURE_MARGIN_SECONDS, { error: WHOLE_SECONDS_MESSAGE });

/** Whole seconds written as text, as an environment variable (or `-c key=value`) carries them. */
export const wholeSecondsText = z
  .string()
  .trim()
  .regex(/^[0-9]+$/, { error: WHOLE_SECONDS_MESSAGE })
  .transform(Number)
  .pipe(wholeSeconds);

/**
 * The amounts a partner's top-up may credit by default (docs/contract.md §14), and the
 * most one card charge can credit: MAX_CARD_CREDIT of docs/contract.md §2 in cents
 * (functions/domain/money.ts; a unit test holds the two equal).
 */
export const DEFAULT_TOP_UP_MINIMUM = '10.00';
export const DEFAULT_TOP_UP_MAXIMUM = '100000.00';

/**
 * Where the on-call engineers read docs/runbook.md: each alarm's description links to its
 * section there. A fork sets its own repository's address.
 */
export const DEFAULT_RUNBOOK_URL = 'https://github.com/prepaid-billing/prepaid-billing/blob/main/docs/runbook.md';
export const MAX_TOP_UP_CENTS = 96_153_845;
const MAX_TOP_UP = '961538.45';
export const TOP_UP_AMOUNT_MESSAGE = `must be an amount in whole cents from 0.01 to ${MAX_TOP_UP}, e.g. "${DEFAULT_TOP_UP_MINIMUM}"`;

/** Cents of an amount written with exactly two fraction digits and no leading zeros, as "10.00". */
function centsOf(text: string): number {
  const [units = '', cents = ''] = text.split('.');
  return Number(units) * 100 + Number(cents);
}

/** A top-up bound, as text in whole cents ("10.00"), as cdk.json, `-c` and an environment variable carry it. */
export const topUpAmount = z
  .string({ error: TOP_UP_AMOUNT_MESSAGE })
  .trim()
  .regex(/^(0|[1-9][0-9]{0,5})\.[0-9]{2}$/, { error: TOP_UP_AMOUNT_MESSAGE })
  .refine((text) => centsOf(text) >= 1 && centsOf(text) <= MAX_TOP_UP_CENTS, { error: TOP_UP_AMOUNT_MESSAGE });

/** The minimum is at most the maximum: checked where both are read. */
export function topUpBoundsInOrder(minimum: string, maximum: string): boolean {
  return centsOf(minimum) <= centsOf(maximum);
}

/** One line per refused setting (`name message`); a value refused in several places (two entries of one list) once. */
export function issueLines(error: z.ZodError, nameOf: (key: string) => string): string[] {
  return [...new Set(error.issues.map((issue) => `${nameOf(String(issue.path[0] ?? ''))} ${issue.message}`))];
}

/** One error that names every refused setting, so one attempt shows all there is to fix. */
export function configurationError(title: string, lines: readonly string[]): Error {
  return new Error(`${title}:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}
