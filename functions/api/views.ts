/** Domain records as the API shows them: amounts as wire strings, times as ISO-8601. */
import type { Snapshot } from '../domain/daily/daily-run-ports';
import type { Channel } from '../domain/channels/channel';
import type { LedgerEntry } from '../domain/ledger';
import type { ClosureResult } from '../domain/money-back/close-account';
import type { OperatorRefund } from '../domain/money-back/money-back-ports';
import { refundedAmount, wirePart } from '../domain/money-back/refund-balance';
import { ZERO, formatAmount, negate, sum } from '../domain/money';
import type { PartnerAccount } from '../domain/partner';
import { monthOf } from '../domain/month';
import { type ChargeAttempt, type Invoice, type TopUp, invoiceIdOf } from '../domain/recharge/charge-attempt';
import { automaticTotalIn } from '../domain/recharge/monthly-cap';
import { type CardDeclines, isChargeable, retriesLeft } from '../domain/recharge/decline-policy';
import type { RechargeResult } from '../domain/recharge/recharge-partner';

/**
 * `inFlight`: the attempt the account's `chargeInFlight` names, read by the caller; `now`
 * dates the month of the automatic recharges shown against the monthly cap.
 */
export function partnerView(account: PartnerAccount, inFlight: ChargeAttempt | undefined, now: Date) {
  const { threshold, autoRenewAmount, autoRecharge, monthlyLimit } = account.rechargeSettings;
  const month = monthOf(now);
  const backup = account.backupPaymentMethod;
  return {
    partnerId: account.partnerId,
    currency: account.currency,
    paymentMethod: account.paymentMethod,
    ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    ...(backup !== undefined && { backupPaymentMethod: backup }),
    cards: {
      primary: cardView(account.paymentMethod, account.cardDeclines.primary),
      ...(backup !== undefined && { backup: cardView(backup, account.cardDeclines.backup) }),
    },
    ...(inFlight !== undefined && { chargeInFlight: attemptView(inFlight) }),
    rechargeSettings: {
      threshold: formatAmount(threshold),
      autoRenewAmount: formatAmount(autoRenewAmount),
      autoRecharge,
      ...(monthlyLimit !== undefined && { monthlyLimit: formatAmount(monthlyLimit) }),
    },
    automaticRecharges: {
      month,
      total: formatAmount(automaticTotalIn(account, now)),
      ...(monthlyLimit !== undefined && { limit: formatAmount(monthlyLimit) }),
      limitReached: account.limitReachedMonth === month,
    },
    status: account.status,
    createdAt: account.createdAt.toISOString(),
    ...(account.closedAt !== undefined && { closedAt: account.closedAt.toISOString() }),
    ...(account.refundInFlight !== undefined && { refundInFlight: account.refundInFlight }),
  };
}

function cardView(paymentMethod: string, declines: CardDeclines) {
  return {
    paymentMethod,
    softDeclines: declines.soft,
    ...(declines.hard !== undefined && { hardDecline: declines.hard }),
    retriesLeft: retriesLeft(declines),
    chargeable: isChargeable(declines),
  };
}

function attemptView(attempt: ChargeAttempt) {
  return {
    attemptId: attempt.attemptId,
    state: attempt.state,
    ...(attempt.state === 'action-required' && attempt.actionUrl !== undefined && { actionUrl: attempt.actionUrl }),
  };
}

/** What a charge a request made came to; the attempt's state says where it stands (`pending`: being finished). */
export function chargeView(result: RechargeResult) {
  const attempt = result.attempt;
  return {
    outcome: result.outcome,
    ...(attempt !== undefined && {
      ...attemptView(attempt),
      ...(attempt.declineCode !== undefined && { declineCode: attempt.declineCode }),
    }),
  };
}

/** A top-up and its attempt as they stand, with the balance the partner has now. */
export function topUpView(topUp: TopUp, attempt: ChargeAttempt, account: PartnerAccount) {
  const { credit, fee, total } = attempt.charge;
  return {
    partnerId: topUp.partnerId,
    reference: topUp.reference,
    currency: attempt.currency,
    amount: formatAmount(credit),
    fee: formatAmount(fee),
    total: formatAmount(total),
    checkout: topUp.checkout,
    attemptId: attempt.attemptId,
    state: attempt.state,
    ...(attempt.state === 'action-required' && attempt.actionUrl !== undefined && { actionUrl: attempt.actionUrl }),
    ...(attempt.state === 'succeeded' && { invoiceId: invoiceIdOf(attempt) }),
    liveBalance: formatAmount(account.liveBalance),
    requestedAt: topUp.requestedAt.toISOString(),
  };
}

export function balanceView(account: PartnerAccount) {
  return {
    partnerId: account.partnerId,
    currency: account.currency,
    balance: account.publishedBalance === undefined ? null : formatAmount(account.publishedBalance.amount),
    balanceAsOf: account.publishedBalance?.asOf.toISOString() ?? null,
    liveBalance: formatAmount(account.liveBalance),
    amountDue: formatAmount(account.liveBalance < 0 ? negate(account.liveBalance) : ZERO),
    status: account.status,
    overdueSince: account.overdueSince?.toISOString() ?? null,
    blockedAt: account.blockedAt?.toISOString() ?? null,
  };
}

export function entryView(entry: LedgerEntry) {
  return {
    entryId: entry.entryId,
    kind: entry.kind,
    amount: formatAmount(entry.amount),
    currency: entry.currency,
    postedAt: entry.postedAt.toISOString(),
    eventCount: entry.eventCount,
    ...(entry.memo !== undefined && { memo: entry.memo }),
  };
}

export function invoiceView(invoice: Invoice) {
  return {
    invoiceId: invoice.invoiceId,
    issuedAt: invoice.issuedAt.toISOString(),
    currency: invoice.currency,
    lines: invoice.lines.map((line) => ({
      kind: line.kind,
      description: line.description,
      amount: formatAmount(line.amount),
    })),
    total: formatAmount(invoice.total),
  };
}

export function snapshotView(snapshot: Snapshot) {
  return { day: snapshot.day, balance: formatAmount(snapshot.balance), asOf: snapshot.cutoff.toISOString() };
}

export function channelView(channel: Channel) {
  return {
    phoneNumber: channel.phoneNumber,
    partnerId: channel.partnerId,
    status: channel.status,
    registeredAt: channel.registeredAt.toISOString(),
    ...(channel.cancelledAt !== undefined && { cancelledAt: channel.cancelledAt.toISOString() }),
  };
}

export function refundView(refund: OperatorRefund) {
  const released = sum(refund.parts.filter((part) => part.state === 'refused').map((part) => part.amount));
  return {
    partnerId: refund.partnerId,
    reference: refund.reference,
    currency: refund.currency,
    amount: formatAmount(refund.amount),
    state: refund.state,
    refunded: formatAmount(refundedAmount(refund)),
    released: formatAmount(released),
    requestedAt: refund.requestedAt.toISOString(),
    ...(refund.finishedAt !== undefined && { finishedAt: refund.finishedAt.toISOString() }),
    parts: refund.parts.map(wirePart),
  };
}

/** A closure that is done (`closed`) or waits for the card provider (`closing`); the account is closed either way. */
export function closureView(result: Exclude<ClosureResult, { kind: 'unknown-partner' }>) {
  const { account } = result;
  const common = {
    partnerId: account.partnerId,
    closedAt: closedAtOf(account),
    liveBalance: formatAmount(account.liveBalance),
    ...(result.refund !== undefined && { refund: refundView(result.refund) }),
  };
  return result.kind === 'closed'
    ? { ...common, status: 'closed' as const, channelsCancelled: result.channelsCancelled }
    : { ...common, status: 'closing' as const, waitingFor: result.waitingFor };
}

function closedAtOf(account: PartnerAccount): string {
  // Closing the account is the closure's first step: both results come after it.
  if (account.closedAt === undefined) throw new Error(`partner ${account.partnerId} was answered closing but is open`);
  return account.closedAt.toISOString();
}
