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
const LICENSE_FEES_MESSAGE = `must map each currency to an amount string, e.g. ${LICENSE_FEES_EXAMPLE}`;

/**
 * The monthly license fee per hosted number in each currency. The monthly run checks the
 * currencies and amounts themselves when it starts (functions/domain/monthly/license-fee.ts).
 */
export const licenseFees = z
  .record(z.string(), z.string({ error: LICENSE_FEES_MESSAGE }), {
    error: (issue) => (issue.input === undefined ? NOT_SET : LICENSE_FEES_MESSAGE),
  })
  .refine((fees) => Object.keys(fees).length > 0, { error: LICENSE_FEES_MESSAGE });

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

/** One line per refused setting (`name message`); a value refused in several places (two entries of one list) once. */
export function issueLines(error: z.ZodError, nameOf: (key: string) => string): string[] {
  return [...new Set(error.issues.map((issue) => `${nameOf(String(issue.path[0] ?? ''))} ${issue.message}`))];
}

/** One error that names every refused setting, so one attempt shows all there is to fix. */
export function configurationError(title: string, lines: readonly string[]): Error {
  return new Error(`${title}:\n${lines.map((line) => `  ${line}`).join('\n')}`);
}
