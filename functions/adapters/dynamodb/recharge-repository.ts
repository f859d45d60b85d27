/**
 * Charge attempts on DynamoDB. An attempt is recorded together with the partner's single
 * in-flight slot; settling it is one transaction that moves the attempt out of `pending`
 * (so it can be settled once), and on success also credits the balance with its ledger
 * entry, issues the invoice, frees the slot and returns an overdue or blocked partner to
 * `active` when the credit brings the balance back to >= 0. Either settlement writes its
 * events to the outbox in the same transaction. A top-up takes its reference in the
 * transaction that opens its attempt; a recharge's credit is counted in the month's
 * automatic credits in the transaction that credits it, and a capped recharge opens only
 * while those are what it was decided from (docs/contract.md §14).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type LedgerEntry, entryIdOf } from '../../domain/ledger';
import type { PartnerAccount } from '../../domain/partner';
import type { DomainEvent } from '../../domain/events';
import { type Micros, add } from '../../domain/money';
import { monthOf } from '../../domain/month';
import type {
  CapSeen,
  CreditEvents,
  PageRequest,
  RechargeRepository,
  SettleResult,
  TopUpOpening,
} from '../../domain/ports';
import {
  type ChargeAttempt,
  type Invoice,
  type TopUp,
  invoiceFor,
  isPaymentPage,
} from '../../domain/recharge/charge-attempt';
import { type CardDeclines, REQUEST_REFUSED } from '../../domain/recharge/decline-policy';
import { afterAutomaticCredit, automaticTotalIn, countsTowardCap } from '../../domain/recharge/monthly-cap';
import {
  AUTOMATIC_CREDIT_ATTRIBUTES,
  type Item,
  attemptToItem,
  cardAttributes,
  invoiceToItem,
  itemToAttempt,
  itemToInvoice,
  itemToPartner,
  itemToTopUp,
  topUpToItem,
} from './items';
import { updateIfTogether } from './conditional-update';
import { creditWithStanding, planStanding } from './credit-writes';
import { attemptKey, invoicePartition, partnerKey, topUpKey } from './keys';
import { type TransactItem, outboxPuts, putOutboxEvent } from './outbox';
import { partitionPage } from './page-query';
import { putLedgerEntry, putPostingGuard } from './posting-writes';
import { cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

/** Rounds of read-decide-write when concurrent usage keeps changing the balance under a settlement. */
const SETTLE_ROUNDS = 10;

const DECLINE_ATTRIBUTES = 'lastDeclinedAt, lastDeclineCode, lastDeclinedPaymentMethod, lastDeclinedAttempt';
const LAST_DECLINE_SETS =
  'lastDeclinedAt = :at, lastDeclineCode = :code, lastDeclinedPaymentMethod = :paymentMethod, lastDeclinedAttempt = :attemptId';

export class DynamoDbRechargeRepository implements RechargeRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async openAttempt(
    attempt: ChargeAttempt,
    capSeen?: CapSeen,
  ): Promise<'opened' | 'busy' | 'partner-closed' | 'cap-moved'> {
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({ TransactItems: [this.putAttempt(attempt), this.takeSlot(attempt, capSeen)] }),
        ),
      );
      return 'opened';
    } catch (error) {
      const partner = cancellationReasons(error)?.[1];
      if (!isConditionFailure(partner)) throw error;
      return slotRefusal(partner?.item, capSeen !== undefined);
    }
  }

  async openTopUp(attempt: ChargeAttempt, topUp: TopUp): Promise<TopUpOpening> {
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.putAttempt(attempt),
              this.takeSlot(attempt),
              {
                Put: {
                  TableName: this.tableName,
                  Item: topUpToItem(topUp),
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        ),
      );
      return { kind: 'opened' };
    } catch (error) {
      const reasons = cancellationReasons(error);
      const taken = reasons?.[2];
      if (isConditionFailure(taken) && taken?.item !== undefined)
        return { kind: 'exists', topUp: itemToTopUp(taken.item) };
      if (!isConditionFailure(reasons?.[1])) throw error;
      return { kind: slotRefusal(reasons?.[1]?.item, false) === 'partner-closed' ? 'partner-closed' : 'busy' };
    }
  }

  async getTopUp(partnerId: string, reference: string): Promise<TopUp | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: topUpKey(partnerId, reference), ConsistentRead: true }),
    );
    return item === undefined ? undefined : itemToTopUp(item);
  }

  async markLimitReached(partnerId: string, month: string, event: DomainEvent): Promise<boolean> {
    return updateIfTogether(
      this.client,
      this.tableName,
      partnerKey(partnerId),
      {
        update: 'SET limitReachedMonth = :month',
        condition: 'attribute_exists(pk) AND (attribute_not_exists(limitReachedMonth) OR limitReachedMonth <> :month)',
        values: { ':month': month },
      },
      [putOutboxEvent(this.tableName, partnerId, event)],
    );
  }

  async getAttempt(partnerId: string, attemptId: string): Promise<ChargeAttempt | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: attemptKey(partnerId, attemptId), ConsistentRead: true }),
    );
    return item === undefined ? undefined : itemToAttempt(item);
  }

  async settleSucceeded(
    attempt: ChargeAttempt,
    providerChargeId: string,
    at: Date,
    events: CreditEvents,
  ): Promise<SettleResult> {
    const invoice = invoiceFor(attempt, providerChargeId, at);
    const entry = creditEntry(attempt, at);
    for (let round = 0; round < SETTLE_ROUNDS; round += 1) {
      const before = await this.partner(attempt.partnerId);
      const plan = planStanding(before, attempt.charge.credit);
      const unblocked = plan.wasBlocked && plan.restoresStanding;
      const counted = countsTowardCap(attempt) ? countCredit(before, attempt.charge.credit, at) : NOT_COUNTED;
      try {
        await retryOnContention(() =>
          this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                this.closeAttempt(attempt, 'succeeded', at, { providerChargeId }),
                creditWithStanding(this.tableName, entry, plan, {
                  conditions: ['chargeInFlight = :attemptId', ...counted.conditions],
                  sets: counted.sets,
                  removes: ['chargeInFlight', ...succeededRemoves(attempt)],
                  names: counted.names,
                  values: { ':attemptId': attempt.attemptId, ...counted.values },
                }),
                putLedgerEntry(this.tableName, entry),
                putPostingGuard(this.tableName, entry),
                {
                  Put: {
                    TableName: this.tableName,
                    Item: invoiceToItem(invoice),
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                ...outboxPuts(
                  this.tableName,
                  attempt.partnerId,
                  events({ liveBalance: add(before.liveBalance, attempt.charge.credit), unblocked }),
                ),
              ],
            }),
          ),
        );
        return {
          outcome: 'settled',
          attempt: { ...attempt, state: 'succeeded', settledAt: at, providerChargeId },
          invoice,
          account: await this.partner(attempt.partnerId),
          unblocked,
        };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        if (isConditionFailure(reasons[0])) return this.alreadySettled(attempt);
        // The balance or threshold moved between the read and the write: decide again.
        if (!isConditionFailure(reasons[1])) throw error;
      }
    }
    throw new Error(
      `could not settle attempt ${attempt.attemptId} in ${SETTLE_ROUNDS} rounds of concurrent balance changes`,
    );
  }

  async settleDeclined(
    attempt: ChargeAttempt,
    decline: { readonly code: string; readonly card: CardDeclines },
    at: Date,
    event: DomainEvent,
  ): Promise<SettleResult> {
    // The decline counts against the card only while the card still has its role: a
    // partner who replaced it meanwhile starts the new card from zero.
    const counted = await this.closeDeclined(attempt, decline, at, event, true);
    if (counted !== 'card-replaced') return counted;
    const uncounted = await this.closeDeclined(attempt, decline, at, event, false);
    if (uncounted === 'card-replaced') throw new Error(`attempt ${attempt.attemptId} could not be settled`);
    return uncounted;
  }

  async awaitAction(
    attempt: ChargeAttempt,
    action: { readonly providerChargeId: string; readonly actionUrl: string },
    at: Date,
    event: DomainEvent,
  ): Promise<SettleResult> {
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: attemptKey(attempt.partnerId, attempt.attemptId),
                  UpdateExpression: 'SET #state = :state, providerChargeId = :charge, actionUrl = :url, actionAt = :at',
                  ConditionExpression: '#state = :pending',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: {
                    ':state': 'action-required',
                    ':charge': action.providerChargeId,
                    ':url': action.actionUrl,
                    ':at': at.toISOString(),
                    ':pending': 'pending',
                  },
                },
              },
              putOutboxEvent(this.tableName, attempt.partnerId, event),
            ],
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return this.alreadySettled(attempt);
      throw error;
    }
    return {
      outcome: 'settled',
      attempt: { ...attempt, state: 'action-required', ...action },
      account: await this.partner(attempt.partnerId),
      unblocked: false,
    };
  }

  async settleWithoutCharge(
    attempt: ChargeAttempt,
    end: { readonly state: 'failed' | 'canceled'; readonly reason: string },
    at: Date,
    event?: DomainEvent,
  ): Promise<SettleResult> {
    const reason = end.reason.slice(0, 1_000);
    const failed = end.state === 'failed';
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.closeAttempt(attempt, end.state, at, { failureReason: reason }),
              {
                Update: {
                  TableName: this.tableName,
                  Key: partnerKey(attempt.partnerId),
                  UpdateExpression: failed ? `SET ${LAST_DECLINE_SETS} REMOVE chargeInFlight` : 'REMOVE chargeInFlight',
                  ConditionExpression: 'chargeInFlight = :attemptId',
                  ExpressionAttributeValues: {
                    ':attemptId': attempt.attemptId,
                    ...(failed && {
                      ':at': at.toISOString(),
                      ':code': REQUEST_REFUSED,
                      ':paymentMethod': attempt.paymentMethod,
                    }),
                  },
                },
              },
              ...(event === undefined ? [] : [putOutboxEvent(this.tableName, attempt.partnerId, event)]),
            ],
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return this.alreadySettled(attempt);
      throw error;
    }
    return {
      outcome: 'settled',
      attempt: { ...attempt, state: end.state, settledAt: at, failureReason: reason },
      account: await this.partner(attempt.partnerId),
      unblocked: false,
    };
  }

  private async closeDeclined(
    attempt: ChargeAttempt,
    decline: { readonly code: string; readonly card: CardDeclines },
    at: Date,
    event: DomainEvent,
    count: boolean,
  ): Promise<SettleResult | 'card-replaced'> {
    const card = cardAttributes(attempt.cardRole);
    const sets = [LAST_DECLINE_SETS];
    if (count) {
      sets.push(`${card.softDeclines} = :soft`);
      if (decline.card.hard !== undefined) sets.push(`${card.hardDecline} = :hard`);
    }
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.closeAttempt(attempt, 'declined', at, { declineCode: decline.code }),
              {
                Update: {
                  TableName: this.tableName,
                  Key: partnerKey(attempt.partnerId),
                  UpdateExpression: `SET ${sets.join(', ')} REMOVE chargeInFlight`,
                  ConditionExpression: count
                    ? 'chargeInFlight = :attemptId AND #card = :paymentMethod'
                    : 'chargeInFlight = :attemptId',
                  ...(count && { ExpressionAttributeNames: { '#card': card.paymentMethod } }),
                  ExpressionAttributeValues: {
                    ':at': at.toISOString(),
                    ':code': decline.code,
                    ':paymentMethod': attempt.paymentMethod,
                    ':attemptId': attempt.attemptId,
                    ...(count && { ':soft': decline.card.soft }),
                    ...(count && decline.card.hard !== undefined && { ':hard': decline.card.hard }),
                  },
                },
              },
              putOutboxEvent(this.tableName, attempt.partnerId, event),
            ],
          }),
        ),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (isConditionFailure(reasons?.[0])) return this.alreadySettled(attempt);
      if (count && isConditionFailure(reasons?.[1])) return 'card-replaced';
      throw error;
    }
    return {
      outcome: 'settled',
      attempt: { ...attempt, state: 'declined', settledAt: at, declineCode: decline.code },
      account: await this.partner(attempt.partnerId),
      unblocked: false,
    };
  }

  async noteUnknownOutcome(attempt: ChargeAttempt, reason: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: attemptKey(attempt.partnerId, attempt.attemptId),
          UpdateExpression: 'SET lastError = :reason, lastErrorAt = :at ADD unknownOutcomes :one',
          ConditionExpression: '#state IN (:pending, :waiting)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':reason': reason.slice(0, 1_000),
            ':at': at.toISOString(),
            ':one': 1,
            ':pending': 'pending',
            ':waiting': 'action-required',
          },
        }),
      );
    } catch (error) {
      // Settled meanwhile by a concurrent resume: there is nothing left to note.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async invoicesPage(
    partnerId: string,
    page: PageRequest,
  ): Promise<{ invoices: readonly Invoice[]; nextCursor?: string }> {
    const { items, nextCursor } = await partitionPage(
      this.client,
      this.tableName,
      invoicePartition(partnerId),
      page,
      itemToInvoice,
    );
    return { invoices: items, ...(nextCursor !== undefined && { nextCursor }) };
  }

  private putAttempt(attempt: ChargeAttempt): TransactItem {
    return {
      Put: { TableName: this.tableName, Item: attemptToItem(attempt), ConditionExpression: 'attribute_not_exists(pk)' },
    };
  }

  /** Takes the partner's single in-flight slot; given `capSeen`, only while the month's automatic credits are those. */
  private takeSlot(attempt: ChargeAttempt, capSeen?: CapSeen): TransactItem {
    const cap = capSeen === undefined ? NOT_COUNTED : capUnmoved(capSeen);
    const names = { '#status': 'status', ...cap.names };
    return {
      Update: {
        TableName: this.tableName,
        Key: partnerKey(attempt.partnerId),
        UpdateExpression: 'SET chargeInFlight = :attemptId',
        // A closed account is never charged again (docs/contract.md §13).
        ConditionExpression: [
          'attribute_exists(pk) AND attribute_not_exists(chargeInFlight) AND #status <> :closed',
          ...cap.conditions,
        ].join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':attemptId': attempt.attemptId, ':closed': 'closed', ...cap.values },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private async partner(partnerId: string): Promise<PartnerAccount> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: partnerKey(partnerId), ConsistentRead: true }),
    );
    if (item === undefined) throw new Error(`partner ${partnerId} of a charge attempt does not exist`);
    return itemToPartner(item);
  }

  private async alreadySettled(attempt: ChargeAttempt): Promise<SettleResult> {
    const stored = await this.getAttempt(attempt.partnerId, attempt.attemptId);
    return { outcome: 'already-settled', attempt: stored ?? attempt };
  }

  private closeAttempt(
    attempt: ChargeAttempt,
    state: 'succeeded' | 'declined' | 'failed' | 'canceled',
    at: Date,
    result: { providerChargeId?: string; declineCode?: string; failureReason?: string },
  ) {
    const values: Record<string, unknown> = {
      ':state': state,
      ':at': at.toISOString(),
      ':pending': 'pending',
      ':waiting': 'action-required',
    };
    const sets = ['#state = :state', 'settledAt = :at'];
    const optional = { providerChargeId: ':charge', declineCode: ':code', failureReason: ':reason' } as const;
    for (const [name, placeholder] of Object.entries(optional)) {
      const value = result[name as keyof typeof optional];
      if (value === undefined) continue;
      sets.push(`${name} = ${placeholder}`);
      values[placeholder] = value;
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: attemptKey(attempt.partnerId, attempt.attemptId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        // An open attempt is pending or waiting for its cardholder; a settled one never moves again.
        ConditionExpression: '#state IN (:pending, :waiting)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: values,
      },
    };
  }
}

function creditEntry(attempt: ChargeAttempt, at: Date): LedgerEntry {
  const kind = attempt.purpose === 'top-up' ? 'top-up' : 'recharge';
  return {
    partnerId: attempt.partnerId,
    currency: attempt.currency,
    kind,
    idempotencyKey: attempt.attemptId,
    entryId: entryIdOf(kind, attempt.attemptId),
    amount: attempt.charge.credit,
    postedAt: at,
    eventCount: 1,
    memo: MEMOS[attempt.purpose],
  };
}

const MEMOS: Readonly<Record<ChargeAttempt['purpose'], string>> = {
  opening: 'opening charge',
  recharge: 'card recharge',
  'top-up': 'card top-up',
};

/**
 * What a success clears on the partner besides its slot: the opening still owed (an
 * opening or recharge succeeded; a top-up does not pay the opening shortfall off), and,
 * for a saved card, its run of soft declines and the last decline. A payment page charged
 * a card of the partner's choosing, which says nothing of the saved one.
 */
function succeededRemoves(attempt: ChargeAttempt): string[] {
  const removes = attempt.purpose === 'top-up' ? [] : ['openingPending'];
  if (!isPaymentPage(attempt)) removes.push(DECLINE_ATTRIBUTES, cardAttributes(attempt.cardRole).softDeclines);
  return removes;
}

/** Why the partner's slot was not taken: a closed account, another attempt holding it, or the cap's credits moved. */
function slotRefusal(partner: Item | undefined, capped: boolean): 'busy' | 'partner-closed' | 'cap-moved' {
  if (partner?.status === 'closed') return 'partner-closed';
  return capped && partner !== undefined && partner.chargeInFlight === undefined ? 'cap-moved' : 'busy';
}

interface PartnerChange {
  readonly conditions: readonly string[];
  readonly sets: readonly string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

const NOT_COUNTED: PartnerChange = { conditions: [], sets: [], names: {}, values: {} };

/** The month's automatic credits are still those seen: none in `month` (total 0), or exactly `total`. */
function capUnmoved(seen: CapSeen): PartnerChange {
  const names = { '#capMonth': AUTOMATIC_CREDIT_ATTRIBUTES.month, '#capTotal': AUTOMATIC_CREDIT_ATTRIBUTES.total };
  return seen.total === 0
    ? {
        conditions: ['(attribute_not_exists(#capMonth) OR #capMonth <> :capMonth)'],
        sets: [],
        names: { '#capMonth': names['#capMonth'] },
        values: { ':capMonth': seen.month },
      }
    : {
        conditions: ['#capMonth = :capMonth', '#capTotal = :capTotal'],
        sets: [],
        names,
        values: { ':capMonth': seen.month, ':capTotal': seen.total },
      };
}

/** Counts a recharge's credit in the month it is credited, from the partner as read: the write re-checks that read. */
function countCredit(before: PartnerAccount, credit: Micros, at: Date): PartnerChange {
  const seen = capUnmoved({ month: monthOf(at), total: automaticTotalIn(before, at) });
  const after = afterAutomaticCredit(before, credit, at);
  return {
    ...seen,
    sets: ['#capMonth = :capMonth', '#capTotal = :capNewTotal'],
    names: { ...seen.names, '#capTotal': AUTOMATIC_CREDIT_ATTRIBUTES.total },
    values: { ...seen.values, ':capNewTotal': after.total },
  };
}
