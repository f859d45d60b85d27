/**
 * The recharge use case wired to a fresh table, the sandbox card provider, a pinned clock
 * and faults at its ports; and the use case the webhook runs on the provider's reports,
 * fed with the sandbox's events as the webhook's reader gives them to it.
 */
import { DynamoDbChannelRepository } from '../../functions/adapters/dynamodb/channel-repository';
import { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import { DynamoDbOpeningBalances } from '../../functions/adapters/dynamodb/opening-balances';
import { DynamoDbProviderEventLog } from '../../functions/adapters/dynamodb/provider-event-log';
import { DynamoDbRechargeRepository } from '../../functions/adapters/dynamodb/recharge-repository';
import {
  type PaymentIntentEventType,
  SandboxPaymentProvider,
  type StripeShapedEvent,
} from '../../functions/adapters/payments/sandbox-payment-provider';
import { type Currency, parseAmount } from '../../functions/domain/money';
import { type OpenAccountResult, openAccount } from '../../functions/domain/partners/open-account';
import type { RechargeTrigger } from '../../functions/domain/recharge/charge-attempt';
import type { CardRole } from '../../functions/domain/recharge/payment-provider';
import { DEFAULT_RECHARGE_SETTINGS, type RechargeSettings } from '../../functions/domain/recharge-rules';
import type { ChargeAttempt, Invoice } from '../../functions/domain/recharge/charge-attempt';
import {
  type ProviderEventDependencies,
  type ProviderEventOutcome,
  applyProviderEvent,
} from '../../functions/domain/recharge/apply-provider-event';
import type { ProviderEvent } from '../../functions/domain/recharge/provider-events';
import {
  type RechargeDependencies,
  type RechargeResult,
  rechargePartner,
} from '../../functions/domain/recharge/recharge-partner';
import { wireMoneyBack } from '../../functions/wiring/money-back';
import type { PortDecorator } from '../../functions/wiring/port-decorator';
import { type RechargeWiring, wireRecharge } from '../../functions/wiring/recharge';
import { type TestTable, createTestTable } from './billing-table';
import { FaultSwitch } from './fault-switch';
import { faultyPorts } from './faulty-ports';
import { RecordingRechargeRequests } from './recording-recharge-requests';
import { RelayedEvents } from './relayed-events';
import { debitUsage } from './usage-debit';
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
  /** What the provider's reports asked of the recharge queue. */
  readonly requests = new RecordingRechargeRequests();
  /** The webhook's use case on the same ports, its event log and queue behind fault points too. */
  readonly reportDeps: ProviderEventDependencies;

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
    this.reportDeps = {
      ...wireMoneyBack(this.wiring, this.decorate('recharges', this.requests)),
      events: this.decorate('events', new DynamoDbProviderEventLog(table.client, table.tableName)),
    };
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

  /** Applies one provider report, as the webhook does once the delivery's signature is checked. */
  report(event: ProviderEvent): Promise<ProviderEventOutcome> {
    return applyProviderEvent(event, this.reportDeps);
  }

  /** The sandbox's reports about the charge of an attempt, oldest first, optionally of one type. */
  chargeReports(attempt: ChargeAttempt | undefined, type?: PaymentIntentEventType): ProviderEvent[] {
    if (attempt === undefined) throw new Error('no attempt to find the reports of');
    return this.provider.events
      .filter((event) => type === undefined || event.type === type)
      .map(reportOf)
      .filter((report) => report.kind === 'charge-changed' && report.attemptId === attempt.attemptId);
  }

  /** The sandbox's report that a setup session saved a card. */
  setupReport(sessionId: string): ProviderEvent {
    const report = this.provider.events
      .map(reportOf)
      .find((candidate) => candidate.kind === 'card-saved' && candidate.sessionId === sessionId);
    if (report === undefined) throw new Error(`the sandbox reported no card saved by ${sessionId}`);
    return report;
  }

  /** The stored attempt, as the repository reads it. */
  async attempt(partnerId: string, attemptId: string | undefined): Promise<ChargeAttempt | undefined> {
    return attemptId === undefined ? undefined : this.attempts.getAttempt(partnerId, attemptId);
  }

  /** Usage of `amount`, debited the way ingestion debits it. */
  async spend(partnerId: string, amount: string, key: string): Promise<void> {
    await debitUsage(this.table.client, this.table.tableName, { partnerId, amount, key, at: this.clock.now() });
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

  /** Every charge the provider made for the partner on `paymentMethod`, whatever its outcome. */
  chargesOn(partnerId: string, paymentMethod: string): number {
    return this.provider.charges.filter(
      (charge) => charge.request.partnerId === partnerId && charge.request.paymentMethod === paymentMethod,
    ).length;
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

/**
 * A sandbox event as the webhook's reader hands it to the use case: a nudge naming the
 * attempt and the charge (from the metadata of the PaymentIntent, or of the payment page it
 * is paid on), or the setup that saved a card.
 */
function reportOf(event: StripeShapedEvent): ProviderEvent {
  const base = { eventId: event.id, occurredAt: new Date(event.created * 1000) };
  const object = event.data.object;
  if (object.object === 'checkout.session' && object.mode === 'setup')
    return {
      ...base,
      kind: 'card-saved',
      partnerId: object.metadata.partnerId,
      role: object.metadata.role,
      sessionId: object.id,
      setupReference: object.setup_intent,
    };
  // Disputes and refunds are the money-back use cases' reports, not this harness's.
  if (object.object !== 'payment_intent' && object.object !== 'checkout.session')
    return { ...base, kind: 'ignored', type: event.type };
  return {
    ...base,
    kind: 'charge-changed',
    partnerId: object.metadata.partnerId,
    attemptId: object.metadata.attemptId,
    providerChargeId: object.id,
  };
}
