/** A partner account: contract currency, card reference, recharge settings, status, balances. */
import { InvalidPartnerIdError } from './errors';
import type { Currency, Micros } from './money';
import type { RechargeSettings } from './recharge-rules';
import type { CardDeclines } from './recharge/decline-policy';
import type { CardRole } from './recharge/payment-provider';

/**
 * `closed` is final (a contract cancellation, docs/contract.md §13): no charge or license
 * fee is made again and no rule moves the status; usage still arriving is debited.
 */
export type PartnerStatus = 'active' | 'overdue' | 'blocked' | 'closed';

export interface PublishedBalance {
  readonly amount: Micros;
  /** The daily cut-off the amount is the balance of. */
  readonly asOf: Date;
}

export interface PartnerAccount {
  readonly partnerId: string;
  readonly currency: Currency;
  /** A reference to a card held by the payment provider; never card data. */
  readonly paymentMethod: string;
  /** The provider's customer the card belongs to, where the provider needs one (Stripe). */
  readonly paymentCustomerId?: string;
  /** A second card of the same customer, tried for the same charge when the primary declines. */
  readonly backupPaymentMethod?: string;
  /** The declines of the card in each role since it took the role (docs/contract.md §13). */
  readonly cardDeclines: Readonly<Record<CardRole, CardDeclines>>;
  /** When the card in each role was last set: a provider report older than that is not applied. */
  readonly cardsSetAt?: Readonly<Partial<Record<CardRole, Date>>>;
  readonly rechargeSettings: RechargeSettings;
  readonly status: PartnerStatus;
  readonly createdAt: Date;
  /** Moves in real time with every posting. */
  readonly liveBalance: Micros;
  /** Counts postings: a change tells a reader the balance moved since it looked. */
  readonly version: number;
  /** The balance as of the last daily cut-off; absent before the first daily run. */
  readonly publishedBalance?: PublishedBalance;
  /** When usage took the live balance below the threshold; cleared when a credit lifts it again. */
  readonly belowThresholdSince?: Date;
  /** When a posting first took the live balance below 0: the start of the 7-day clock. */
  readonly overdueSince?: Date;
  readonly blockedAt?: Date;
  /** The charge attempt in flight; at most one per partner. */
  readonly chargeInFlight?: string;
  /** Set until the opening charge of docs/contract.md §3 succeeds; retries charge the opening shortfall. */
  readonly openingPending?: boolean;
  /** The last charge that was declined, until a charge succeeds. */
  readonly lastDecline?: LastDecline;
  /** The UTC day (YYYY-MM-DD) of the last daily run that retried a charge for this partner. */
  readonly lastDailyRetryOn?: string;
  /** The reference of the operator's refund being paid back; at most one per partner. */
  readonly refundInFlight?: string;
  /** When the account was closed. */
  readonly closedAt?: Date;
  /** What automatic recharges credited in the UTC month they last credited in (docs/contract.md §14). */
  readonly automaticCredits?: AutomaticCredits;
  /** The UTC month (YYYY-MM) `RechargeLimitReached` was last published for: once a month. */
  readonly limitReachedMonth?: string;
}

export interface AutomaticCredits {
  /** A UTC month, YYYY-MM. */
  readonly month: string;
  readonly total: Micros;
}

export interface LastDecline {
  readonly attemptId: string;
  readonly declineCode: string;
  readonly paymentMethod: string;
  readonly at: Date;
}

/** A partner id (docs/contract.md §3): the one pattern every schema checks it with. */
export const PARTNER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const PARTNER_ID_RULE = 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -';

export function assertPartnerId(partnerId: string): string {
  if (!PARTNER_ID_PATTERN.test(partnerId)) {
    throw new InvalidPartnerIdError(`partner id "${partnerId}" ${PARTNER_ID_RULE}`);
  }
  return partnerId;
}
