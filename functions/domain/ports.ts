/** The ports the use cases depend on; adapters in functions/adapters implement them. */
import type { DomainEvent } from './events';
import type { ChargeAttempt, Invoice, RechargeTrigger, TopUp } from './recharge/charge-attempt';
import type { LedgerEntry, LedgerPage, Posting, PostingResult } from './ledger';
import type { Currency, Micros } from './money';
import type { RechargeSettings } from './recharge-rules';
import type { PartnerAccount } from './partner';
import type { CardDeclines } from './recharge/decline-policy';
import type { CardRole } from './recharge/payment-provider';
import type { Rejection, UsageEvent } from './usage/usage-event';

export interface Clock {
  now(): Date;
}

export interface NewPartner {
  readonly account: Omit<
    PartnerAccount,
    'liveBalance' | 'version' | 'status' | 'publishedBalance' | 'overdueSince' | 'blockedAt' | 'cardDeclines'
  >;
  /** The opening balance; posted as the account's first ledger entry. */
  readonly openingBalance: Micros;
}

export type CreatePartnerOutcome = 'created' | 'exists';

/**
 * The events a credit commits together with it, built from what the credit does once it
 * is decided (a credit is decided again when a concurrent posting moves the balance).
 */
export type CreditEvents = (credit: {
  readonly liveBalance: Micros;
  readonly unblocked: boolean;
}) => readonly DomainEvent[];

export interface CreditResult extends PostingResult {
  /** The partner was blocked and this credit made it active again. */
  readonly unblocked: boolean;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export interface LedgerRepository {
  createPartner(partner: NewPartner): Promise<{ outcome: CreatePartnerOutcome; account: PartnerAccount }>;
  getPartner(partnerId: string): Promise<PartnerAccount | undefined>;
  /** Many accounts in few requests, strongly consistent; unknown ids are left out. */
  getPartners(partnerIds: readonly string[]): Promise<PartnerAccount[]>;
  post(posting: Posting): Promise<PostingResult>;
  /**
   * Posts a credit (a finance payment, a credit adjustment) and, in the same transaction,
   * returns an overdue or blocked partner to active when the balance is back at >= 0.
   */
  postCredit(posting: Posting, events?: CreditEvents): Promise<CreditResult>;
  ledgerPage(partnerId: string, page: PageRequest): Promise<LedgerPage>;
  /** Notes when the live balance fell below the threshold, with its event; false if already noted or no longer true. */
  markBelowThreshold(partnerId: string, at: Date, event: DomainEvent): Promise<boolean>;
  /** Starts the 7-day clock and makes an active partner overdue, with its event; false if already started or no longer negative. */
  startOverdueClock(partnerId: string, at: Date, event: DomainEvent): Promise<boolean>;
  /**
   * Replaces the recharge settings and puts the partner back before the daily run, which
   * re-decides its charge; the below-threshold mark is cleared so the next debit re-decides it too.
   */
  updateRechargeSettings(partnerId: string, settings: RechargeSettings): Promise<boolean>;
  /**
   * Puts a card in a role, its decline counts back to zero; false for an unknown partner.
   * `at` is when the card was chosen: a change older than the role's last one is not applied.
   */
  setCard(change: CardChange): Promise<'set' | 'unknown-partner' | 'superseded'>;
}

export interface CardChange {
  readonly partnerId: string;
  readonly role: CardRole;
  readonly paymentMethod: string;
  /** Replaces the partner's customer when given (both roles belong to one customer). */
  readonly paymentCustomerId?: string;
  readonly at: Date;
}

/** Events of one partner in one currency, debited together; ids are distinct. */
export interface UsageChunk {
  readonly partnerId: string;
  readonly currency: Currency;
  readonly events: readonly UsageEvent[];
  readonly postedAt: Date;
}

export type EventFate =
  | { readonly kind: 'debited' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly rejection: Rejection };

export interface UsageChunkResult {
  readonly fates: ReadonlyMap<string, EventFate>;
  /**
   * The ledger entries of what was debited: none when nothing was, one for a chunk debited
   * in one transaction, more when the chunk's channels left no room for all its events.
   */
  readonly entries: readonly LedgerEntry[];
}

export interface UsageLedger {
  /**
   * Debits every event of each chunk not debited before, each chunk with one ledger
   * entry in the same transaction as its balance change; events already debited are
   * duplicates (same content) or conflicts. Results are in the order of the chunks.
   */
  debit(chunks: readonly UsageChunk[]): Promise<UsageChunkResult[]>;
}

export type SettleResult =
  | {
      readonly outcome: 'settled';
      readonly attempt: ChargeAttempt;
      readonly invoice?: Invoice;
      /** The partner as the settlement left it. */
      readonly account: PartnerAccount;
      /** The partner was blocked before and is active again. */
      readonly unblocked: boolean;
    }
  /** Someone else settled this attempt first (a concurrent resume): nothing was written. */
  | { readonly outcome: 'already-settled'; readonly attempt: ChargeAttempt };

/**
 * The month's automatic credits a capped recharge was decided from (docs/contract.md §14):
 * `total` is 0 when the partner has none in `month` yet.
 */
export interface CapSeen {
  readonly month: string;
  readonly total: Micros;
}

export type TopUpOpening =
  | { readonly kind: 'opened' }
  /** The reference was taken first (a concurrent repeat): this top-up is that one. */
  | { readonly kind: 'exists'; readonly topUp: TopUp }
  | { readonly kind: 'busy' }
  | { readonly kind: 'partner-closed' };

export interface RechargeRepository {
  /**
   * Records the attempt and takes the partner's single in-flight slot; `busy` if another
   * attempt holds it, `partner-closed` once the account is closed. Given `capSeen`, it opens
   * only while the partner's automatic credits are still those: `cap-moved` if a credit
   * counted since, so the cap is decided again where the charge is opened.
   */
  openAttempt(attempt: ChargeAttempt, capSeen?: CapSeen): Promise<'opened' | 'busy' | 'partner-closed' | 'cap-moved'>;
  /**
   * Opens a top-up's attempt as `openAttempt` does and, in the same transaction, takes its
   * reference: a reference names one top-up, ever.
   */
  openTopUp(attempt: ChargeAttempt, topUp: TopUp): Promise<TopUpOpening>;
  getTopUp(partnerId: string, reference: string): Promise<TopUp | undefined>;
  getAttempt(partnerId: string, attemptId: string): Promise<ChargeAttempt | undefined>;
  /**
   * Notes that the monthly cap stopped an automatic recharge in `month`, with its event, once
   * a month: false if it was noted for that month already.
   */
  markLimitReached(partnerId: string, month: string, event: DomainEvent): Promise<boolean>;
  /**
   * Credits the balance, issues the invoice, settles the open attempt, restores a partner
   * back at >= 0, counts a recharge's credit in the month's automatic credits and commits
   * the events: one transaction.
   */
  settleSucceeded(
    attempt: ChargeAttempt,
    providerChargeId: string,
    at: Date,
    events: CreditEvents,
  ): Promise<SettleResult>;
  /**
   * Records the decline with its event and frees the slot; no balance change, no invoice.
   * `card` is the card's standing after this decline, stored while the card still has its role.
   */
  settleDeclined(
    attempt: ChargeAttempt,
    decline: { readonly code: string; readonly card: CardDeclines },
    at: Date,
    event: DomainEvent,
  ): Promise<SettleResult>;
  /** The charge waits for the cardholder: the attempt keeps the slot, with its provider charge and page. */
  awaitAction(
    attempt: ChargeAttempt,
    action: { readonly providerChargeId: string; readonly actionUrl: string },
    at: Date,
    event: DomainEvent,
  ): Promise<SettleResult>;
  /**
   * Ends an open attempt that charged nothing and frees the slot: `failed` (the provider
   * refused the request; noted as the partner's last decline so that only the daily run or
   * a new card tries again) or `canceled` (given up for a new card).
   */
  settleWithoutCharge(
    attempt: ChargeAttempt,
    end: { readonly state: 'failed' | 'canceled'; readonly reason: string },
    at: Date,
    event?: DomainEvent,
  ): Promise<SettleResult>;
  /** Notes a provider call without a clear answer; the attempt stays open and holds the slot. */
  noteUnknownOutcome(attempt: ChargeAttempt, reason: string, at: Date): Promise<void>;
  invoicesPage(partnerId: string, page: PageRequest): Promise<{ invoices: readonly Invoice[]; nextCursor?: string }>;
}

/** A usage message refused for good, as it goes to the dead-letter queue. */
export interface RefusedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly rejection: Rejection;
  readonly partnerId?: string;
  readonly eventId?: string;
  readonly rejectedAt: Date;
}

/** Where refused usage goes, unchanged and with its reason: never retried, never lost. */
export interface DeadLetters {
  send(message: RefusedMessage): Promise<void>;
}

/** Who hosts each number: a number is registered once, ever, so its owner never changes. */
export interface ChannelOwners {
  /** The owning partner of each of the numbers that is a hosted number; others are absent. */
  ownersOf(phoneNumbers: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/** Puts events on the bus: the event relay (events from the outbox) and usage rejections. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export interface RechargeRequest {
  readonly partnerId: string;
  readonly trigger: RechargeTrigger;
  readonly requestedAt: Date;
}

export interface RechargeRequests {
  request(request: RechargeRequest): Promise<void>;
}
