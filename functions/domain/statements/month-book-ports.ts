/** What statements, reconciliation and the daily run's close of a month need from storage. */
import type { DomainEvent } from '../events';
import type { Month } from '../month';
import type { MonthBook } from './month-figures';

export interface MonthBookReading {
  /** Also the usage by channel (more items to read for a partner with many channels); off for the totals alone. */
  readonly channels: boolean;
}

export interface MonthBooks {
  /**
   * The partner's book of `month` as of now, read from a few items whatever the month's
   * number of events; undefined for an unknown partner.
   */
  read(partnerId: string, month: Month, reading: MonthBookReading): Promise<MonthBook | undefined>;
  /**
   * Closes the partner's months before `current` whose figures are still open: each is
   * kept from then on with its closing balance, and the event `ready` makes of its book is
   * committed with it, once per month. A month from `current` on is put on its shard's list
   * of months to close, so that the daily run after its end closes it even if the partner
   * does not move again. Returns the books closed.
   */
  settle(
    partnerId: string,
    current: Month,
    at: Date,
    ready: (book: MonthBook) => DomainEvent,
  ): Promise<readonly MonthBook[]>;
  /** The partners of a shard with a month before `current` still to close, a page at a time. */
  duePage(
    shard: number,
    current: Month,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ readonly partnerIds: readonly string[]; readonly nextCursor?: string }>;
}
