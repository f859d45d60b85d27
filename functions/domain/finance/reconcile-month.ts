/**
 * Reconciliation of a partner's month against the upstream (Meta) invoice: the operator
 * enters the invoice's amount, the month's estimated usage is read from the month's
 * figures (a few items, whatever the month's number of events), and
 * the difference is booked once per partner and month as an `adjustment` entry keyed by
 * the period.
 *
 * The decision (estimated, actual, adjustment) is recorded before anything is booked, so
 * a second call answers with the first call's result, and a call that died between the
 * record and the booking is finished by the next one with the recorded amount: the ledger
 * posting is idempotent by `adjustment:{period}`. A zero difference books nothing; the
 * record alone makes the month reconciled.
 *
 * A credit restores standing like a payment (`postCredit`); a debit is a plain posting
 * followed by what follows usage: threshold, overdue clock and recharge request.
 */
import { UnknownPartnerError, CurrencyMismatchError, InvalidAmountError } from '../errors';
import type { ChannelRepository } from '../channels/channel';
import { entryIdOf, type Posting } from '../ledger';
import { type Currency, type Micros, formatAmount } from '../money';
import { isClosed, monthName, monthOf, parseMonth } from '../month';
import { assertPartnerId } from '../partner';
import type { Clock, LedgerRepository } from '../ports';
import type { BalanceFollowUp } from '../usage/balance-follow-up';
import { PeriodBeforeAccountError, PeriodNotClosedError, ReconciliationConflictError } from './finance-errors';
import type { MonthBooks } from '../statements/month-book-ports';
import { usageTotal } from '../statements/month-figures';
import type { ReconciliationRepository } from './finance-ports';
import { type Reconciliation, adjustmentOf } from './reconciliation';

export interface ReconcileRequest {
  readonly partnerId: string;
  /** `YYYY-MM`, a UTC month that is over, from the month the partner was created. */
  readonly period: string;
  /** The upstream invoice's amount for the partner and month; >= 0. */
  readonly actualAmount: Micros;
  /** Defaults to the partner's contract currency; any other currency is refused. */
  readonly currency?: Currency;
}

export interface ReconcileMonthDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly reconciliations: ReconciliationRepository;
  /** The month's figures: its usage is the estimate. */
  readonly months: MonthBooks;
  readonly followUp: BalanceFollowUp;
  readonly clock: Clock;
}

export interface ReconcileResult {
  /** `already-reconciled`: the month was reconciled before with the same actual amount; the original result. */
  readonly outcome: 'reconciled' | 'already-reconciled';
  readonly reconciliation: Reconciliation;
}

export async function reconcileMonth(
  request: ReconcileRequest,
  deps: ReconcileMonthDependencies,
): Promise<ReconcileResult> {
  const partnerId = assertPartnerId(request.partnerId);
  const period = parseMonth(request.period);
  if (request.actualAmount < 0) {
    throw new InvalidAmountError(
      `actualAmount ${formatAmount(request.actualAmount)} is negative; an upstream invoice amount is >= 0`,
    );
  }
  const existing = await deps.reconciliations.get(partnerId, period);
  if (existing !== undefined) return finish(existing, request, 'already-reconciled', deps);

  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) throw new UnknownPartnerError(partnerId);
  if (request.currency !== undefined && request.currency !== account.currency)
    throw new CurrencyMismatchError(account.currency, request.currency);
  // `YYYY-MM` sorts as the months do.
  const firstMonth = monthOf(account.createdAt);
  if (period < firstMonth) throw new PeriodBeforeAccountError(partnerId, period, firstMonth);
  const now = deps.clock.now();
  if (!isClosed(period, now)) throw new PeriodNotClosedError(period);

  const book = await deps.months.read(partnerId, period, { channels: false });
  if (book === undefined) throw new UnknownPartnerError(partnerId);
  const estimated = usageTotal(book.figures).amount;
  const adjustment = adjustmentOf(estimated, request.actualAmount);
  const reconciliation: Reconciliation = {
    partnerId,
    period,
    currency: account.currency,
    estimated,
    actual: request.actualAmount,
    adjustment,
    // Nothing to book for a zero difference: the record alone makes the month reconciled.
    state: adjustment === 0 ? 'booked' : 'recorded',
    reconciledAt: now,
    ...(adjustment !== 0 && { entryId: entryIdOf('adjustment', period) }),
  };
  const stored = await deps.reconciliations.record(reconciliation);
  if (stored.outcome === 'exists') return finish(stored.existing, request, 'already-reconciled', deps);
  return finish(reconciliation, request, 'reconciled', deps);
}

/** Answers with the recorded result, booking its adjustment first if that did not happen yet. */
async function finish(
  reconciliation: Reconciliation,
  request: ReconcileRequest,
  outcome: ReconcileResult['outcome'],
  deps: ReconcileMonthDependencies,
): Promise<ReconcileResult> {
  if (request.currency !== undefined && request.currency !== reconciliation.currency)
    throw new CurrencyMismatchError(reconciliation.currency, request.currency);
  if (reconciliation.actual !== request.actualAmount) {
    throw new ReconciliationConflictError(
      reconciliation.partnerId,
      reconciliation.period,
      formatAmount(reconciliation.actual),
    );
  }
  if (reconciliation.state === 'booked') return { outcome, reconciliation };
  await book(reconciliation, deps);
  await deps.reconciliations.markBooked(reconciliation.partnerId, reconciliation.period, deps.clock.now());
  return { outcome, reconciliation: { ...reconciliation, state: 'booked' } };
}

async function book(reconciliation: Reconciliation, deps: ReconcileMonthDependencies): Promise<void> {
  const { partnerId, period, currency, estimated, actual, adjustment } = reconciliation;
  const now = deps.clock.now();
  const posting: Posting = {
    partnerId,
    currency,
    kind: 'adjustment',
    idempotencyKey: period,
    amount: adjustment,
    // Posted now, never back-dated into the month: balances already published for past
    // cut-offs stay the sum of the entries before them.
    postedAt: now,
    memo: `reconciliation ${monthName(period)}: estimated ${formatAmount(estimated)}, actual ${formatAmount(actual)}`,
  };
  if (adjustment > 0) {
    const credit = await deps.ledger.postCredit(posting, ({ liveBalance, unblocked }) =>
      unblocked
        ? [
            {
              type: 'PartnerUnblocked',
              time: now,
              detail: { partnerId, currency, liveBalance: formatAmount(liveBalance), period },
            },
          ]
        : [],
    );
    const account = await deps.ledger.getPartner(partnerId);
    if (credit.unblocked) {
      await deps.channels.setBlocked(partnerId, false);
    } else if (credit.outcome === 'duplicate' && account?.status === 'active') {
      // Finishing a call that died after the credit: unblock channels it left blocked.
      await deps.channels.setBlocked(partnerId, false);
    }
    return;
  }
  await deps.ledger.post(posting);
  await deps.followUp.afterDebit(partnerId);
}
