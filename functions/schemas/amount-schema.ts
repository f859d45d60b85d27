/** A wire amount (docs/contract.md §2) read into micro-units; the domain's own parser names what is wrong. */
import * as z from 'zod';
import { DomainError } from '../domain/errors';
import { parseAmount } from '../domain/money';

export const AmountSchema = z
  .string()
  .meta({
    description: 'Decimal string with 2 to 6 fraction digits',
    pattern: '^-?(0|[1-9][0-9]*)\\.[0-9]{2,6}$',
    examples: ['500.00', '0.0625', '-20.50'],
  })
  .transform((text, context) => {
    try {
      return parseAmount(text);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // The domain error's code travels with the issue: callers tell a range error from a typo.
      context.addIssue({ code: 'custom', message: error.message, params: { code: error.code } });
      return z.NEVER;
    }
  });
