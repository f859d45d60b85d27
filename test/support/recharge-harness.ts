/** The recharge use case wired to a fresh table, the sandbox card provider, a pinned clock and faults at its ports. */
import { DynamoDbChannelRepository } from '../../functions/adapters/dynamodb/channel-repository';
import { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import { DynamoDbOpeningBalances } from '../../functions/adapters/dynamodb/opening-balances';
import { DynamoDbRechargeRepository } from '../../functions/adapters/dynamodb/recharge-repository';
import { SandboxPaymentProvider } from '../../functions/adapters/payments/sandbox-payment-provider';
import { type Currency, parseAmount } from '../../functions/domain/money';
import { type OpenAccountResult, openAccount } from '../../functions/domain/partners/open-account';
import type { RechargeTrigger } from '../../functions/domain/recharge/charge-attempt';
import type { CardRole } from '../../functions/domain/recharge/payment-provider';
import { DEFAULT_RECHARGE_SETTINGS, type RechargeSettings } from '../../functions/domain/recharge-rules';
import type { Invoice } from '../../functions/domain/recharge/charge-attempt';
import {
  type RechargeDependencies,
  type RechargeResult,
  rechargePartner,
} from '../../functions/domain/recharge/recharge-partner';
import type { PortDecorator } from '../../functions/wiring/port-decorator';
import { type RechargeWiring, wireRecharge } from '../../functions/wiring/recharge';
import { type TestTable, createTestTable } from './billing-table';
import { FaultSwitch } from './fault-switch';
import { faultyPorts } from './faulty-ports';
import { RelayedEvents } from './relayed-events';
import { TestClock } from './test-clock';

export class RechargeHarness {
  readonly clock = new TestClock(new Date('2026-11-22T09:00:00Z'));
  readonly events: RelayedEvents;
  readonly faults = new FaultSwitch();
  /** Puts the armed fault points around each port the use cases are given. */
  readonly decorate: PortDecorator = faultyPorts(this.faults);
  /** The sandbox's events and setup sessions are stamped by the harness clock, never the wall clock. */
  readonly provider = new SandboxPaymentProvider({ now: () => this.clock.now() });
  /** The test's own view of the table, without faults. */
  readonly ledger: DynamoDbLedgerRepository;
  readonly attempts: DynamoDbRechargeRepository;
  readonly channels: DynamoDbChannelRepository;
  readonly wiring: RechargeWiring;
  readonly deps: RechargeDependencies;

  private constructor(readonly table: TestTable) {
    this.ledger = new DynamoDbLedgerRepository(table.client, table.tableName);
    this.attempts = new DynamoDbRechargeRepository(table.client, table.tableName);
    this.channels = new DynamoDbChannelRepository(table.client, table.tableName);
    this.events = new RelayedEvents(table);
    this.wiring = {
      dynamoDb: table.client,
      tableName: table.tableName,
      provider: this.provider,
      clock: this.clock,
      decorate: this.decorate,
    };
    this.deps = wireRecharge(this.wiring);
  }

  static async start(): Promise<RechargeHarness> {
    return new RechargeHarness(await createTestTable());
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.table.drop();
  }

  open(
    partnerId: string,
    remainder: string,
    options: { paymentMethod?: string; currency?: Currency; settings?: RechargeSettings } = {},
  ): Promise<OpenAccountResult> {
    return openAccount(
      {
        partnerId,
        currency: options.currency ?? 'EUR',
        paymentMethod: options.paymentMethod ?? 'pm_card_visa',
        previousInvoiceRemainder: parseAmount(remainder),
        rechargeSettings: options.settings ?? DEFAULT_RECHARGE_SETTINGS,
      },
      {
        ...this.deps,
        openings: this.decorate('openings', new DynamoDbOpeningBalances(this.table.client, this.table.tableName)),
      },
    );
  }

  /** Puts a card in a role as the partner chose it now (by the harness clock), as the API does. */
  async setCard(partnerId: string, paymentMethod: string, role: CardRole = 'primary'): Promise<void> {
    const set = await this.ledger.setCard({ partnerId, role, paymentMethod, at: this.clock.now() });
    if (set !== 'set') throw new Error(`the ${role} card of ${partnerId} was not set: ${set}`);
  }

  recharge(partnerId: string, trigger: RechargeTrigger = 'below-threshold'): Promise<RechargeResult> {
    return rechargePartner(partnerId, trigger, this.deps);
  }

  /** Usage of `amount` as one ledger posting, the way ingestion moves the balance. */
  async spend(partnerId: string, amount: string, key: string): Promise<void> {
    await this.ledger.post({
      partnerId,
      currency: 'EUR',
      kind: 'usage',
      idempotencyKey: key,
      amount: parseAmount(`-${amount}`),
      postedAt: this.clock.now(),
    });
  }

  async invoices(partnerId: string): Promise<readonly Invoice[]> {
    return (await this.attempts.invoicesPage(partnerId, { limit: 100 })).invoices;
  }

  async ledgerSum(partnerId: string): Promise<number> {
    const { entries } = await this.ledger.ledgerPage(partnerId, { limit: 1000 });
    return entries.reduce((total, entry) => total + entry.amount, 0);
  }

  /** Credits per attempt id, from the ledger. */
  async credits(partnerId: string): Promise<Map<string, number>> {
    const { entries } = await this.ledger.ledgerPage(partnerId, { limit: 1000 });
    return new Map(
      entries.filter((entry) => entry.kind === 'recharge').map((entry) => [entry.idempotencyKey, entry.amount]),
    );
  }

  /** Successful card charges per idempotency key, from the provider. */
  successfulCharges(partnerId: string): Map<string, number> {
    return new Map(
      this.provider.charges
        .filter((charge) => charge.request.partnerId === partnerId && charge.result.outcome === 'succeeded')
        .map((charge) => [charge.request.idempotencyKey, charge.request.amountCents]),
    );
  }
}
