/**
 * The writes money that comes back adds to a balance's transactions: what a charge has
 * given back, noted on its attempt item under its money-back version, and the partner
 * item's own changes (a card that must not be charged again, the refund slot) made in the
 * same update as the balance's movement, since a transaction may touch an item once.
 */
import { type EntryKind, type LedgerEntry, entryIdOf } from '../../domain/ledger';
import type { Currency, Micros } from '../../domain/money';
import type { PartnerAccount } from '../../domain/partner';
import type { CardRole } from '../../domain/recharge/payment-provider';
import { MONEY_BACK_ATTRIBUTES, cardAttributes } from './items';
import { attemptKey } from './keys';
import type { moveBalance } from './posting-writes';

/** The hard decline noted on a card whose charge was disputed: the decline policy never charges it again. */
export const DISPUTED_CARD = 'disputed';

/** Changes of a charge's taken-back credit: positive takes more back, negative gives some back. */
export interface ChargeChange {
  readonly refunded?: Micros;
  readonly disputed?: Micros;
}

/**
 * Notes a change on a succeeded attempt and counts it in its money-back version. With
 * `readVersion`, only if the version is still the one read (absent counts as 0), so two
 * writes that decided from the same amounts cannot both take the same credit back. A
 * give-back needs the amount to be there.
 */
export function noteOnCharge(
  tableName: string,
  charge: { readonly partnerId: string; readonly attemptId: string },
  change: ChargeChange,
  readVersion?: number,
) {
  const adds = [`${MONEY_BACK_ATTRIBUTES.version} :one`];
  const conditions = ['#state = :succeeded'];
  const values: Record<string, unknown> = { ':one': 1, ':succeeded': 'succeeded' };
  for (const field of ['refunded', 'disputed'] as const) {
    const amount = change[field];
    if (amount === undefined) continue;
    const attribute = MONEY_BACK_ATTRIBUTES[field];
    adds.push(`${attribute} :${field}`);
    values[`:${field}`] = amount;
    if (amount < 0) {
      conditions.push(`${attribute} >= :${field}Back`);
      values[`:${field}Back`] = -amount;
    }
  }
  if (readVersion !== undefined) {
    conditions.push(
      readVersion === 0
        ? `attribute_not_exists(${MONEY_BACK_ATTRIBUTES.version})`
        : `${MONEY_BACK_ATTRIBUTES.version} = :readVersion`,
    );
    if (readVersion !== 0) values[':readVersion'] = readVersion;
  }
  return {
    Update: {
      TableName: tableName,
      Key: attemptKey(charge.partnerId, charge.attemptId),
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: values,
    },
  };
}

export interface PartnerChanges {
  readonly sets: readonly string[];
  readonly conditions: readonly string[];
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

/** A balance movement (`moveBalance`, whose expression ends with its SET clause) with more changes of the partner item. */
export function withPartnerChanges(move: ReturnType<typeof moveBalance>, changes: PartnerChanges) {
  const { Update: update } = move;
  return {
    Update: {
      ...update,
      UpdateExpression: [update.UpdateExpression, ...changes.sets].join(', '),
      ConditionExpression: [update.ConditionExpression, ...changes.conditions].join(' AND '),
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...changes.names },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ...changes.values },
    },
  };
}

/** The roles in which the partner holds a card. */
export function rolesHolding(account: PartnerAccount, paymentMethod: string | undefined): CardRole[] {
  if (paymentMethod === undefined) return [];
  const roles: CardRole[] = [];
  if (account.paymentMethod === paymentMethod) roles.push('primary');
  if (account.backupPaymentMethod === paymentMethod) roles.push('backup');
  return roles;
}

/**
 * Marks the card as declined hard in each role that still holds it, on the condition
 * that exactly those roles hold it, as decided from a read: a card given meanwhile makes
 * the caller read and decide again.
 */
export function markDisputedCard(paymentMethod: string | undefined, roles: readonly CardRole[]): PartnerChanges {
  if (paymentMethod === undefined) return { sets: [], conditions: [] };
  const sets: string[] = [];
  const conditions: string[] = [];
  for (const role of ['primary', 'backup'] as const) {
    const card = cardAttributes(role);
    if (roles.includes(role)) {
      sets.push(`${card.hardDecline} = :disputedCard`);
      conditions.push(`${card.paymentMethod} = :disputedMethod`);
    } else {
      conditions.push(`(attribute_not_exists(${card.paymentMethod}) OR ${card.paymentMethod} <> :disputedMethod)`);
    }
  }
  return {
    sets,
    conditions,
    values: { ':disputedMethod': paymentMethod, ...(sets.length > 0 && { ':disputedCard': DISPUTED_CARD }) },
  };
}

export function moneyBackEntry(
  partner: { readonly partnerId: string; readonly currency: Currency },
  kind: EntryKind,
  idempotencyKey: string,
  amount: Micros,
  postedAt: Date,
  memo: string,
): LedgerEntry {
  return {
    partnerId: partner.partnerId,
    currency: partner.currency,
    kind,
    idempotencyKey,
    entryId: entryIdOf(kind, idempotencyKey),
    amount,
    postedAt,
    eventCount: 1,
    memo,
  };
}
