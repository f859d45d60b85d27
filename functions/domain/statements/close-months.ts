/**
 * The daily run's part in statements (docs/contract.md §15): once a run's cut-offs reach
 * into a new month, every partner that moved in an earlier month has that month closed
 * (its figures kept with the closing balance) and `StatementReady` published with it; a
 * month still running is put on its shard's list of months to close, so that a partner
 * quiet since is closed too.
 */
import type { DomainEvent } from '../events';
import { formatAmount } from '../money';
import { type Month, monthOf } from '../month';
import type { MonthBooks } from './month-book-ports';
import { type MonthBook, openingOf, usageTotal } from './month-figures';

/** `StatementReady`: the month's statement can be read, with the figures a consumer most often wants. */
export function statementReadyEvent(book: MonthBook, at: Date): DomainEvent {
  const usage = usageTotal(book.figures);
  return {
    type: 'StatementReady',
    time: at,
    detail: {
      partnerId: book.partnerId,
      currency: book.currency,
      period: book.month,
      opening: formatAmount(openingOf(book)),
      closing: formatAmount(book.closing),
      conversations: usage.count,
      usage: formatAmount(usage.amount),
    },
  };
}

/** The month a run with these cut-offs is in: months before it are over and closed by it. */
export function monthOfRun(cutoffs: readonly Date[]): Month {
  return monthOf(new Date(Math.max(...cutoffs.map((cutoff) => cutoff.getTime()))));
}

/** Closes the partner's months before the run's month, and lists its running month to be closed. */
export function settleMonths(
  partnerId: string,
  run: { readonly now: Date; readonly cutoffs: readonly Date[] },
  months: MonthBooks,
): Promise<readonly MonthBook[]> {
  return months.settle(partnerId, monthOfRun(run.cutoffs), run.now, (book) => statementReadyEvent(book, run.now));
}
