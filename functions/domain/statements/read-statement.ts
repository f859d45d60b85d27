/**
 * Reading a partner's statement of a month (docs/contract.md §15): only a month that is
 * over and that the daily run after its end has closed, so that the statement never
 * changes once it is read; a month the partner did not move in reads as its balance.
 */
import { UnknownPartnerError } from '../errors';
import { isClosed, monthOf, parseMonth } from '../month';
import { assertPartnerId } from '../partner';
import type { Clock, LedgerRepository } from '../ports';
import type { MonthBooks } from './month-book-ports';
import { type Statement, buildStatement } from './statement';
import { MonthBeforeAccountError, MonthNotOverError, StatementNotReadyError } from './statement-errors';
import type { StatementRecords } from './statement-ports';

export interface StatementDependencies {
  readonly ledger: Pick<LedgerRepository, 'getPartner'>;
  readonly months: MonthBooks;
  readonly records: StatementRecords;
  readonly clock: Clock;
}

export async function readStatement(
  request: { readonly partnerId: string; readonly period: string },
  deps: StatementDependencies,
): Promise<Statement> {
  const partnerId = assertPartnerId(request.partnerId);
  const period = parseMonth(request.period);
  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) throw new UnknownPartnerError(partnerId);
  if (!isClosed(period, deps.clock.now())) throw new MonthNotOverError(period);
  // `YYYY-MM` sorts as the months do.
  const firstMonth = monthOf(account.createdAt);
  if (period < firstMonth) throw new MonthBeforeAccountError(partnerId, period, firstMonth);
  const book = await deps.months.read(partnerId, period, { channels: true });
  if (book === undefined) throw new UnknownPartnerError(partnerId);
  if (book.state === 'open') throw new StatementNotReadyError(partnerId, period);
  const [snapshots, invoices] = await Promise.all([
    deps.records.snapshotsOf(partnerId, period),
    deps.records.invoicesOf(partnerId, period),
  ]);
  return buildStatement(book, snapshots, invoices);
}
