/**
 * License fees on DynamoDB.
 *
 * Which partners to bill: the table has one index (`attention`, for the daily run) and no
 * other way to list partners without a scan; channel membership items are per partner,
 * so they can only be read once the partner is known. A partner is therefore put on a
 * list of licensed partners when it registers a number: one small item
 * `LICENSED#{shard}` / `{partnerId}`, in 16 shards (the partner's shard, as for the
 * attention index) so the monthly run can fan out one worker per shard and no partition
 * takes every partner. Writing it is idempotent and costs 1 WCU per registration
 * (`markLicensed`, or `markLicensedWrite` inside the registration's transaction). A
 * partner whose numbers are all cancelled stays listed and is found to owe nothing.
 *
 * One record per partner and month, `PARTNER#{id}` / `LICENSE#{YYYY-MM}`, holds the charge
 * and its current attempt; it is written with `attribute_not_exists` before the provider
 * is called, so a month is charged once. Until the fee is charged, an item
 * `LICENSE-DUE#{shard}` / `{partnerId}#{YYYY-MM}` lists it for the daily retry; it is
 * written with the record and deleted in the transaction that settles the success, or
 * that drops a declined fee of a closed account. The settling transactions also write the
 * outcome's event to the outbox.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Day } from '../../domain/daily/daily-run-ports';
import type { DomainEvent } from '../../domain/events';
import { type Currency, micros } from '../../domain/money';
import type { Month } from '../../domain/month';
import { type LicenseFee, type LicenseFeeState, licenseInvoice } from '../../domain/monthly/license-fee';
import type { DueLicenseFee, LicenseFeeRepository, LicenseSettleResult } from '../../domain/monthly/license-ports';
import type { CardRole } from '../../domain/recharge/payment-provider';
import { type Item, cardAttributes, invoiceToItem } from './items';
import {
  ATTENTION_SHARDS,
  licenseDueKey,
  licenseDuePartition,
  licenseFeeKey,
  licensedKey,
  licensedPartition,
  partnerKey,
  shardOf,
} from './keys';
import { putOutboxEvent } from './outbox';
import { partitionPage } from './page-query';
import { cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

/**
 * The write that puts a partner on the licensed list, for a transaction that registers a
 * number. Idempotent: registering more numbers keeps the first `since`.
 */
export function markLicensedWrite(tableName: string, partnerId: string, at: Date) {
  return {
    Update: {
      TableName: tableName,
      Key: licensedKey(partnerId),
      UpdateExpression: 'SET #type = :type, partnerId = :partnerId, since = if_not_exists(since, :at)',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':type': 'licensed-partner', ':partnerId': partnerId, ':at': at.toISOString() },
    },
  };
}

export class DynamoDbLicenseRepository implements LicenseFeeRepository {
  readonly shards = ATTENTION_SHARDS;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async markLicensed(partnerId: string, at: Date): Promise<void> {
    await this.client.send(new UpdateCommand(markLicensedWrite(this.tableName, partnerId, at).Update));
  }

  async licensedPage(shard: number, cursor: string | undefined, limit: number) {
    const page = await partitionPage(
      this.client,
      this.tableName,
      licensedPartition(shard),
      { limit, ...(cursor !== undefined && { cursor }) },
      (item) => item.partnerId as string,
      'key-order',
    );
    return { partnerIds: page.items, ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) };
  }

  async get(partnerId: string, period: Month): Promise<LicenseFee | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: licenseFeeKey(partnerId, period), ConsistentRead: true }),
    );
    return item === undefined ? undefined : itemToLicenseFee(item);
  }

  async open(fee: LicenseFee): Promise<'opened' | 'exists'> {
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: licenseFeeToItem(fee),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              { Put: { TableName: this.tableName, Item: dueItem(fee) } },
            ],
          }),
        ),
      );
      return 'opened';
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return 'exists';
      throw error;
    }
  }

  async openRetry(next: LicenseFee, declinedAttemptId: string): Promise<boolean> {
    const sets = [
      '#state = :pending',
      'attemptNumber = :number',
      'attemptId = :attemptId',
      'paymentMethod = :paymentMethod',
      'attemptedOn = :day',
      'openedAt = :openedAt',
      'priorDeclinesOnCard = :prior',
      ...(next.paymentCustomerId !== undefined ? ['paymentCustomerId = :customer'] : []),
    ];
    const removes = [
      'declineCode',
      'settledAt',
      'providerChargeId',
      'lastError',
      ...(next.paymentCustomerId === undefined ? ['paymentCustomerId'] : []),
    ];
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: licenseFeeKey(next.partnerId, next.period),
                  UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
                  ConditionExpression: '#state = :declined AND attemptId = :declinedAttempt',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: {
                    ':pending': 'pending',
                    ':declined': 'declined',
                    ':declinedAttempt': declinedAttemptId,
                    ':number': next.attemptNumber,
                    ':attemptId': next.attemptId,
                    ':paymentMethod': next.paymentMethod,
                    ':day': next.attemptedOn,
                    ':openedAt': next.openedAt.toISOString(),
                    ':prior': next.priorDeclinesOnCard,
                    ...(next.paymentCustomerId !== undefined && { ':customer': next.paymentCustomerId }),
                  },
                },
              },
              // Listed since the first attempt; written again so a retry can never be lost from the list.
              { Put: { TableName: this.tableName, Item: dueItem(next) } },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return false;
      throw error;
    }
  }

  async settleSucceeded(
    fee: LicenseFee,
    providerChargeId: string,
    at: Date,
    event: (invoiceId: string) => DomainEvent,
  ): Promise<LicenseSettleResult> {
    const invoice = licenseInvoice(fee, providerChargeId, at);
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.closeAttempt(fee, 'succeeded', at, { providerChargeId, invoiceId: invoice.invoiceId }),
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...invoiceToItem(invoice), purpose: 'license-fee', period: fee.period },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              { Delete: { TableName: this.tableName, Key: licenseDueKey(fee.partnerId, fee.period) } },
              putOutboxEvent(this.tableName, fee.partnerId, event(invoice.invoiceId)),
            ],
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return this.alreadySettled(fee);
      throw error;
    }
    return {
      outcome: 'settled',
      fee: { ...fee, state: 'succeeded', settledAt: at, providerChargeId, invoiceId: invoice.invoiceId },
      invoice,
    };
  }

  async settleDeclined(
    fee: LicenseFee,
    declineCode: string,
    at: Date,
    event: DomainEvent,
    hardOnCard?: CardRole,
  ): Promise<LicenseSettleResult> {
    const settle = (markCard: boolean) =>
      retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.closeAttempt(fee, 'declined', at, { declineCode }),
              putOutboxEvent(this.tableName, fee.partnerId, event),
              ...(markCard && hardOnCard !== undefined ? [this.markHardDecline(fee, hardOnCard, declineCode)] : []),
            ],
          }),
        ),
      );
    try {
      try {
        await settle(true);
      } catch (error) {
        // The card left its role meanwhile: the decline is the fee's alone.
        if (hardOnCard === undefined || !isConditionFailure(cancellationReasons(error)?.[2])) throw error;
        await settle(false);
      }
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return this.alreadySettled(fee);
      throw error;
    }
    return { outcome: 'settled', fee: { ...fee, state: 'declined', settledAt: at, declineCode } };
  }

  private markHardDecline(fee: LicenseFee, role: CardRole, declineCode: string) {
    const card = cardAttributes(role);
    return {
      Update: {
        TableName: this.tableName,
        Key: partnerKey(fee.partnerId),
        UpdateExpression: `SET ${card.hardDecline} = :code`,
        ConditionExpression: '#card = :paymentMethod',
        ExpressionAttributeNames: { '#card': card.paymentMethod },
        ExpressionAttributeValues: { ':code': declineCode, ':paymentMethod': fee.paymentMethod },
      },
    };
  }

  async dropDue(fee: LicenseFee, at: Date, reason: string): Promise<boolean> {
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: licenseFeeKey(fee.partnerId, fee.period),
                  UpdateExpression: 'SET droppedAt = :at, droppedBecause = :reason',
                  ConditionExpression: '#state = :declined AND attemptId = :attemptId',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: {
                    ':at': at.toISOString(),
                    ':reason': reason,
                    ':declined': 'declined',
                    ':attemptId': fee.attemptId,
                  },
                },
              },
              { Delete: { TableName: this.tableName, Key: licenseDueKey(fee.partnerId, fee.period) } },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return false;
      throw error;
    }
  }

  async noteUnknownOutcome(fee: LicenseFee, reason: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: licenseFeeKey(fee.partnerId, fee.period),
          UpdateExpression: 'SET lastError = :reason, lastErrorAt = :at ADD unknownOutcomes :one',
          ConditionExpression: '#state = :pending AND attemptId = :attemptId',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':reason': reason.slice(0, 1_000),
            ':at': at.toISOString(),
            ':one': 1,
            ':pending': 'pending',
            ':attemptId': fee.attemptId,
          },
        }),
      );
    } catch (error) {
      // Settled meanwhile by a concurrent resume: there is nothing left to note.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async duePage(
    shard: number,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ due: readonly DueLicenseFee[]; nextCursor?: string }> {
    const page = await partitionPage(
      this.client,
      this.tableName,
      licenseDuePartition(shard),
      { limit, ...(cursor !== undefined && { cursor }) },
      (item) => ({ partnerId: item.partnerId as string, period: item.period as Month }),
      'key-order',
    );
    return { due: page.items, ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) };
  }

  async duePeriods(partnerId: string): Promise<readonly Month[]> {
    const periods: Month[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // Partner ids never contain `#`: the prefix matches this partner's items only.
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': licenseDuePartition(shardOf(partnerId)), ':prefix': `${partnerId}#` },
          ConsistentRead: true,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      periods.push(...items.map((item) => item.period as Month));
      start = last;
    } while (start !== undefined);
    return periods;
  }

  private async alreadySettled(fee: LicenseFee): Promise<LicenseSettleResult> {
    return { outcome: 'already-settled', fee: (await this.get(fee.partnerId, fee.period)) ?? fee };
  }

  /** Moves the current attempt out of `pending`, once, and appends it to the record's attempt log. */
  private closeAttempt(
    fee: LicenseFee,
    state: Exclude<LicenseFeeState, 'pending'>,
    at: Date,
    result: { providerChargeId?: string; declineCode?: string; invoiceId?: string },
  ) {
    const logged: Item = {
      attemptId: fee.attemptId,
      outcome: state,
      paymentMethod: fee.paymentMethod,
      at: at.toISOString(),
    };
    const values: Record<string, unknown> = {
      ':state': state,
      ':at': at.toISOString(),
      ':pending': 'pending',
      ':attemptId': fee.attemptId,
      ':empty': [],
    };
    const sets = [
      '#state = :state',
      'settledAt = :at',
      'attempts = list_append(if_not_exists(attempts, :empty), :logged)',
    ];
    for (const [name, value] of Object.entries(result)) {
      if (value === undefined) continue;
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
      logged[name] = value;
    }
    values[':logged'] = [logged];
    return {
      Update: {
        TableName: this.tableName,
        Key: licenseFeeKey(fee.partnerId, fee.period),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#state = :pending AND attemptId = :attemptId',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: values,
      },
    };
  }
}

function dueItem(fee: LicenseFee): Item {
  return {
    ...licenseDueKey(fee.partnerId, fee.period),
    type: 'license-fee-due',
    partnerId: fee.partnerId,
    period: fee.period,
  };
}

function licenseFeeToItem(fee: LicenseFee): Item {
  return {
    ...licenseFeeKey(fee.partnerId, fee.period),
    type: 'license-fee',
    partnerId: fee.partnerId,
    period: fee.period,
    currency: fee.currency,
    numbers: fee.charge.numbers,
    feePerNumber: fee.charge.feePerNumber,
    fees: fee.charge.fees,
    cardFee: fee.charge.cardFee,
    total: fee.charge.total,
    attemptNumber: fee.attemptNumber,
    attemptId: fee.attemptId,
    paymentMethod: fee.paymentMethod,
    ...(fee.paymentCustomerId !== undefined && { paymentCustomerId: fee.paymentCustomerId }),
    state: fee.state,
    createdAt: fee.createdAt.toISOString(),
    attemptedOn: fee.attemptedOn,
    openedAt: fee.openedAt.toISOString(),
    priorDeclinesOnCard: fee.priorDeclinesOnCard,
  };
}

function itemToLicenseFee(item: Item): LicenseFee {
  return {
    partnerId: item.partnerId as string,
    period: item.period as Month,
    currency: item.currency as Currency,
    charge: {
      numbers: item.numbers as number,
      feePerNumber: micros(item.feePerNumber as number),
      fees: micros(item.fees as number),
      cardFee: micros(item.cardFee as number),
      total: micros(item.total as number),
    },
    attemptNumber: item.attemptNumber as number,
    attemptId: item.attemptId as string,
    paymentMethod: item.paymentMethod as string,
    ...(item.paymentCustomerId !== undefined && { paymentCustomerId: item.paymentCustomerId as string }),
    state: item.state as LicenseFeeState,
    createdAt: new Date(item.createdAt as string),
    attemptedOn: item.attemptedOn as Day,
    openedAt: new Date((item.openedAt ?? item.createdAt) as string),
    priorDeclinesOnCard: (item.priorDeclinesOnCard as number | undefined) ?? 0,
    ...(item.settledAt !== undefined && { settledAt: new Date(item.settledAt as string) }),
    ...(item.providerChargeId !== undefined && { providerChargeId: item.providerChargeId as string }),
    ...(item.declineCode !== undefined && { declineCode: item.declineCode as string }),
    ...(item.invoiceId !== undefined && { invoiceId: item.invoiceId as string }),
    ...(item.lastError !== undefined && { lastError: item.lastError as string }),
  };
}
