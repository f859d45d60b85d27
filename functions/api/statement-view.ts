/** A statement on the wire (docs/contract.md §15): amounts as decimal strings, counts as numbers. */
import type * as z from 'zod';
import { formatAmount } from '../domain/money';
import type { Tally } from '../domain/statements/month-figures';
import type { Statement } from '../domain/statements/statement';
import type { StatementView } from './statement-schemas';

const tallyView = (tally: Tally) => ({ count: tally.count, amount: formatAmount(tally.amount) });

export function statementView(statement: Statement): z.input<typeof StatementView> {
  return {
    partnerId: statement.partnerId,
    currency: statement.currency,
    period: statement.period,
    opening: formatAmount(statement.opening),
    closing: formatAmount(statement.closing),
    netMovement: formatAmount(statement.netMovement),
    usage: {
      conversations: statement.usage.total.count,
      amount: formatAmount(statement.usage.total.amount),
      byCategory: statement.usage.byCategory.map(([category, tally]) => ({
        category,
        conversations: tally.count,
        amount: formatAmount(tally.amount),
      })),
      byChannel: statement.usage.byChannel.map(([channelId, tally]) => ({
        channelId,
        conversations: tally.count,
        amount: formatAmount(tally.amount),
      })),
    },
    movements: statement.movements.map(([kind, tally]) => ({ kind, ...tallyView(tally) })),
    dailyBalances: statement.dailyBalances.map((day) => ({
      day: day.day,
      balance: formatAmount(day.balance),
      published: day.published,
    })),
    cardCharges: statement.cardCharges.map((charge) => ({
      invoiceId: charge.invoiceId,
      issuedAt: charge.issuedAt.toISOString(),
      purpose: charge.purpose,
      credited: formatAmount(charge.credited),
      licenseFee: formatAmount(charge.licenseFee),
      cardFee: formatAmount(charge.cardFee),
      total: formatAmount(charge.total),
    })),
    charged: {
      credited: formatAmount(statement.charged.credited),
      licenseFees: formatAmount(statement.charged.licenseFees),
      cardFees: formatAmount(statement.charged.cardFees),
      total: formatAmount(statement.charged.total),
    },
  };
}
