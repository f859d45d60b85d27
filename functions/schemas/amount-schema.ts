/** A wire amount (docs/contract.md §2) read into micro-units; the domain's own parser names what is wrong. */
import * as z from 'zod';
import { DomainError } from '../domain/errors';
import { MAX_AMOUNT, MAX_BALANCE, type Micros, parseAmount } from '../domain/money';

const amountUpTo = (limit: Micros) =>
  z
    .string()
    .meta({
      description: 'Decimal string with 2 to 6 fraction digits',
      pattern: '^-?(0|[1-9][0-9]*)\\.[0-9]{2,6}$',
      examples: ['500.00', '0.0625', '-20.50'],
    })
    .transform((text, context) => parseWithin(text, limit, context));

/** A single amount: at most MAX_AMOUNT either side of 0. */
export const AmountSchema = amountUpTo(MAX_AMOUNT);

/** A total of many amounts, such as a month's upstream invoice: at most MAX_BALANCE either side of 0. */
export const TotalAmountSchema = amountUpTo(MAX_BALANCE);

function parseWithin(text: string, limit: Micros, context: z.core.$RefinementCtx<string>): Micros {
  try {
    return parseAmount(text, limit);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // The domain error's code travels with the issue: callers tell a range error from a typo.
    context.addIssue({ code: 'custom', message: error.message, params: { code: error.code } });
    return z.NEVER;
  }
}
