/** The statement route's path and its JSON answer, for the router and the OpenAPI document. */
import * as z from 'zod';
import { CURRENCIES } from '../domain/money';
import { MONTH_PATTERN } from '../domain/month';
import { USAGE_CATEGORIES } from '../domain/usage/usage-event';
import { ENTRY_KINDS } from '../domain/ledger';
import { PartnerId, Timestamp, WireAmount } from './schemas';

export const StatementPath = z.object({
  partnerId: PartnerId,
  period: z
    .string()
    .regex(MONTH_PATTERN, 'must be a month as YYYY-MM')
    .meta({ examples: ['2026-11'] }),
});

const Count = z.number().int().min(0);

export const StatementView = z.object({
  partnerId: PartnerId,
  currency: z.enum(CURRENCIES),
  period: z.string().meta({ examples: ['2026-11'] }),
  opening: WireAmount.meta({ description: "The balance at the start of the month: the previous month's closing" }),
  closing: WireAmount.meta({ description: 'The balance at the end of the month, as published at its last cut-off' }),
  netMovement: WireAmount.meta({
    description: 'closing - opening: the sum of the movements less the cost of usage, to the micro-unit',
  }),
  usage: z.object({
    conversations: Count,
    amount: WireAmount.meta({ description: 'What the conversations cost, debited from the balance' }),
    byCategory: z.array(z.object({ category: z.enum(USAGE_CATEGORIES), conversations: Count, amount: WireAmount })),
    byChannel: z.array(z.object({ channelId: z.string(), conversations: Count, amount: WireAmount })),
  }),
  movements: z
    .array(
      z.object({
        kind: z.enum(ENTRY_KINDS.filter((kind) => kind !== 'usage') as [string, ...string[]]),
        count: Count,
        amount: WireAmount.meta({ description: 'Signed: credits positive, debits negative' }),
      }),
    )
    .meta({ description: 'Every other movement of the balance, by kind' }),
  dailyBalances: z
    .array(
      z.object({
        day: z.iso.date(),
        balance: WireAmount,
        published: z.boolean().meta({
          description: "`false`: the daily run published nothing for the day's end, nothing having moved",
        }),
      }),
    )
    .meta({ description: 'The balance at the end of each day of the month, as the daily run published it' }),
  cardCharges: z
    .array(
      z.object({
        invoiceId: z.string(),
        issuedAt: Timestamp,
        purpose: z.enum(['credit', 'top-up', 'license-fee']),
        credited: WireAmount,
        licenseFee: WireAmount,
        cardFee: WireAmount,
        total: WireAmount.meta({ description: 'What the card was charged' }),
      }),
    )
    .meta({ description: 'Off the balance: the card charges of the month with their fees, and the license fees' }),
  charged: z.object({ credited: WireAmount, licenseFees: WireAmount, cardFees: WireAmount, total: WireAmount }),
});
