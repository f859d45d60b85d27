/**
 * The books of money that comes back on a test table: partners, charges that credited
 * them as a recharge settles them, the repositories, and what a test reads back (the
 * balance against its ledger, the events each write committed).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDailyRunRepository } from '../../functions/adapters/dynamodb/daily-run-repository';
import { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import { DynamoDbMoneyBackRepository } from '../../functions/adapters/dynamodb/money-back-repository';
import { itemToOutboxEvent, outboxPartition } from '../../functions/adapters/dynamodb/outbox';
import { DynamoDbRechargeRepository } from '../../functions/adapters/dynamodb/recharge-repository';
import type { DomainEvent, EventType } from '../../functions/domain/events';
import type { LedgerEntry } from '../../functions/domain/ledger';
import type { CreditedCharge } from '../../functions/domain/money-back/money-back-ports';
import { type Currency, cardFee, cardTotal, parseAmount } from '../../functions/domain/money';
import type { PartnerAccount } from '../../functions/domain/partner';
import { DEFAULT_RECHARGE_SETTINGS } from '../../functions/domain/recharge-rules';
import { type ChargeAttempt, newAttemptId } from '../../functions/domain/recharge/charge-attempt';
import type { TestTable } from './billing-table';
import { debitUsage } from './usage-debit';

export class MoneyBackBooks {
  readonly ledger: DynamoDbLedgerRepository;
  readonly attempts: DynamoDbRechargeRepository;
  readonly moneyBack: DynamoDbMoneyBackRepository;
  readonly runs: DynamoDbDailyRunRepository;

  constructor(readonly table: TestTable) {
    this.ledger = new DynamoDbLedgerRepository(table.client, table.tableName);
    this.attempts = new DynamoDbRechargeRepository(table.client, table.tableName);
    this.moneyBack = new DynamoDbMoneyBackRepository(table.client, table.tableName);
    this.runs = new DynamoDbDailyRunRepository(table.client, table.tableName);
  }

  async openPartner(
    partnerId: string,
    opening: string,
    options: { at?: Date; currency?: Currency; backupPaymentMethod?: string } = {},
  ): Promise<void> {
    await this.ledger.createPartner({
      account: {
        partnerId,
        currency: options.currency ?? 'EUR',
        paymentMethod: 'pm_card_visa',
        ...(options.backupPaymentMethod !== undefined && { backupPaymentMethod: options.backupPaymentMethod }),
        rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
        createdAt: options.at ?? new Date('2026-11-01T09:00:00Z'),
      },
      openingBalance: parseAmount(opening),
    });
  }

  /** A recharge of `credit` on the partner's primary card, opened and settled as paid at `at`. */
  async charge(partnerId: string, credit: string, at: Date): Promise<CreditedCharge> {
    const attempt = await this.openCharge(partnerId, credit, at);
    const settled = await this.attempts.settleSucceeded(attempt, `pi_${attempt.attemptId}`, at, () => []);
    if (settled.outcome !== 'settled') throw new Error(`attempt ${attempt.attemptId} was settled before`);
    return this.creditedCharge(partnerId, attempt.attemptId);
  }

  /** A recharge of `credit` recorded as sent to the card, not settled yet. */
  async openCharge(partnerId: string, credit: string, at: Date): Promise<ChargeAttempt> {
    const account = await this.account(partnerId);
    const amount = parseAmount(credit);
    const attempt: ChargeAttempt = {
      partnerId,
      attemptId: newAttemptId(at),
      purpose: 'recharge',
      trigger: 'below-threshold',
      charge: { credit: amount, fee: cardFee(amount), total: cardTotal(amount) },
      currency: account.currency,
      paymentMethod: account.paymentMethod,
      cardRole: 'primary',
      state: 'pending',
      createdAt: at,
    };
    const opened = await this.attempts.openAttempt(attempt);
    if (opened !== 'opened') throw new Error(`attempt of ${partnerId} was not opened: ${opened}`);
    return attempt;
  }

  async creditedCharge(partnerId: string, attemptId: string): Promise<CreditedCharge> {
    const charge = await this.moneyBack.creditedCharge(partnerId, attemptId);
    if (charge === undefined) throw new Error(`attempt ${attemptId} of ${partnerId} credited nothing`);
    return charge;
  }

  async account(partnerId: string): Promise<PartnerAccount> {
    const account = await this.ledger.getPartner(partnerId);
    if (account === undefined) throw new Error(`partner ${partnerId} does not exist`);
    return account;
  }

  /** Usage of `amount`, debited as ingestion debits it. */
  async spend(partnerId: string, amount: string, key: string, at: Date): Promise<void> {
    await debitUsage(this.table.client, this.table.tableName, { partnerId, amount, key, at });
  }

  async entries(partnerId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.ledger.ledgerPage(partnerId, { limit: 100, ...(cursor !== undefined && { cursor }) });
      entries.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return entries;
  }

  /** The live balance and the sum of the ledger: the two must always agree. */
  async books(partnerId: string): Promise<{ liveBalance: number; ledgerSum: number }> {
    const entries = await this.entries(partnerId);
    return {
      liveBalance: (await this.account(partnerId)).liveBalance,
      ledgerSum: entries.reduce((total, entry) => total + entry.amount, 0),
    };
  }

  /** The events committed to the partner's outbox, oldest first, optionally of one type. */
  async events(partnerId: string, type?: EventType): Promise<DomainEvent[]> {
    const { Items: items = [] } = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': outboxPartition(partnerId) },
        ConsistentRead: true,
      }),
    );
    return items
      .map(itemToOutboxEvent)
      .filter((event): event is DomainEvent => event !== undefined && (type === undefined || event.type === type));
  }
}
