/** Mapping between domain records and the billing table's items. */
import type { EntryKind, LedgerEntry } from '../../domain/ledger';
import type { RechargeTrigger } from '../../domain/recharge/charge-attempt';
import type {
  AttemptState,
  ChargeAttempt,
  ChargePurpose,
  Invoice,
  InvoiceLine,
  TopUp,
} from '../../domain/recharge/charge-attempt';
import type { CreditedCharge } from '../../domain/money-back/money-back-ports';
import { type Currency, micros } from '../../domain/money';
import type { PartnerAccount, PartnerStatus } from '../../domain/partner';
import type { CardDeclines } from '../../domain/recharge/decline-policy';
import type { CardRole } from '../../domain/recharge/payment-provider';
import { attemptKey, attentionShard, invoiceKey, ledgerEntryKey, partnerKey, topUpKey } from './keys';

export type Item = Record<string, unknown>;

export function partnerToItem(account: PartnerAccount): Item {
  const { rechargeSettings: settings } = account;
  return {
    ...partnerKey(account.partnerId),
    type: 'partner',
    partnerId: account.partnerId,
    currency: account.currency,
    paymentMethod: account.paymentMethod,
    ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    ...(account.backupPaymentMethod !== undefined && { backupPaymentMethod: account.backupPaymentMethod }),
    ...(account.openingPending === true && { openingPending: true }),
    threshold: settings.threshold,
    autoRenewAmount: settings.autoRenewAmount,
    autoRecharge: settings.autoRecharge,
    ...(settings.monthlyLimit !== undefined && { monthlyLimit: settings.monthlyLimit }),
    status: account.status,
    createdAt: account.createdAt.toISOString(),
    liveBalance: account.liveBalance,
    version: account.version,
    // A new partner needs its first balance published.
    attentionPk: attentionShard(account.partnerId),
    attentionSk: account.partnerId,
  };
}

export function itemToPartner(item: Item): PartnerAccount {
  return {
    partnerId: item.partnerId as string,
    currency: item.currency as Currency,
    paymentMethod: item.paymentMethod as string,
    ...(item.paymentCustomerId !== undefined && { paymentCustomerId: item.paymentCustomerId as string }),
    ...(item.backupPaymentMethod !== undefined && { backupPaymentMethod: item.backupPaymentMethod as string }),
    cardDeclines: { primary: cardDeclinesOf(item, 'primary'), backup: cardDeclinesOf(item, 'backup') },
    ...((item.primaryCardSetAt !== undefined || item.backupCardSetAt !== undefined) && {
      cardsSetAt: {
        ...(item.primaryCardSetAt !== undefined && { primary: new Date(item.primaryCardSetAt as string) }),
        ...(item.backupCardSetAt !== undefined && { backup: new Date(item.backupCardSetAt as string) }),
      },
    }),
    rechargeSettings: {
      threshold: micros(item.threshold as number),
      autoRenewAmount: micros(item.autoRenewAmount as number),
      autoRecharge: item.autoRecharge as boolean,
      ...(item.monthlyLimit !== undefined && { monthlyLimit: micros(item.monthlyLimit as number) }),
    },
    status: item.status as PartnerStatus,
    createdAt: new Date(item.createdAt as string),
    liveBalance: micros(item.liveBalance as number),
    version: item.version as number,
    ...(item.publishedBalance !== undefined && {
      publishedBalance: {
        amount: micros(item.publishedBalance as number),
        asOf: new Date(item.publishedAsOf as string),
      },
    }),
    ...(item.belowThresholdSince !== undefined && {
      belowThresholdSince: new Date(item.belowThresholdSince as string),
    }),
    ...(item.overdueSince !== undefined && { overdueSince: new Date(item.overdueSince as string) }),
    ...(item.blockedAt !== undefined && { blockedAt: new Date(item.blockedAt as string) }),
    ...(item.chargeInFlight !== undefined && { chargeInFlight: item.chargeInFlight as string }),
    ...(item.openingPending === true && { openingPending: true }),
    ...(item.lastDeclinedAt !== undefined && {
      lastDecline: {
        attemptId: item.lastDeclinedAttempt as string,
        declineCode: item.lastDeclineCode as string,
        paymentMethod: item.lastDeclinedPaymentMethod as string,
        at: new Date(item.lastDeclinedAt as string),
      },
    }),
    ...(item.lastDailyRetryOn !== undefined && { lastDailyRetryOn: item.lastDailyRetryOn as string }),
    ...(item.refundInFlight !== undefined && { refundInFlight: item.refundInFlight as string }),
    ...(item.closedAt !== undefined && { closedAt: new Date(item.closedAt as string) }),
    ...(item[AUTOMATIC_CREDIT_ATTRIBUTES.month] !== undefined && {
      automaticCredits: {
        month: item[AUTOMATIC_CREDIT_ATTRIBUTES.month] as string,
        total: micros(item[AUTOMATIC_CREDIT_ATTRIBUTES.total] as number),
      },
    }),
    ...(item.limitReachedMonth !== undefined && { limitReachedMonth: item.limitReachedMonth as string }),
  };
}

/** The partner item's attributes of its month's automatic credits (docs/contract.md §14). */
export const AUTOMATIC_CREDIT_ATTRIBUTES = { month: 'automaticCreditMonth', total: 'automaticCreditTotal' } as const;

/** The partner item's attributes for the card in a role: its decline counts and when it was set. */
export function cardAttributes(role: CardRole) {
  return {
    paymentMethod: role === 'primary' ? 'paymentMethod' : 'backupPaymentMethod',
    softDeclines: `${role}SoftDeclines`,
    hardDecline: `${role}HardDecline`,
    setAt: `${role}CardSetAt`,
  } as const;
}

function cardDeclinesOf(item: Item, role: CardRole): CardDeclines {
  const names = cardAttributes(role);
  const hard = item[names.hardDecline];
  return { soft: (item[names.softDeclines] as number | undefined) ?? 0, ...(typeof hard === 'string' && { hard }) };
}

export function entryToItem(entry: LedgerEntry): Item {
  return {
    ...ledgerEntryKey(entry.partnerId, entry.postedAt, entry.entryId),
    type: 'ledger-entry',
    partnerId: entry.partnerId,
    entryId: entry.entryId,
    kind: entry.kind,
    idempotencyKey: entry.idempotencyKey,
    amount: entry.amount,
    currency: entry.currency,
    postedAt: entry.postedAt.toISOString(),
    eventCount: entry.eventCount,
    ...(entry.memo !== undefined && { memo: entry.memo }),
  };
}

export function itemToEntry(item: Item): LedgerEntry {
  return {
    partnerId: item.partnerId as string,
    entryId: item.entryId as string,
    kind: item.kind as EntryKind,
    idempotencyKey: item.idempotencyKey as string,
    amount: micros(item.amount as number),
    currency: item.currency as Currency,
    postedAt: new Date(item.postedAt as string),
    eventCount: item.eventCount as number,
    ...(item.memo !== undefined && { memo: item.memo as string }),
  };
}

export function attemptToItem(attempt: ChargeAttempt): Item {
  return {
    ...attemptKey(attempt.partnerId, attempt.attemptId),
    type: 'charge-attempt',
    partnerId: attempt.partnerId,
    attemptId: attempt.attemptId,
    purpose: attempt.purpose,
    trigger: attempt.trigger,
    credit: attempt.charge.credit,
    fee: attempt.charge.fee,
    total: attempt.charge.total,
    currency: attempt.currency,
    paymentMethod: attempt.paymentMethod,
    cardRole: attempt.cardRole,
    ...(attempt.paymentCustomerId !== undefined && { paymentCustomerId: attempt.paymentCustomerId }),
    ...(attempt.reference !== undefined && { reference: attempt.reference }),
    state: attempt.state,
    createdAt: attempt.createdAt.toISOString(),
  };
}

export function itemToAttempt(item: Item): ChargeAttempt {
  return {
    partnerId: item.partnerId as string,
    attemptId: item.attemptId as string,
    purpose: item.purpose as ChargePurpose,
    trigger: item.trigger as RechargeTrigger,
    charge: {
      credit: micros(item.credit as number),
      fee: micros(item.fee as number),
      total: micros(item.total as number),
    },
    currency: item.currency as Currency,
    paymentMethod: item.paymentMethod as string,
    cardRole: (item.cardRole as CardRole | undefined) ?? 'primary',
    ...(item.paymentCustomerId !== undefined && { paymentCustomerId: item.paymentCustomerId as string }),
    ...(item.reference !== undefined && { reference: item.reference as string }),
    state: item.state as AttemptState,
    createdAt: new Date(item.createdAt as string),
    ...(item.settledAt !== undefined && { settledAt: new Date(item.settledAt as string) }),
    ...(item.declineCode !== undefined && { declineCode: item.declineCode as string }),
    ...(item.providerChargeId !== undefined && { providerChargeId: item.providerChargeId as string }),
    ...(item.actionUrl !== undefined && { actionUrl: item.actionUrl as string }),
    ...(item.failureReason !== undefined && { failureReason: item.failureReason as string }),
    ...(item.lastError !== undefined && { lastError: item.lastError as string }),
  };
}

/**
 * What came back of a succeeded attempt's credit, kept on the attempt item (absent = 0):
 * the credit refunded, the credit taken by a dispute, and the version counting their changes.
 */
export const MONEY_BACK_ATTRIBUTES = {
  refunded: 'refundedCredit',
  disputed: 'disputedCredit',
  version: 'moneyBackVersion',
} as const;

/** The attempt as a charge that credited the balance; undefined unless it succeeded at the provider. */
export function itemToCreditedCharge(item: Item): CreditedCharge | undefined {
  if (item.state !== 'succeeded' || item.providerChargeId === undefined) return undefined;
  return {
    partnerId: item.partnerId as string,
    attemptId: item.attemptId as string,
    providerChargeId: item.providerChargeId as string,
    currency: item.currency as Currency,
    paymentMethod: item.paymentMethod as string,
    credit: micros(item.credit as number),
    total: micros(item.total as number),
    settledAt: new Date(item.settledAt as string),
    refundedCredit: micros((item[MONEY_BACK_ATTRIBUTES.refunded] as number | undefined) ?? 0),
    disputedCredit: micros((item[MONEY_BACK_ATTRIBUTES.disputed] as number | undefined) ?? 0),
    moneyBackVersion: (item[MONEY_BACK_ATTRIBUTES.version] as number | undefined) ?? 0,
  };
}

export function topUpToItem(topUp: TopUp): Item {
  return {
    ...topUpKey(topUp.partnerId, topUp.reference),
    type: 'top-up',
    partnerId: topUp.partnerId,
    reference: topUp.reference,
    amount: topUp.amount,
    checkout: topUp.checkout,
    attemptId: topUp.attemptId,
    requestedAt: topUp.requestedAt.toISOString(),
  };
}

export function itemToTopUp(item: Item): TopUp {
  return {
    partnerId: item.partnerId as string,
    reference: item.reference as string,
    amount: micros(item.amount as number),
    checkout: item.checkout as boolean,
    attemptId: item.attemptId as string,
    requestedAt: new Date(item.requestedAt as string),
  };
}

export function invoiceToItem(invoice: Invoice): Item {
  return {
    ...invoiceKey(invoice.partnerId, invoice.issuedAt, invoice.invoiceId),
    type: 'invoice',
    partnerId: invoice.partnerId,
    invoiceId: invoice.invoiceId,
    attemptId: invoice.attemptId,
    issuedAt: invoice.issuedAt.toISOString(),
    currency: invoice.currency,
    lines: invoice.lines.map((line) => ({ kind: line.kind, description: line.description, amount: line.amount })),
    total: invoice.total,
    providerChargeId: invoice.providerChargeId,
  };
}

export function itemToInvoice(item: Item): Invoice {
  return {
    partnerId: item.partnerId as string,
    invoiceId: item.invoiceId as string,
    attemptId: item.attemptId as string,
    issuedAt: new Date(item.issuedAt as string),
    currency: item.currency as Currency,
    lines: (item.lines as Item[]).map((line) => ({
      kind: line.kind as InvoiceLine['kind'],
      description: line.description as string,
      amount: micros(line.amount as number),
    })),
    total: micros(item.total as number),
    providerChargeId: item.providerChargeId as string,
  };
}
