/**
 * The recharge harness plus finance payments and monthly reconciliation on the same
 * table, with recorded recharge requests, and the steps a test needs to put a partner
 * into a given standing.
 */
import { DynamoDbDailyRunRepository } from '../../functions/adapters/dynamodb/daily-run-repository';
import { DynamoDbMonthBooks } from '../../functions/adapters/dynamodb/month-books';
import { DynamoDbReconciliationRepository } from '../../functions/adapters/dynamodb/reconciliation-repository';
import {
  type PaymentResult,
  type RecordPaymentDependencies,
  recordPayment,
} from '../../functions/domain/finance/record-payment';
import {
  type ReconcileMonthDependencies,
  type ReconcileResult,
  reconcileMonth,
} from '../../functions/domain/finance/reconcile-month';
import type { LedgerEntry } from '../../functions/domain/ledger';
import { parseAmount } from '../../functions/domain/money';
import { BalanceFollowUp } from '../../functions/domain/usage/balance-follow-up';
import { RechargeHarness } from './recharge-harness';
import { RecordingRechargeRequests } from './recording-recharge-requests';
import { block, startOverdueClock } from './standing';

export class FinanceHarness {
  readonly rechargeRequests = new RecordingRechargeRequests();
  readonly reconciliations: DynamoDbReconciliationRepository;
  readonly runs: DynamoDbDailyRunRepository;
  readonly deps: ReconcileMonthDependencies & RecordPaymentDependencies;

  private constructor(readonly recharge: RechargeHarness) {
    const { client, tableName } = recharge.table;
    this.reconciliations = new DynamoDbReconciliationRepository(client, tableName);
    this.runs = new DynamoDbDailyRunRepository(client, tableName);
    // The recharge harness's ports and these, with its fault points around them.
    const { ledger, channels, clock } = recharge.deps;
    this.deps = {
      ledger,
      channels,
      clock,
      reconciliations: recharge.decorate('reconciliations', this.reconciliations),
      months: recharge.decorate('months', new DynamoDbMonthBooks(client, tableName)),
      followUp: new BalanceFollowUp({
        ledger,
        clock,
        recharges: recharge.decorate('recharges', this.rechargeRequests),
      }),
    };
  }

  static async start(): Promise<FinanceHarness> {
    return new FinanceHarness(await RechargeHarness.start());
  }

  stop(): Promise<void> {
    return this.recharge.stop();
  }

  get events() {
    return this.recharge.events;
  }

  at(time: string): void {
    this.recharge.clock.set(new Date(time));
  }

  pay(partnerId: string, amount: string, reference: string): Promise<PaymentResult> {
    return recordPayment({ partnerId, amount: parseAmount(amount), reference }, this.deps);
  }

  reconcile(partnerId: string, period: string, actualAmount: string): Promise<ReconcileResult> {
    return reconcileMonth({ partnerId, period, actualAmount: parseAmount(actualAmount) }, this.deps);
  }

  /** Usage posted at `time`, the way ingestion moves the balance. */
  async spendAt(partnerId: string, amount: string, key: string, time: string): Promise<void> {
    this.at(time);
    await this.recharge.spend(partnerId, amount, key);
  }

  /** Blocks a partner whose balance is below 0, with its channels, as the daily run does after 7 days. */
  async block(partnerId: string): Promise<void> {
    const now = this.recharge.clock.now();
    await startOverdueClock(this.recharge.ledger, partnerId, now);
    if (!(await block(this.recharge.ledger, this.runs, partnerId, now)))
      throw new Error(`partner ${partnerId} could not be blocked`);
    await this.recharge.channels.setBlocked(partnerId, true);
  }

  async entries(partnerId: string): Promise<readonly LedgerEntry[]> {
    return (await this.recharge.ledger.ledgerPage(partnerId, { limit: 1000 })).entries;
  }

  async channelStatuses(partnerId: string): Promise<string[]> {
    return (await this.recharge.channels.listForPartner(partnerId)).map((channel) => channel.status);
  }
}
