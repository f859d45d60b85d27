/** What a statement reads besides the month's book: the daily run's snapshots and the month's invoices. */
import type { Snapshot } from '../daily/daily-run-ports';
import type { Month } from '../month';
import type { Invoice } from '../recharge/charge-attempt';

export interface StatementRecords {
  /** The balances the daily run published as of the cut-offs after the month's start, up to its end's. */
  snapshotsOf(partnerId: string, month: Month): Promise<readonly Snapshot[]>;
  /** The invoices issued in the month: card charges that credited the balance, and license fees. */
  invoicesOf(partnerId: string, month: Month): Promise<readonly Invoice[]>;
}
