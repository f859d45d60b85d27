/**
 * What the books keep of money that comes back (docs/contract.md §13): the charges that
 * credited a balance with what was taken back from each, disputes, refunds made at the
 * provider, operator refunds, and closed accounts. Every write that moves a balance is one
 * transaction with its ledger entry, its idempotency guard, its record and its events.
 */
import type { DomainEvent } from '../events';
import type { Currency, Micros } from '../money';
import type { CreditEvents, PageRequest } from '../ports';
import type { DisputeStatus } from './money-back-provider';

/** A charge attempt that succeeded and credited a balance, with what has come back of it since. */
export interface CreditedCharge {
  readonly partnerId: string;
  readonly attemptId: string;
  readonly providerChargeId: string;
  readonly currency: Currency;
  readonly paymentMethod: string;
  /** What the charge credited to the balance. */
  readonly credit: Micros;
  /** What the card was charged: credit and card fee, whole cents. */
  readonly total: Micros;
  readonly settledAt: Date;
  /** Credit paid back by refunds, operator refunds in flight included. */
  readonly refundedCredit: Micros;
  /** Credit taken back by a dispute not won (yet). */
  readonly disputedCredit: Micros;
  /**
   * Counts the changes of the two amounts above: a write that read them names the version
   * it read, so two concurrent writes can never both take the same credit back.
   */
  readonly moneyBackVersion: number;
}

/**
 * What a dispute did to the books: `inquiry` (recorded, nothing taken), `open` (the
 * chargeback is booked), `won` (booked back), `lost` (kept), `inquiry-closed`.
 */
export type DisputeState = DisputeStatus;

export interface DisputeRecord {
  readonly partnerId: string;
  readonly disputeId: string;
  readonly attemptId: string;
  readonly providerChargeId: string;
  readonly currency: Currency;
  /** `credit`: a charge that credited the balance; `license-fee`: recorded and published only. */
  readonly chargeKind: 'credit' | 'license-fee';
  readonly amountCents: number;
  readonly reason: string;
  readonly state: DisputeState;
  /** What the chargeback debited: the disputed credit still on the balance; 0 for inquiries and license fees. */
  readonly chargeback: Micros;
  readonly openedAt: Date;
  readonly updatedAt: Date;
}

/**
 * One step of a dispute, applied only if the stored dispute is still in `from` (absent:
 * not recorded yet). A `chargeback` step debits `record.chargeback`, notes it on the
 * charge (which must still be at `chargeVersion`) and marks the charge's card, if it still
 * holds a role, as never to be charged again; a `chargeback-reversal` credits it back and
 * restores the partner's standing like any credit.
 */
export interface DisputeStep {
  readonly record: DisputeRecord;
  readonly from: DisputeState | undefined;
  readonly posting?: 'chargeback' | 'chargeback-reversal';
  /** The charge's money-back version read to decide the chargeback. */
  readonly chargeVersion?: number;
  readonly paymentMethod?: string;
}

/** A refund made at the provider (its dashboard), booked once. */
export interface ProviderRefundBooking {
  readonly charge: CreditedCharge;
  readonly refundId: string;
  readonly amountCents: number;
  /** The refunded credit debited from the balance: 0 once the charge's credit is all taken back. */
  readonly creditPart: Micros;
  readonly at: Date;
}

export type RefundPartState = 'open' | 'refunded' | 'refused';

/** The part of an operator refund paid back against one charge. */
export interface RefundPart {
  readonly attemptId: string;
  readonly providerChargeId: string;
  readonly amount: Micros;
  readonly state: RefundPartState;
  readonly refundId?: string;
  readonly reason?: string;
}

export interface OperatorRefund {
  readonly partnerId: string;
  readonly reference: string;
  readonly currency: Currency;
  readonly amount: Micros;
  readonly requestedAt: Date;
  readonly parts: readonly RefundPart[];
  /** `done` once every part was refunded or refused. */
  readonly state: 'open' | 'done';
  readonly finishedAt?: Date;
}

export type OpenRefundOutcome =
  | 'opened'
  /** A refund with this reference exists already. */
  | 'exists'
  /** Another refund of the partner is being paid back. */
  | 'busy'
  /** The live balance is lower than the amount now. */
  | 'balance-too-low'
  /** A charge changed since it was read (another refund, a dispute): read and plan again. */
  | 'charges-changed'
  | 'unknown-partner';

export interface MoneyBackRepository {
  creditedCharge(partnerId: string, attemptId: string): Promise<CreditedCharge | undefined>;
  /** The partner's credited charges, most recent first. */
  creditedCharges(
    partnerId: string,
    page: PageRequest,
  ): Promise<{ readonly charges: readonly CreditedCharge[]; readonly nextCursor?: string }>;

  getDispute(partnerId: string, disputeId: string): Promise<DisputeRecord | undefined>;
  /** Applies a dispute step with its events; `stale` when the dispute or the charge moved first. */
  moveDispute(step: DisputeStep, events: CreditEvents): Promise<'moved' | 'stale'>;

  /** Debits a provider refund's credit part, notes it on the charge (at the version read); `stale` as above. */
  bookProviderRefund(
    booking: ProviderRefundBooking,
    events: readonly DomainEvent[],
  ): Promise<'booked' | 'duplicate' | 'stale'>;

  getOperatorRefund(partnerId: string, reference: string): Promise<OperatorRefund | undefined>;
  /**
   * Records the refund with every part open, debits its amount (the live balance must
   * cover it), notes each part on its charge (each at the version read in `charges`) and
   * takes the partner's single refund slot: one transaction.
   */
  openOperatorRefund(refund: OperatorRefund, charges: readonly CreditedCharge[]): Promise<OpenRefundOutcome>;
  /**
   * Settles an open part once: `refunded` keeps the debit; `refused` credits the part back
   * (`refund-release`), restoring the partner's standing like any credit, and gives it back to its charge.
   */
  settleRefundPart(
    refund: OperatorRefund,
    attemptId: string,
    answer: { readonly refundId: string } | { readonly refusedBecause: string },
    at: Date,
  ): Promise<'settled' | 'already-settled'>;
  /** Marks a refund whose parts are all settled done, frees the partner's refund slot, commits the event. */
  finishOperatorRefund(refund: OperatorRefund, at: Date, event: DomainEvent): Promise<'finished' | 'already-finished'>;

  /**
   * Closes the account for good: status `closed`, no overdue clock or block any more, no
   * more license fees (off the monthly run's list), with its event.
   */
  closeAccount(
    partnerId: string,
    at: Date,
    event: DomainEvent,
  ): Promise<'closed' | 'already-closed' | 'unknown-partner'>;
}
