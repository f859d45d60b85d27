/**
 * What DynamoDB holds for each partner, read through the production repositories and
 * kept between steps: a check reads only what is new (newest first, down to what it saw
 * last), so checking after every step stays cheap however long the run.
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { type Snapshot, dayOf } from '../../functions/domain/daily/daily-run-ports';
import { type LedgerEntry, entryIdOf } from '../../functions/domain/ledger';
import type { Invoice } from '../../functions/domain/recharge/charge-attempt';
import { usageEventKey } from '../../functions/adapters/dynamodb/keys';
import { outboxPartition } from '../../functions/adapters/dynamodb/outbox';
import { partitionPage } from '../../functions/adapters/dynamodb/page-query';
import type { SimWorld } from './sim-world';

/** An event the outbox holds: committed with the change it describes. */
export interface OutboxRecord {
  readonly eventId: string;
  readonly type: string;
  readonly time: string;
}

/** The entry kinds of money that comes back to the cards. */
const MONEY_BACK_KINDS: ReadonlySet<LedgerEntry['kind']> = new Set([
  'chargeback',
  'chargeback-reversal',
  'refund',
  'refund-release',
]);

export class PartnerBooks {
  readonly entries = new Map<string, LedgerEntry>();
  readonly invoices = new Map<string, Invoice>();
  readonly snapshots = new Map<string, Snapshot>();
  readonly outbox = new Map<string, OutboxRecord>();
  entriesSeenUpTo = '';
  invoicesSeenUpTo = '';
  snapshotsSeenUpTo = '';
  outboxSeenUpTo = '';

  sum(kind?: LedgerEntry['kind']): number {
    let total = 0;
    for (const entry of this.entries.values()) if (kind === undefined || entry.kind === kind) total += entry.amount;
    return total;
  }

  /** What a charge attempt credited to the balance: a recharge's or opening's entry, or a top-up's. */
  creditOf(attemptId: string): LedgerEntry | undefined {
    return this.entries.get(entryIdOf('recharge', attemptId)) ?? this.entries.get(entryIdOf('top-up', attemptId));
  }

  /** Whether money came back to the partner's cards: a chargeback, a refund, or what followed either. */
  hasMoneyBack(): boolean {
    for (const entry of this.entries.values()) if (MONEY_BACK_KINDS.has(entry.kind)) return true;
    return false;
  }

  /**
   * The balance the daily runs published as of a cut-off: the newest snapshot on or before
   * its day (a day nothing moved in publishes nothing). Undefined when none was published.
   */
  publishedAsOf(cutoff: Date): Snapshot | undefined {
    const day = dayOf(cutoff);
    let latest: string | undefined;
    for (const published of this.snapshots.keys())
      if (published <= day && (latest === undefined || published > latest)) latest = published;
    return latest === undefined ? undefined : this.snapshots.get(latest);
  }

  /** The balance as of a cut-off: every entry posted before it. */
  balanceBefore(cutoff: Date): number {
    const limit = cutoff.toISOString();
    let total = 0;
    for (const entry of this.entries.values()) if (entry.postedAt.toISOString() < limit) total += entry.amount;
    return total;
  }
}

const PAGE = 50;
const KEYS_PER_BATCH_GET = 100;

export class Books {
  private readonly byPartner = new Map<string, PartnerBooks>();

  constructor(private readonly world: SimWorld) {}

  of(partnerId: string): PartnerBooks {
    let books = this.byPartner.get(partnerId);
    if (books === undefined) {
      books = new PartnerBooks();
      this.byPartner.set(partnerId, books);
    }
    return books;
  }

  /** Reads the ledger entries and invoices written since the last refresh. */
  async refresh(partnerId: string): Promise<PartnerBooks> {
    const books = this.of(partnerId);
    books.entriesSeenUpTo = await readNewest(
      (cursor) =>
        this.world.ledger
          .ledgerPage(partnerId, { limit: PAGE, ...(cursor !== undefined && { cursor }) })
          .then((page) => ({ items: page.entries, nextCursor: page.nextCursor })),
      (entry) => entry.postedAt.toISOString(),
      (entry) => books.entries.set(entry.entryId, entry),
      books.entriesSeenUpTo,
    );
    books.invoicesSeenUpTo = await readNewest(
      (cursor) =>
        this.world.attempts
          .invoicesPage(partnerId, { limit: PAGE, ...(cursor !== undefined && { cursor }) })
          .then((page) => ({ items: page.invoices, nextCursor: page.nextCursor })),
      (invoice) => invoice.issuedAt.toISOString(),
      (invoice) => books.invoices.set(invoice.invoiceId, invoice),
      books.invoicesSeenUpTo,
    );
    return books;
  }

  /** Reads the published daily balances written since the last refresh. */
  async refreshHistory(partnerId: string): Promise<PartnerBooks> {
    const books = this.of(partnerId);
    books.snapshotsSeenUpTo = await readNewest(
      (cursor) =>
        this.world.runs
          .historyPage(partnerId, { limit: PAGE, ...(cursor !== undefined && { cursor }) })
          .then((page) => ({ items: page.snapshots, nextCursor: page.nextCursor })),
      (snapshot) => snapshot.day,
      (snapshot) => books.snapshots.set(snapshot.day, snapshot),
      books.snapshotsSeenUpTo,
    );
    return books;
  }

  /** The partner's outbox, read down to what was seen before. */
  async outbox(partnerId: string): Promise<readonly OutboxRecord[]> {
    const books = this.of(partnerId);
    const { client, tableName } = this.world;
    books.outboxSeenUpTo = await readNewest(
      (cursor) =>
        partitionPage(
          client,
          tableName,
          outboxPartition(partnerId),
          { limit: PAGE, ...(cursor !== undefined && { cursor }) },
          (item) => ({
            eventId: String((item.detail as Record<string, unknown>).id),
            type: String(item.eventType),
            time: String(item.time),
          }),
        ),
      (record) => record.time,
      (record) => books.outbox.set(record.eventId, record),
      books.outboxSeenUpTo,
    );
    return [...books.outbox.values()];
  }

  /** Which of these event ids have a dedupe record: the ingestion's proof that they were debited. */
  async debited(eventIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < eventIds.length; start += KEYS_PER_BATCH_GET) {
      let keys: Record<string, unknown>[] = eventIds
        .slice(start, start + KEYS_PER_BATCH_GET)
        .map((eventId) => ({ ...usageEventKey(eventId) }));
      while (keys.length > 0) {
        const { Responses: responses = {}, UnprocessedKeys: unprocessed = {} } = await this.world.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.world.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'eventId' },
            },
          }),
        );
        for (const item of responses[this.world.tableName] ?? []) found.add(item.eventId as string);
        keys = unprocessed[this.world.tableName]?.Keys ?? [];
      }
    }
    return found;
  }
}

/**
 * Pages newest first and keeps every item down to the newest position seen before
 * (items at that very position are read again: others may have joined them). Returns the
 * new newest position.
 */
async function readNewest<T>(
  page: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string | undefined }>,
  position: (item: T) => string,
  keep: (item: T) => void,
  seenUpTo: string,
): Promise<string> {
  let newest = seenUpTo;
  let cursor: string | undefined;
  do {
    const { items, nextCursor } = await page(cursor);
    for (const item of items) {
      const at = position(item);
      if (at < seenUpTo) return newest;
      if (at > newest) newest = at;
      keep(item);
    }
    cursor = nextCursor;
  } while (cursor !== undefined);
  return newest;
}
