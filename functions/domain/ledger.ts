/**
 * Ledger entries: every movement of a balance is one immutable entry, written in the
 * same transaction as the balance change. Corrections are new entries, never edits.
 */
import type { Currency, Micros } from './money';

export const ENTRY_KINDS = [
  'opening',
  'usage',
  'recharge',
  /** A partner's own top-up, charged on its card (docs/contract.md §14). */
  'top-up',
  'payment',
  'adjustment',
  /** A dispute took back a charge that credited the balance (docs/contract.md §13). */
  'chargeback',
  /** A dispute was won: the chargeback's amount comes back. */
  'chargeback-reversal',
  /** Credit paid back to the card: a refund made at the provider, or an operator's refund. */
  'refund',
  /** The part of an operator's refund the provider did not pay back: it returns to the balance. */
  'refund-release',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface Posting {
  readonly partnerId: string;
  /** Checked against the partner's contract currency where the write happens. */
  readonly currency: Currency;
  readonly kind: EntryKind;
  /**
   * Names the movement, e.g. a charge attempt id or a payment reference. Posting the
   * same kind and key twice changes nothing; with another amount it is a conflict.
   */
  readonly idempotencyKey: string;
  /** Signed: credits are positive, debits negative. */
  readonly amount: Micros;
  readonly postedAt: Date;
  readonly memo?: string;
}

export interface LedgerEntry extends Posting {
  readonly entryId: string;
  /** Usage entries aggregate many events; 1 for every other kind. */
  readonly eventCount: number;
}

export type PostingOutcome = 'posted' | 'duplicate';

export interface PostingResult {
  readonly outcome: PostingOutcome;
  /** The entry as stored: on a duplicate, the original one. */
  readonly entry: LedgerEntry;
}

export function entryIdOf(kind: EntryKind, idempotencyKey: string): string {
  return `${kind}:${idempotencyKey}`;
}

export interface LedgerPage {
  readonly entries: readonly LedgerEntry[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}
