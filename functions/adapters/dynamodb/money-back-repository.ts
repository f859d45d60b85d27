/**
 * The books of money that comes back (docs/contract.md §13) on DynamoDB. A charge's
 * credit and what came back of it live on its attempt item; every write that takes
 * credit back names the charge's money-back version it decided from, so concurrent
 * refunds and disputes cannot both take the same credit. Each balance movement is one
 * transaction with its record, ledger entry, posting guard, charge note and events; a
 * credit back (a won dispute, a refused refund part) restores standing as any credit does.
 */
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CurrencyMismatchError, UnknownPartnerError } from '../../domain/errors';
import type { DomainEvent } from '../../domain/events';
import type {
  CreditedCharge,
  DisputeRecord,
  DisputeStep,
  MoneyBackRepository,
  OpenRefundOutcome,
  OperatorRefund,
  ProviderRefundBooking,
} from '../../domain/money-back/money-back-ports';
import { type Currency, type Micros, add, formatAmount, negate } from '../../domain/money';
import type { PartnerAccount } from '../../domain/partner';
import type { CreditEvents, PageRequest } from '../../domain/ports';
import { updateIf } from './conditional-update';
import { creditWithStanding, planStanding } from './credit-writes';
import { type Item, itemToCreditedCharge, itemToPartner } from './items';
import { ATTEMPT_PREFIX, attemptKey, disputeKey, licensedKey, operatorRefundKey, partnerKey } from './keys';
import {
  disputeToItem,
  itemToDispute,
  itemToOperatorRefund,
  operatorRefundToItem,
  providerRefundToItem,
} from './money-back-items';
import { markDisputedCard, moneyBackEntry, noteOnCharge, rolesHolding, withPartnerChanges } from './money-back-writes';
import { type TransactItem, outboxPuts, putOutboxEvent } from './outbox';
import { balanceLimitError, isBalanceLimit, moveBalance, putLedgerEntry, putPostingGuard } from './posting-writes';
import { sortKeyPage } from './sort-key-page';
import { type CancellationReason, cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

/** Rounds of read-decide-write when concurrent postings or card changes keep moving the partner under a write. */
const MONEY_BACK_ROUNDS = 10;

export class DynamoDbMoneyBackRepository implements MoneyBackRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async creditedCharge(partnerId: string, attemptId: string): Promise<CreditedCharge | undefined> {
    const item = await this.get(attemptKey(partnerId, attemptId));
    return item === undefined ? undefined : itemToCreditedCharge(item);
  }

  async creditedCharges(partnerId: string, page: PageRequest) {
    const { items, nextCursor } = await sortKeyPage(
      this.client,
      this.tableName,
      {
        pk: partnerKey(partnerId).pk,
        prefix: ATTEMPT_PREFIX,
        filter: '#state = :succeeded AND attribute_exists(providerChargeId)',
        names: { '#state': 'state' },
        values: { ':succeeded': 'succeeded' },
      },
      page,
      (item) => itemToCreditedCharge(item) as CreditedCharge,
    );
    return { charges: items, ...(nextCursor !== undefined && { nextCursor }) };
  }

  async getDispute(partnerId: string, disputeId: string): Promise<DisputeRecord | undefined> {
    const item = await this.get(disputeKey(partnerId, disputeId));
    return item === undefined ? undefined : itemToDispute(item);
  }

  moveDispute(step: DisputeStep, events: CreditEvents): Promise<'moved' | 'stale'> {
    switch (step.posting) {
      case undefined:
        return this.recordDispute(step, events);
      case 'chargeback':
        return this.bookChargeback(step, events);
      case 'chargeback-reversal':
        return this.reverseChargeback(step, events);
    }
  }

  async bookProviderRefund(
    booking: ProviderRefundBooking,
    events: readonly DomainEvent[],
  ): Promise<'booked' | 'duplicate' | 'stale'> {
    const { charge, creditPart } = booking;
    if (creditPart < 0) throw new RangeError(`a refund's credit part cannot be negative, got ${creditPart}`);
    const entry = moneyBackEntry(
      charge,
      'refund',
      `provider:${booking.refundId}`,
      negate(creditPart),
      booking.at,
      `refund ${booking.refundId} of charge ${charge.providerChargeId}`,
    );
    const debit =
      creditPart > 0
        ? [
            moveBalance(this.tableName, entry),
            putLedgerEntry(this.tableName, entry),
            putPostingGuard(this.tableName, entry),
          ]
        : [];
    try {
      await this.transact([
        {
          Put: {
            TableName: this.tableName,
            Item: providerRefundToItem(booking),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        noteOnCharge(this.tableName, charge, { refunded: creditPart }, charge.moneyBackVersion),
        ...debit,
        ...outboxPuts(this.tableName, charge.partnerId, events),
      ]);
      return 'booked';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      if (isConditionFailure(reasons[0]) || isConditionFailure(reasons[4])) return 'duplicate';
      if (isConditionFailure(reasons[1])) return 'stale';
      if (isConditionFailure(reasons[2]))
        throw refusedMovement(charge.partnerId, entry.currency, entry.amount, reasons[2]);
      throw error;
    }
  }

  async getOperatorRefund(partnerId: string, reference: string): Promise<OperatorRefund | undefined> {
    const item = await this.get(operatorRefundKey(partnerId, reference));
    return item === undefined ? undefined : itemToOperatorRefund(item);
  }

  async openOperatorRefund(refund: OperatorRefund, charges: readonly CreditedCharge[]): Promise<OpenRefundOutcome> {
    assertParts(refund);
    const entry = moneyBackEntry(
      refund,
      'refund',
      `operator:${refund.reference}`,
      negate(refund.amount),
      refund.requestedAt,
      `operator refund ${refund.reference}`,
    );
    const notes = refund.parts.map((part) => {
      const charge = charges.find((candidate) => candidate.attemptId === part.attemptId);
      if (charge === undefined) throw new Error(`refund part on ${part.attemptId} has no charge read for it`);
      return noteOnCharge(this.tableName, charge, { refunded: part.amount }, charge.moneyBackVersion);
    });
    try {
      await this.transact([
        {
          Put: {
            TableName: this.tableName,
            Item: operatorRefundToItem({ ...refund, state: 'open' }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        // The live balance covers the refund, and the partner's single refund slot is free.
        withPartnerChanges(moveBalance(this.tableName, entry), {
          sets: ['refundInFlight = :reference'],
          conditions: ['liveBalance >= :refunded', 'attribute_not_exists(refundInFlight)'],
          values: { ':reference': refund.reference, ':refunded': refund.amount },
        }),
        putLedgerEntry(this.tableName, entry),
        putPostingGuard(this.tableName, entry),
        ...notes,
      ]);
      return 'opened';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      return refusedRefund(refund, reasons, error);
    }
  }

  async settleRefundPart(
    refund: OperatorRefund,
    attemptId: string,
    answer: { readonly refundId: string } | { readonly refusedBecause: string },
    at: Date,
  ): Promise<'settled' | 'already-settled'> {
    const part = refund.parts.find((candidate) => candidate.attemptId === attemptId);
    if (part === undefined) throw new Error(`refund ${refund.reference} has no part on ${attemptId}`);
    if ('refundId' in answer) {
      const settled = await updateIf(
        this.client,
        this.tableName,
        operatorRefundKey(refund.partnerId, refund.reference),
        {
          update: 'SET parts.#part.#state = :refunded, parts.#part.refundId = :refundId',
          condition: 'parts.#part.#state = :open',
          names: { '#part': attemptId, '#state': 'state' },
          values: { ':refunded': 'refunded', ':refundId': answer.refundId, ':open': 'open' },
        },
      );
      return settled ? 'settled' : 'already-settled';
    }
    return this.releasePart(refund, part.attemptId, part.amount, answer.refusedBecause, at);
  }

  async finishOperatorRefund(
    refund: OperatorRefund,
    at: Date,
    event: DomainEvent,
  ): Promise<'finished' | 'already-finished'> {
    // Done only once no part is open any more, as the refund passed in says.
    const partNames = Object.fromEntries(refund.parts.map((part, index) => [`#part${index}`, part.attemptId]));
    const partsSettled = refund.parts.map((_, index) => `parts.#part${index}.#state <> :open`);
    try {
      await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: operatorRefundKey(refund.partnerId, refund.reference),
            UpdateExpression: 'SET #state = :done, finishedAt = :at',
            ConditionExpression: ['#state = :open', ...partsSettled].join(' AND '),
            ExpressionAttributeNames: { '#state': 'state', ...partNames },
            ExpressionAttributeValues: { ':done': 'done', ':open': 'open', ':at': at.toISOString() },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: partnerKey(refund.partnerId),
            UpdateExpression: 'REMOVE refundInFlight',
            ConditionExpression: 'refundInFlight = :reference',
            ExpressionAttributeValues: { ':reference': refund.reference },
          },
        },
        putOutboxEvent(this.tableName, refund.partnerId, event),
      ]);
      return 'finished';
    } catch (error) {
      const stored = cancellationReasons(error)?.[0];
      if (isConditionFailure(stored) && stored?.item?.state === 'done') return 'already-finished';
      throw error;
    }
  }

  async closeAccount(
    partnerId: string,
    at: Date,
    event: DomainEvent,
  ): Promise<'closed' | 'already-closed' | 'unknown-partner'> {
    try {
      await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: partnerKey(partnerId),
            // No clock or block any more: nothing moves a closed account's status again.
            UpdateExpression:
              'SET #status = :closed, closedAt = :at REMOVE overdueSince, blockedAt, belowThresholdSince',
            ConditionExpression: 'attribute_exists(pk) AND #status <> :closed',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':closed': 'closed', ':at': at.toISOString() },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        // Off the monthly run's list: no license fee is charged for a closed account.
        { Delete: { TableName: this.tableName, Key: licensedKey(partnerId) } },
        putOutboxEvent(this.tableName, partnerId, event),
      ]);
      return 'closed';
    } catch (error) {
      const partner = cancellationReasons(error)?.[0];
      if (!isConditionFailure(partner)) throw error;
      return partner?.item === undefined ? 'unknown-partner' : 'already-closed';
    }
  }

  /** A dispute step that moves no money: the record and its events. */
  private async recordDispute(step: DisputeStep, events: CreditEvents): Promise<'moved' | 'stale'> {
    const before = await this.account(step.record.partnerId);
    try {
      await this.transact([
        this.putDispute(step),
        ...outboxPuts(
          this.tableName,
          step.record.partnerId,
          events({ liveBalance: before.liveBalance, unblocked: false }),
        ),
      ]);
      return 'moved';
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return 'stale';
      throw error;
    }
  }

  /**
   * Debits the disputed credit, notes it on the charge at the version it was decided from,
   * and marks the charge's card, in each role that still holds it, as never to be charged again.
   */
  private async bookChargeback(step: DisputeStep, events: CreditEvents): Promise<'moved' | 'stale'> {
    const { record } = step;
    if (step.chargeVersion === undefined) throw new Error(`chargeback of dispute ${record.disputeId} names no version`);
    if (record.chargeback <= 0) throw new RangeError(`a chargeback must be positive, got ${record.chargeback}`);
    const entry = moneyBackEntry(
      record,
      'chargeback',
      record.disputeId,
      negate(record.chargeback),
      record.updatedAt,
      `dispute ${record.disputeId} of charge ${record.providerChargeId}`,
    );
    for (let round = 0; round < MONEY_BACK_ROUNDS; round += 1) {
      const before = await this.account(record.partnerId);
      if (before.currency !== record.currency) throw new CurrencyMismatchError(before.currency, record.currency);
      const roles = rolesHolding(before, step.paymentMethod);
      try {
        await this.transact([
          this.putDispute(step),
          withPartnerChanges(moveBalance(this.tableName, entry), markDisputedCard(step.paymentMethod, roles)),
          putLedgerEntry(this.tableName, entry),
          putPostingGuard(this.tableName, entry),
          noteOnCharge(this.tableName, record, { disputed: record.chargeback }, step.chargeVersion),
          ...outboxPuts(
            this.tableName,
            record.partnerId,
            events({ liveBalance: add(before.liveBalance, entry.amount), unblocked: false }),
          ),
        ]);
        return 'moved';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        if (isConditionFailure(reasons[0]) || isConditionFailure(reasons[4])) return 'stale';
        if (isConditionFailure(reasons[3])) throw new Error(`${entry.entryId} is booked, its dispute step is not`);
        if (!isConditionFailure(reasons[1])) throw error;
        // The card moved to or from a role meanwhile: decide again; otherwise the debit itself was refused.
        const partner = reasons[1]?.item;
        if (partner !== undefined && sameRoles(rolesHolding(itemToPartner(partner), step.paymentMethod), roles))
          throw refusedMovement(record.partnerId, record.currency, entry.amount, reasons[1]);
      }
    }
    throw new Error(`could not book ${entry.entryId} in ${MONEY_BACK_ROUNDS} rounds of concurrent changes`);
  }

  /** Credits a chargeback back, restoring the partner's standing as any credit does, and gives it back to the charge. */
  private async reverseChargeback(step: DisputeStep, events: CreditEvents): Promise<'moved' | 'stale'> {
    const { record } = step;
    if (record.chargeback <= 0)
      throw new RangeError(`a chargeback reversal must be positive, got ${record.chargeback}`);
    const entry = moneyBackEntry(
      record,
      'chargeback-reversal',
      record.disputeId,
      record.chargeback,
      record.updatedAt,
      `dispute ${record.disputeId} won`,
    );
    const moved = await this.creditBack(
      entry,
      [this.putDispute(step)],
      noteOnCharge(this.tableName, record, { disputed: negate(record.chargeback) }),
      events,
    );
    return moved === 'refused' ? 'stale' : 'moved';
  }

  /** A refused part of an operator refund: its credit comes back to the balance and to its charge. */
  private async releasePart(
    refund: OperatorRefund,
    attemptId: string,
    amount: Micros,
    reason: string,
    at: Date,
  ): Promise<'settled' | 'already-settled'> {
    const entry = moneyBackEntry(
      refund,
      'refund-release',
      `${refund.reference}:${attemptId}`,
      amount,
      at,
      `refund ${refund.reference}: part on ${attemptId} refused`,
    );
    const settlePart = {
      Update: {
        TableName: this.tableName,
        Key: operatorRefundKey(refund.partnerId, refund.reference),
        UpdateExpression: 'SET parts.#part.#state = :refused, parts.#part.reason = :reason',
        ConditionExpression: 'parts.#part.#state = :open',
        ExpressionAttributeNames: { '#part': attemptId, '#state': 'state' },
        ExpressionAttributeValues: { ':refused': 'refused', ':reason': reason.slice(0, 1_000), ':open': 'open' },
      },
    };
    // Nobody composes events for a release: the partner it unblocks is announced here.
    const moved = await this.creditBack(
      entry,
      [settlePart],
      noteOnCharge(this.tableName, { partnerId: refund.partnerId, attemptId }, { refunded: negate(amount) }),
      ({ liveBalance, unblocked }) => (unblocked ? [unblockedEvent(refund, liveBalance, at)] : []),
    );
    return moved === 'refused' ? 'already-settled' : 'settled';
  }

  /**
   * A credit back with standing, decided from a read of the partner and written again when
   * a concurrent posting moved what the decision assumed: the step's own record writes
   * first (`refused` when their condition fails), then the credit, its entry and guard,
   * the charge's note and the events.
   */
  private async creditBack(
    entry: ReturnType<typeof moneyBackEntry>,
    records: readonly TransactItem[],
    chargeNote: TransactItem,
    events: CreditEvents,
  ): Promise<'credited' | 'refused'> {
    const at = records.length;
    for (let round = 0; round < MONEY_BACK_ROUNDS; round += 1) {
      const before = await this.account(entry.partnerId);
      if (before.currency !== entry.currency) throw new CurrencyMismatchError(before.currency, entry.currency);
      const plan = planStanding(before, entry.amount);
      const unblocked = plan.wasBlocked && plan.restoresStanding;
      try {
        await this.transact([
          ...records,
          creditWithStanding(this.tableName, entry, plan, {
            conditions: ['currency = :currency'],
            values: { ':currency': entry.currency },
          }),
          putLedgerEntry(this.tableName, entry),
          putPostingGuard(this.tableName, entry),
          chargeNote,
          ...outboxPuts(
            this.tableName,
            entry.partnerId,
            events({ liveBalance: add(before.liveBalance, entry.amount), unblocked }),
          ),
        ]);
        return 'credited';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        if (reasons.slice(0, at).some(isConditionFailure)) return 'refused';
        if (isConditionFailure(reasons[at + 2])) throw new Error(`${entry.entryId} is booked, its step is not`);
        if (isConditionFailure(reasons[at + 3]))
          throw new Error(`${entry.entryId}: the charge does not hold the credit it gives back`);
        // The balance, threshold or status moved between the read and the write: decide again.
        if (!isConditionFailure(reasons[at])) throw error;
      }
    }
    throw new Error(`could not post ${entry.entryId} in ${MONEY_BACK_ROUNDS} rounds of concurrent balance changes`);
  }

  private putDispute(step: DisputeStep) {
    return {
      Put: {
        TableName: this.tableName,
        Item: disputeToItem(step.record),
        // Applied only from the state it was decided in.
        ConditionExpression: step.from === undefined ? 'attribute_not_exists(pk)' : '#state = :from',
        ...(step.from !== undefined && {
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':from': step.from },
        }),
      },
    };
  }

  private async account(partnerId: string): Promise<PartnerAccount> {
    const item = await this.get(partnerKey(partnerId));
    if (item === undefined) throw new UnknownPartnerError(partnerId);
    return itemToPartner(item);
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return item;
  }

  private async transact(items: TransactItem[]): Promise<void> {
    await retryOnContention(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
  }
}

/** The parts of a refund are one per charge and add up to its amount, which the ledger debits. */
function assertParts(refund: OperatorRefund): void {
  const charges = new Set(refund.parts.map((part) => part.attemptId));
  const total = refund.parts.reduce((sum, part) => sum + part.amount, 0);
  if (charges.size !== refund.parts.length || total !== refund.amount || refund.parts.some((part) => part.amount <= 0))
    throw new RangeError(
      `refund ${refund.reference} of ${formatAmount(refund.amount)} needs one positive part per charge adding up to it`,
    );
}

/** Why opening a refund was refused, items in the order refund, partner, entry, guard, then the charges. */
function refusedRefund(
  refund: OperatorRefund,
  reasons: readonly CancellationReason[],
  error: unknown,
): OpenRefundOutcome {
  const [stored, partnerReason, , guard] = reasons;
  if (isConditionFailure(stored) || isConditionFailure(guard)) return 'exists';
  if (isConditionFailure(partnerReason)) {
    const partner = partnerReason?.item;
    if (partner === undefined) return 'unknown-partner';
    if (partner.currency !== refund.currency)
      throw new CurrencyMismatchError(partner.currency as string, refund.currency);
    if (partner.refundInFlight !== undefined) return 'busy';
    return 'balance-too-low';
  }
  if (reasons.slice(4).some(isConditionFailure)) return 'charges-changed';
  throw error;
}

/** Why a balance movement was refused: no such partner, another currency, or the balance's limit. */
function refusedMovement(
  partnerId: string,
  currency: Currency,
  amount: Micros,
  reason: CancellationReason | undefined,
): Error {
  const partner = reason?.item;
  if (partner === undefined) return new UnknownPartnerError(partnerId);
  if (isBalanceLimit(partner, currency)) return balanceLimitError(partnerId, partner.liveBalance as number, amount);
  return new CurrencyMismatchError(partner.currency as string, currency);
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

function unblockedEvent(refund: OperatorRefund, liveBalance: Micros, at: Date): DomainEvent {
  return {
    type: 'PartnerUnblocked',
    time: at,
    detail: {
      partnerId: refund.partnerId,
      currency: refund.currency,
      liveBalance: formatAmount(liveBalance),
      reference: refund.reference,
    },
  };
}
