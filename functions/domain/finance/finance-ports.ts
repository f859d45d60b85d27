/** What reconciliation needs from storage, beyond the ledger and the month's figures. */
import type { Month } from '../month';
import type { Reconciliation } from './reconciliation';

export interface ReconciliationRepository {
  get(partnerId: string, period: Month): Promise<Reconciliation | undefined>;
  /** Stores the month's reconciliation once; a month reconciled before answers with the stored one. */
  record(
    reconciliation: Reconciliation,
  ): Promise<{ readonly outcome: 'recorded' } | { readonly outcome: 'exists'; readonly existing: Reconciliation }>;
  /** Notes that the adjustment is booked; a no-op if it was noted already. */
  markBooked(partnerId: string, period: Month, at: Date): Promise<void>;
}
