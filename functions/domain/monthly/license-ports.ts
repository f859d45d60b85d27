/** What the monthly license fee needs from storage. */
import type { Month } from '../month';
import type { CardRole } from '../recharge/payment-provider';
import type { DomainEvent } from '../events';
import type { Invoice } from '../recharge/charge-attempt';
import type { LicenseFee } from './license-fee';

export type LicenseSettleResult =
  | { readonly outcome: 'settled'; readonly fee: LicenseFee; readonly invoice?: Invoice }
  /** Someone else settled this attempt first (a concurrent resume): nothing was written. */
  | { readonly outcome: 'already-settled'; readonly fee: LicenseFee };

export interface DueLicenseFee {
  readonly partnerId: string;
  readonly period: Month;
}

export interface LicenseFeeRepository {
  /** The licensed partners and the fees due are spread over this many shards, one worker each. */
  readonly shards: number;
  /**
   * Puts the partner on the list the monthly run bills; idempotent. Called when a partner
   * registers a number (the first one is enough; every one is harmless).
   */
  markLicensed(partnerId: string, at: Date): Promise<void>;
  licensedPage(
    shard: number,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ partnerIds: readonly string[]; nextCursor?: string }>;
  get(partnerId: string, period: Month): Promise<LicenseFee | undefined>;
  /** Records the month's first attempt and lists it as due, in one write; `exists` if the month has a record. */
  open(fee: LicenseFee): Promise<'opened' | 'exists'>;
  /** Replaces the declined attempt `declinedAttemptId` by `next`; false if it is no longer the declined one. */
  openRetry(next: LicenseFee, declinedAttemptId: string): Promise<boolean>;
  /** Settles the attempt, issues the invoice, takes the fee off the due list and commits the event: one transaction. */
  settleSucceeded(
    fee: LicenseFee,
    providerChargeId: string,
    at: Date,
    event: (invoiceId: string) => DomainEvent,
  ): Promise<LicenseSettleResult>;
  /** Records the decline with its event; the fee stays due for the daily retry. */
  /**
   * Records the decline with its event. `hardOnCard`, given for a hard decline, is the role
   * the fee's card holds on the account: the card is marked declined hard there in the same
   * transaction (while it still holds the role), so no recharge charges it again.
   */
  settleDeclined(
    fee: LicenseFee,
    declineCode: string,
    at: Date,
    event: DomainEvent,
    hardOnCard?: CardRole,
  ): Promise<LicenseSettleResult>;
  /**
   * Takes a declined fee off the daily retry's list for good, noting when and why on its
   * record; false if the fee is no longer that declined attempt.
   */
  dropDue(fee: LicenseFee, at: Date, reason: string): Promise<boolean>;
  /** Notes a provider call without a clear answer; the attempt stays pending and due. */
  noteUnknownOutcome(fee: LicenseFee, reason: string, at: Date): Promise<void>;
  /** Fees not charged yet (pending or declined) of the partners of one shard. */
  duePage(
    shard: number,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ due: readonly DueLicenseFee[]; nextCursor?: string }>;
  /** The months of the partner whose fee is not charged yet, oldest first. */
  duePeriods(partnerId: string): Promise<readonly Month[]>;
}
