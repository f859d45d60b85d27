/**
 * Charge attempts on DynamoDB. An attempt is recorded together with the partner's single
 * in-flight slot; settling it is one transaction that moves the attempt out of `pending`
 * (so it can be settled once), and on success also credits the balance with its ledger
 * entry, issues the invoice, frees the slot and returns an overdue or blocked partner to
 * `active` when the credit brings the balance back to >= 0. Either settlement writes its
 * events to the outbox in the same transaction.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type LedgerEntry, entryIdOf } from '../../domain/ledger';
import type { PartnerAccount } from '../../domain/partner';
import type { DomainEvent } from '../../domain/events';
import { add } from '../../domain/money';
import type { CreditEvents, PageRequest, RechargeRepository, SettleResult } from '../../domain/ports';
import { type ChargeAttempt, type Invoice, invoiceFor } from '../../domain/recharge/charge-attempt';
import { type CardDeclines, REQUEST_REFUSED } from '../../domain/recharge/decline-policy';
import { attemptToItem, cardAttributes, invoiceToItem, itemToAttempt, itemToInvoice, itemToPartner } from './items';
import { creditWithStanding, planStanding } from './credit-writes';
import { attemptKey, invoicePartition, partnerKey } from './keys';
import { outboxPuts, putOutboxEvent } from './outbox';
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

  async openAttempt(attempt: ChargeAttempt): Promise<'opened' | 'busy' | 'partner-closed'> {
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: attemptToItem(attempt),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: partnerKey(attempt.partnerId),
                  UpdateExpression: 'SET chargeInFlight = :attemptId',
                  // A closed account is never charged again (docs/contract.md §13).
                  ConditionExpression:
                    'attribute_exists(pk) AND attribute_not_exists(chargeInFlight) AND #status <> :closed',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':attemptId': attempt.attemptId, ':closed': 'closed' },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        ),
      );
      return 'opened';
    } catch (error) {
      const partner = cancellationReasons(error)?.[1];
      if (!isConditionFailure(partner)) throw error;
      return partner?.item?.status === 'closed' ? 'partner-closed' : 'busy';
    }
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
      try {
        await retryOnContention(() =>
          this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                this.closeAttempt(attempt, 'succeeded', at, { providerChargeId }),
                creditWithStanding(this.tableName, attempt.partnerId, attempt.charge.credit, plan, {
                  conditions: ['chargeInFlight = :attemptId'],
                  // A success ends the card's run of soft declines.
                  removes: [
                    'chargeInFlight',
                    DECLINE_ATTRIBUTES,
                    'openingPending',
                    cardAttributes(attempt.cardRole).softDeclines,
                  ],
                  values: { ':attemptId': attempt.attemptId },
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
  return {
    partnerId: attempt.partnerId,
    currency: attempt.currency,
    kind: 'recharge',
    idempotencyKey: attempt.attemptId,
    entryId: entryIdOf('recharge', attempt.attemptId),
    amount: attempt.charge.credit,
    postedAt: at,
    eventCount: 1,
    memo: attempt.purpose === 'opening' ? 'opening charge' : 'card recharge',
  };
}
