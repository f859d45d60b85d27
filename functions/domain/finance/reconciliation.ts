/**
 * Monthly reconciliation, the pure part: the month's estimated usage is what the ledger
 * debited as `usage` in that UTC month; the upstream (Meta) invoice is the actual amount;
 * the difference `estimated - actual` is booked once as an `adjustment` entry (negative:
 * Meta billed more, the partner is debited; positive: credited).
 */
import type { LedgerEntry } from '../ledger';
import { type Currency, type Micros, ZERO, add, negate, subtract } from '../money';
import type { Month, MonthRange } from '../month';

/** `recorded`: decided and stored, the adjustment not booked yet (a crash in between); `booked`: done. */
export type ReconciliationState = 'recorded' | 'booked';

export interface Reconciliation {
  readonly partnerId: string;
  readonly period: Month;
  readonly currency: Currency;
  /** The month's usage as the ledger debited it, as a positive amount. */
  readonly estimated: Micros;
  /** The upstream invoice's amount, as the operator entered it. */
  readonly actual: Micros;
  /** `estimated - actual`; 0 books no ledger entry. */
  readonly adjustment: Micros;
  readonly state: ReconciliationState;
  readonly reconciledAt: Date;
  /** The adjustment's ledger entry (`adjustment:{period}`); absent for a zero difference. */
  readonly entryId?: string;
}

/** The fields of a ledger entry the estimate needs. */
export type UsageAmount = Pick<LedgerEntry, 'kind' | 'amount' | 'postedAt'>;

/**
 * The positive sum of the `usage` entries posted within the range (start inclusive, end
 * exclusive). Usage entries are debits (negative); any other kind is not usage.
 */
export function estimatedUsage(entries: Iterable<UsageAmount>, range: MonthRange): Micros {
  let debited = ZERO;
  for (const entry of entries) {
    const posted = entry.postedAt.getTime();
    if (entry.kind === 'usage' && posted >= range.start.getTime() && posted < range.end.getTime()) {
      debited = add(debited, entry.amount);
    }
  }
  return negate(debited);
}

/** What is booked: positive credits the partner (Meta billed less than estimated), negative debits it. */
export function adjustmentOf(estimated: Micros, actual: Micros): Micros {
  return subtract(estimated, actual);
}
