/**
 * The partners of the daily run benchmark, as items of the billing table. A population is
 * `settled` partners the run has nothing to do for, plus the same 100 partners that need
 * action in every population:
 *
 * - 40 `moved`: usage moved the balance after the last published cut-off;
 * - 30 `declined`: below the threshold, their card (`pm_card_chargeDeclined`) declined
 *   yesterday, so today's run retries the charge;
 * - 30 `overdue`: below 0 since 7 days and 14 hours, card declining: today's run is the
 *   first one due to block them (yesterday's came 10 hours too early).
 *
 * The items are written directly, shaped as the repositories write them (partnerToItem,
 * entryToItem, attemptToItem and the key helpers), instead of through the use cases:
 * DynamoDB Local runs only about a hundred transactions a second. Partners needing action
 * get their partner item with the attention keys, their ledger entries (the balance
 * equals their sum) and their declined attempt; settled partners only their partner item,
 * out of the attention index, published as of the last cut-off: the run never reads
 * anything else of them. Posting guards are left out: the run reads none.
 */
import { attemptToItem, cardAttributes, entryToItem, partnerToItem } from '../../functions/adapters/dynamodb/items';
import { cutoffOf, dayOf } from '../../functions/domain/daily/daily-run-ports';
import { type EntryKind, entryIdOf } from '../../functions/domain/ledger';
import { type Currency, type Micros, parseAmount } from '../../functions/domain/money';
import type { PartnerAccount } from '../../functions/domain/partner';
import { DEFAULT_RECHARGE_SETTINGS } from '../../functions/domain/recharge-rules';
import { NO_DECLINES } from '../../functions/domain/recharge/decline-policy';
import { chargeDue } from '../../functions/domain/recharge/recharge-partner';

export type Item = Record<string, unknown>;

/** The run measured: scheduled at 00:00 UTC, its one cut-off. */
export const RUN_AT = new Date('2026-11-23T00:00:00.000Z');
/** The cut-off of yesterday's run, which completed and published every partner. */
export const PREVIOUS_CUTOFF = cutoffOf('2026-11-22');

const CURRENCY: Currency = 'EUR';
const CREATED_AT = new Date('2026-10-01T09:00:00.000Z');
const OPENING = parseAmount('500.00');
const SETTLED_BALANCE = parseAmount('1000.00');
const DECLINING_CARD = 'pm_card_chargeDeclined';
const GOOD_CARD = 'pm_card_visa';

export type ActionGroup = 'moved' | 'declined' | 'overdue';

export const ACTION_GROUPS: Readonly<Record<ActionGroup, number>> = { moved: 40, declined: 30, overdue: 30 };

export const PARTNERS_NEEDING_ACTION = Object.values(ACTION_GROUPS).reduce((total, count) => total + count, 0);

export const actionPartner = (group: ActionGroup, index: number): string =>
  `bench-${group}-${String(index).padStart(3, '0')}`;

export const settledPartner = (index: number): string => `bench-s${String(index).padStart(6, '0')}`;

interface Movement {
  readonly kind: EntryKind;
  readonly key: string;
  readonly amount: Micros;
  readonly postedAt: Date;
}

interface ActionPartnerPlan {
  readonly paymentMethod: string;
  /** Postings after the opening one, oldest first. */
  readonly usage: readonly Movement[];
  /** What yesterday's run published: the balance as of PREVIOUS_CUTOFF. */
  readonly published: Micros;
  readonly status: PartnerAccount['status'];
  readonly belowThresholdSince?: Date;
  readonly overdueSince?: Date;
  /** Yesterday's run retried the charge, and the card declined it. */
  readonly declinedYesterday: boolean;
}

const usage = (partnerId: string, amount: string, postedAt: string): Movement => ({
  kind: 'usage',
  key: `${partnerId}-${postedAt}`,
  amount: parseAmount(`-${amount}`),
  postedAt: new Date(postedAt),
});

function planOf(group: ActionGroup, partnerId: string): ActionPartnerPlan {
  switch (group) {
    case 'moved':
      // 480.00 published yesterday, 450.00 now: today's snapshot is due, nothing else.
      return {
        paymentMethod: GOOD_CARD,
        usage: [
          usage(partnerId, '20.00', '2026-11-21T15:00:00.000Z'),
          usage(partnerId, '30.00', '2026-11-22T14:00:00.000Z'),
        ],
        published: parseAmount('480.00'),
        status: 'active',
        declinedYesterday: false,
      };
    case 'declined':
      // 50.00 since Nov 20, under the 100.00 threshold: a 500.00 recharge is due.
      return {
        paymentMethod: DECLINING_CARD,
        usage: [usage(partnerId, '450.00', '2026-11-20T10:00:00.000Z')],
        published: parseAmount('50.00'),
        status: 'active',
        belowThresholdSince: new Date('2026-11-20T10:00:00.000Z'),
        declinedYesterday: true,
      };
    case 'overdue':
      // -20.00 since Nov 15 10:00: blocked by the first run at or after Nov 22 10:00.
      return {
        paymentMethod: DECLINING_CARD,
        usage: [usage(partnerId, '520.00', '2026-11-15T10:00:00.000Z')],
        published: parseAmount('-20.00'),
        status: 'overdue',
        belowThresholdSince: new Date('2026-11-15T10:00:00.000Z'),
        overdueSince: new Date('2026-11-15T10:00:00.000Z'),
        declinedYesterday: true,
      };
  }
}

/** The partner item, its ledger entries and, for a declined card, yesterday's declined attempt. */
function actionPartnerItems(group: ActionGroup, partnerId: string): Item[] {
  const plan = planOf(group, partnerId);
  const movements: Movement[] = [
    { kind: 'opening', key: partnerId, amount: OPENING, postedAt: CREATED_AT },
    ...plan.usage,
  ];
  const liveBalance = movements.reduce((total, movement) => total + movement.amount, 0) as Micros;
  const account: PartnerAccount = {
    partnerId,
    currency: CURRENCY,
    paymentMethod: plan.paymentMethod,
    cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
    rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
    status: plan.status,
    createdAt: CREATED_AT,
    liveBalance,
    version: movements.length,
  };
  // partnerToItem puts the partner in the attention index, as every posting does.
  const partner: Item = {
    ...partnerToItem(account),
    publishedBalance: plan.published,
    publishedAsOf: PREVIOUS_CUTOFF.toISOString(),
    ...(plan.belowThresholdSince !== undefined && { belowThresholdSince: plan.belowThresholdSince.toISOString() }),
    ...(plan.overdueSince !== undefined && { overdueSince: plan.overdueSince.toISOString() }),
  };
  const entries = movements.map((movement) =>
    entryToItem({
      partnerId,
      currency: CURRENCY,
      kind: movement.kind,
      idempotencyKey: movement.key,
      entryId: entryIdOf(movement.kind, movement.key),
      amount: movement.amount,
      postedAt: movement.postedAt,
      eventCount: 1,
    }),
  );
  if (!plan.declinedYesterday) return [partner, ...entries];

  // Yesterday's retry, as settleDeclined left it: the attempt declined, the decline on the partner.
  const decision = chargeDue(account);
  if (decision.kind !== 'charge') throw new Error(`partner ${partnerId} was planned with a charge due`);
  const declinedAt = new Date(PREVIOUS_CUTOFF.getTime() + 5_000);
  const attemptId = `att-${declinedAt.toISOString().replace(/[-:.]/g, '')}-${partnerId.slice(-8)}`;
  const attempt: Item = {
    ...attemptToItem({
      partnerId,
      attemptId,
      purpose: 'recharge',
      trigger: 'daily-run',
      charge: decision.charge,
      currency: CURRENCY,
      paymentMethod: plan.paymentMethod,
      cardRole: 'primary',
      state: 'declined',
      createdAt: declinedAt,
    }),
    settledAt: declinedAt.toISOString(),
    declineCode: 'generic_decline',
  };
  return [
    {
      ...partner,
      lastDeclinedAt: declinedAt.toISOString(),
      lastDeclineCode: 'generic_decline',
      lastDeclinedPaymentMethod: plan.paymentMethod,
      lastDeclinedAttempt: attemptId,
      // generic_decline is soft: the card's first, seven retries left.
      [cardAttributes('primary').softDeclines]: 1,
      lastDailyRetryOn: dayOf(PREVIOUS_CUTOFF),
    },
    attempt,
    ...entries,
  ];
}

export function actionPartnerIds(): { group: ActionGroup; partnerId: string }[] {
  return (Object.entries(ACTION_GROUPS) as [ActionGroup, number][]).flatMap(([group, count]) =>
    Array.from({ length: count }, (_, index) => ({ group, partnerId: actionPartner(group, index) })),
  );
}

/** Every item of the partners needing action. */
export function actionItems(): Item[] {
  return actionPartnerIds().flatMap(({ group, partnerId }) => actionPartnerItems(group, partnerId));
}

/** A settled partner: balance above the threshold, published as of the last cut-off, out of the attention index. */
export function settledPartnerItem(index: number): Item {
  const {
    attentionPk: _pk,
    attentionSk: _sk,
    ...item
  } = partnerToItem({
    partnerId: settledPartner(index),
    currency: CURRENCY,
    paymentMethod: GOOD_CARD,
    cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
    rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
    status: 'active',
    createdAt: CREATED_AT,
    liveBalance: SETTLED_BALANCE,
    version: 1,
  });
  return { ...item, publishedBalance: SETTLED_BALANCE, publishedAsOf: PREVIOUS_CUTOFF.toISOString() };
}

/**
 * Yesterday's completed run, as DynamoDbDailyRunRepository records it (`RUN#daily`): its
 * day record and the catch-up point, so today's run publishes one cut-off.
 */
export function previousRunItems(): Item[] {
  const day = dayOf(PREVIOUS_CUTOFF);
  return [
    { pk: 'RUN#daily', sk: 'LATEST', lastCompletedDay: day },
    {
      pk: 'RUN#daily',
      sk: day,
      type: 'daily-run',
      state: 'completed',
      startedAt: PREVIOUS_CUTOFF.toISOString(),
      completedAt: new Date(PREVIOUS_CUTOFF.getTime() + 60_000).toISOString(),
      cutoffs: [day],
    },
  ];
}
