/**
 * The card provider's side of money that comes back (docs/contract.md §13): disputes and
 * refunds of the charges our attempts made. A webhook report only names what changed; the
 * use cases ask these questions for where it stands now, so late, repeated and reordered
 * reports cannot move money the wrong way. A provider that cannot be asked throws: the
 * report is then delivered again.
 */
import type { Currency } from '../money';

/**
 * Where a dispute stands: `open` (the money was taken back, the case is under way), `won`
 * (given back to us), `lost` (kept by the cardholder), or an `inquiry` the bank opened
 * without taking any money (`inquiry-closed` once it ended).
 */
export type DisputeStatus = 'open' | 'won' | 'lost' | 'inquiry' | 'inquiry-closed';

export interface ProviderDispute {
  readonly disputeId: string;
  readonly status: DisputeStatus;
  /** Whole cents the dispute is about. */
  readonly amountCents: number;
  readonly currency: Currency;
  /** Why the cardholder disputed, as the provider says it (e.g. `fraudulent`). */
  readonly reason: string;
  readonly openedAt: Date;
  /** The disputed charge: one of our attempts, named by its metadata. */
  readonly charge: ChargeOfAttempt;
}

export interface ChargeOfAttempt {
  readonly partnerId: string;
  /** The charge attempt (recharge, opening or license fee) whose provider charge this is. */
  readonly attemptId: string;
  readonly providerChargeId: string;
}

/** `succeeded` and `pending` refunds are money that left; `failed` and `canceled` never left. */
export type RefundStatus = 'succeeded' | 'pending' | 'failed' | 'canceled';

export interface ProviderRefund {
  readonly refundId: string;
  readonly amountCents: number;
  readonly status: RefundStatus;
  readonly createdAt: Date;
  /** The operator refund this system sent it for (its reference); absent for refunds made at the provider. */
  readonly operatorReference?: string;
}

export interface ChargeRefunds {
  readonly charge: ChargeOfAttempt;
  /** Every refund of the charge, oldest first. */
  readonly refunds: readonly ProviderRefund[];
}

export interface RefundRequest {
  readonly charge: ChargeOfAttempt;
  readonly amountCents: number;
  /** The operator refund this part belongs to; the provider keeps it with the refund. */
  readonly operatorReference: string;
  /** One per part: asking again with it answers about the same refund, never a second one. */
  readonly idempotencyKey: string;
  /** When the part was first sent: past the provider's key lifetime, the refund is looked up first. */
  readonly firstTriedAt: Date;
}

export type RefundResult =
  /** The money left (or is leaving) for the card. */
  | { readonly outcome: 'refunded'; readonly refundId: string }
  /** The provider refused, and nothing was refunded (e.g. the charge is disputed or refunded already). */
  | { readonly outcome: 'refused'; readonly reason: string }
  /** No clear answer: the part stays open and is sent again with the same key. */
  | { readonly outcome: 'unknown'; readonly reason: string };

export interface MoneyBackProvider {
  /** The dispute as the provider holds it now; undefined if it is unknown or not on a charge of ours. */
  dispute(disputeId: string): Promise<ProviderDispute | undefined>;
  /** The refunds of a provider charge now; undefined if the charge is unknown or not one of ours. */
  refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined>;
  /** Pays `amountCents` of a charge back to its card. */
  refund(request: RefundRequest): Promise<RefundResult>;
}
