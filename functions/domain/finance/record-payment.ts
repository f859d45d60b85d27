/**
 * A finance payment: finance confirms that a partner paid offline (a bank transfer) and
 * the amount is credited to the prepaid balance as a `payment` ledger entry keyed by the
 * payment's reference. The same reference with the same amount is the same payment (the
 * original entry is answered, nothing changes); with another amount it is a conflict.
 * The credit restores standing in the same transaction (`postCredit`): back at >= 0, an
 * overdue or blocked partner is active again, and a blocked partner's channels follow.
 */
import { UnknownPartnerError } from '../errors';
import type { ChannelRepository } from '../channels/channel';
import type { LedgerEntry } from '../ledger';
import { type Currency, type Micros, formatAmount, isWholeCents } from '../money';
import { type PartnerAccount, assertPartnerId } from '../partner';
import type { Clock, LedgerRepository } from '../ports';
import { InvalidPaymentAmountError, InvalidPaymentReferenceError } from './finance-errors';

export interface PaymentRequest {
  readonly partnerId: string;
  /** Positive whole cents; credited as it is. */
  readonly amount: Micros;
  /** Defaults to the partner's contract currency; any other currency is refused, never converted. */
  readonly currency?: Currency;
  /** Finance's reference of the payment, e.g. the bank transfer's; one payment per reference. */
  readonly reference: string;
}

export interface RecordPaymentDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly clock: Clock;
}

export interface PaymentResult {
  /** `duplicate`: the reference was recorded before with this amount; nothing changed. */
  readonly outcome: 'recorded' | 'duplicate';
  /** The payment's ledger entry; on a duplicate, the original one. */
  readonly entry: LedgerEntry;
  /** The partner as it is after the payment. */
  readonly account: PartnerAccount;
  /** This payment returned a blocked partner to active. */
  readonly unblocked: boolean;
}

/** Printable characters, spaces inside allowed: bank references look like "SEPA 2026-11-0042". */
const REFERENCE_PATTERN = /^[\x21-\x7E](?:[\x20-\x7E]{0,126}[\x21-\x7E])?$/;

export function assertPaymentReference(reference: string): string {
  if (typeof reference !== 'string' || !REFERENCE_PATTERN.test(reference)) {
    throw new InvalidPaymentReferenceError(
      `payment reference "${reference}" must be 1 to 128 printable ASCII characters, without leading or trailing spaces`,
    );
  }
  return reference;
}

export async function recordPayment(request: PaymentRequest, deps: RecordPaymentDependencies): Promise<PaymentResult> {
  const partnerId = assertPartnerId(request.partnerId);
  const reference = assertPaymentReference(request.reference);
  if (request.amount <= 0) {
    throw new InvalidPaymentAmountError(`a payment credits a positive amount, got ${formatAmount(request.amount)}`);
  }
  // Money paid by bank transfer moves in cents.
  if (!isWholeCents(request.amount)) {
    throw new InvalidPaymentAmountError(`a payment is whole cents, got ${formatAmount(request.amount)}`);
  }
  const before = await deps.ledger.getPartner(partnerId);
  if (before === undefined) throw new UnknownPartnerError(partnerId);

  const now = deps.clock.now();
  const posting = {
    partnerId,
    currency: request.currency ?? before.currency,
    kind: 'payment',
    idempotencyKey: reference,
    amount: request.amount,
    postedAt: now,
    memo: `finance payment ${reference}`,
  } as const;
  const credit = await deps.ledger.postCredit(posting, ({ liveBalance, unblocked }) =>
    unblocked
      ? [
          {
            type: 'PartnerUnblocked',
            time: now,
            detail: { partnerId, currency: posting.currency, liveBalance: formatAmount(liveBalance), reference },
          },
        ]
      : [],
  );
  const account = (await deps.ledger.getPartner(partnerId)) ?? before;

  if (credit.unblocked) {
    await deps.channels.setBlocked(partnerId, false);
  } else if (credit.outcome === 'duplicate' && account.status === 'active') {
    // A repeat after a crash between the credit and the channels: unblock what was left
    // blocked. Changes nothing when the first call finished.
    await deps.channels.setBlocked(partnerId, false);
  }
  return {
    outcome: credit.outcome === 'posted' ? 'recorded' : 'duplicate',
    entry: credit.entry,
    account,
    unblocked: credit.unblocked,
  };
}
