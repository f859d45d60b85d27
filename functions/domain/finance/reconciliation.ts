/**
 * Monthly reconciliation, the pure part: the month's estimated usage is what the ledger
 * debited as `usage` in that UTC month (its figures' usage, month-figures.ts); the
 * upstream (Meta) invoice is the actual amount;
 * the difference `estimated - actual` is booked once as an `adjustment` entry (negative:
 * Meta billed more, the partner is debited; positive: credited).
 */
import { type Currency, type Micros, subtract } from '../money';
import type { Month } from '../month';

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

/** What is booked: positive credits the partner (Meta billed less than estimated), negative debits it. */
export function adjustmentOf(estimated: Micros, actual: Micros): Micros {
  return subtract(estimated, actual);
}
