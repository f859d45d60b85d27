/** A usage event of docs/contract.md §4 once parsed: one billable conversation, priced in micro-units. */
import { createHash } from 'node:crypto';
import type { Currency, Micros } from '../money';

export const USAGE_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const;
export type UsageCategory = (typeof USAGE_CATEGORIES)[number];

/** Only service conversations may be free; every other category must cost more than 0. */
export const FREE_CATEGORIES: readonly UsageCategory[] = ['service'];

export interface UsageEvent {
  readonly eventId: string;
  readonly partnerId: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly category: UsageCategory;
  readonly occurredAt: Date;
  readonly cost: Micros;
  readonly currency: Currency;
}

/**
 * Fingerprint of an event's content, independent of how it was spelled on the wire
 * ("0.0625" and "0.062500", "…00Z" and "…00.000Z" are the same event). A repeat with the
 * same digest is a redelivery; with another digest it is a conflict.
 */
export function usageDigest(event: UsageEvent): string {
  const canonical = JSON.stringify([
    event.eventId,
    event.partnerId,
    event.channelId,
    event.conversationId,
    event.category,
    event.occurredAt.toISOString(),
    event.cost,
    event.currency,
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Why a usage record was refused. Refused records go to the dead-letter queue at once. */
export const REJECTION_REASONS = [
  'invalid-json',
  'schema-violation',
  'non-positive-cost',
  'unknown-partner',
  'currency-mismatch',
  'conflicting-repeat',
  /** A cost beyond MAX_AMOUNT, or a debit that would take the balance beyond MAX_BALANCE. */
  'amount-out-of-range',
  /** Dated further in the future than the configured margin: a platform clock or data error. */
  'occurred-in-future',
  /** The channel is a hosted number of another partner: billing it here would bill the wrong partner. */
  'channel-of-another-partner',
  /** Processing failed in a way a retry cannot change (a bug or corrupt data): kept for the operator. */
  'processing-failed',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  readonly reason: RejectionReason;
  /** What is wrong, for the person reading the dead-letter queue. */
  readonly detail: string;
}
