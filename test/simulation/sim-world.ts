/**
 * The system under simulation: the production handlers, wired by the production wiring
 * to a fresh billing table on DynamoDB Local, with the simulated clock, SQS and card
 * network, recorded events, and random faults before and after every call of every port
 * the wiring builds (its `decorate` hook). The card network's reports reach the use case
 * of the webhook (`applyProviderEvent`) through the same kind of faulty ports, and so do
 * the operator's refunds and closures (`wireMoneyBack`). A variant may replace the usage
 * ledger or the card provider, to prove the simulator notices a broken rule.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client';
import { DynamoDbChannelRepository } from '../../functions/adapters/dynamodb/channel-repository';
import { DynamoDbDailyRunRepository } from '../../functions/adapters/dynamodb/daily-run-repository';
import { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import { DynamoDbLicenseRepository } from '../../functions/adapters/dynamodb/license-repository';
import { DynamoDbMoneyBackRepository } from '../../functions/adapters/dynamodb/money-back-repository';
import { DynamoDbRechargeRepository } from '../../functions/adapters/dynamodb/recharge-repository';
import { SqsDailyWorkQueue } from '../../functions/adapters/sqs/sqs-daily-work-queue';
import { SqsRechargeRequests } from '../../functions/adapters/sqs/sqs-recharge-requests';
import type { MoneyBackDependencies } from '../../functions/domain/money-back/money-back-dependencies';
import type { CardProvider } from '../../functions/domain/card-provider';
import type { LedgerRepository, RechargeRequests, UsageLedger } from '../../functions/domain/ports';
import { parseLicenseFeeSchedule } from '../../functions/domain/monthly/license-fee';
import { type ProviderEventOutcome, applyProviderEvent } from '../../functions/domain/recharge/apply-provider-event';
import type { ProviderEvent, ProviderEventReader } from '../../functions/domain/recharge/provider-events';
import { createApiHandler } from '../../functions/handlers/api';
import { createDailyRunHandler } from '../../functions/handlers/daily-run';
import { createDailyShardHandler } from '../../functions/handlers/daily-shard';
import { createIngestUsageHandler } from '../../functions/handlers/ingest-usage';
import { createMonthlyRunHandler } from '../../functions/handlers/monthly-run';
import { createPublishEventsHandler } from '../../functions/handlers/publish-events';
import { wirePublishEvents } from '../../functions/wiring/publish-events';
import { createRechargeHandler } from '../../functions/handlers/recharge';
import { apiDependencies } from '../../functions/wiring/api';
import { wireIngestUsage } from '../../functions/wiring/ingest-usage';
import { wireMoneyBack } from '../../functions/wiring/money-back';
import { wireDailyRun, wireMonthlyRun, wireRecharge } from '../../functions/wiring/recharge';
import type { PortDecorator } from '../../functions/wiring/port-decorator';
import { wireStripeWebhook } from '../../functions/wiring/stripe-webhook';
import { createBillingTable } from '../../local/create-tables';
import { type StreamRelay, startStreamRelay } from '../../local/stream-relay';
import { faultyPorts } from '../support/faulty-ports';
import { RecordingPublisher } from '../support/recording-publisher';
import { TestClock } from '../support/test-clock';
import { ProviderReports } from './provider-reports';
import { RandomFaults } from './random-faults';
import { SimulatedCardNetwork } from './simulated-card-network';
import { SimulatedQueue, SimulatedSqs } from './simulated-sqs';

/** Replaces a production part by a broken one; the simulator must then report a broken invariant. */
export interface Variant {
  readonly name: string;
  readonly usageLedger?: (real: UsageLedger) => UsageLedger;
  readonly provider?: (real: CardProvider) => CardProvider;
  /** Wraps the adapters of the wiring's ports, by port name, inside their fault points. */
  readonly ports?: PortDecorator;
}

export interface WorldOptions {
  readonly seed: number;
  readonly dynamoDbEndpoint: string;
  readonly start: Date;
  readonly faultRate: number;
  readonly timeoutRate: number;
  readonly refusalRate: number;
  readonly variant?: Variant;
}

/** Usage pollers running at once; each has its own fault injector, so crashes do not depend on which is faster. */
export const INGEST_SLOTS = 3;

/** Lambda's SQS visibility timeouts: how long a failed message waits before it comes back. */
const VISIBILITY_MS = { usage: 30_000, recharges: 60_000, dailyWork: 120_000 };

export const OPERATOR_NAME = '360dialog';

/** The simulated clock: the card network hears each move, as Stripe's banks open disputes while time passes. */
class NetworkClock extends TestClock {
  onMove: () => void = () => undefined;

  override set(to: Date): void {
    super.set(to);
    this.onMove();
  }
}

/** The webhook wiring's reader, never asked: the simulator hands the use case reports already read. */
const UNREAD: ProviderEventReader = {
  read: async () => ({ kind: 'refused', reason: 'the simulator applies reports as read, without a signed body' }),
};

export class SimWorld {
  readonly clock: NetworkClock;
  /** Faults of every handler but the concurrent ingestion slots and the event relay. */
  readonly faults: RandomFaults;
  readonly ingestFaults: readonly RandomFaults[];
  readonly cards: SimulatedCardNetwork;
  /** The network's reports on their way to the webhook. */
  readonly reports: ProviderReports;
  readonly sqs = new SimulatedSqs();
  readonly usage: SimulatedQueue;
  readonly deadLetters: SimulatedQueue;
  readonly recharges: SimulatedQueue;
  readonly dailyWork: SimulatedQueue;
  readonly ledger: DynamoDbLedgerRepository;
  readonly attempts: DynamoDbRechargeRepository;
  readonly runs: DynamoDbDailyRunRepository;
  readonly licenses: DynamoDbLicenseRepository;
  readonly channels: DynamoDbChannelRepository;
  readonly moneyBack: DynamoDbMoneyBackRepository;
  readonly handlers;
  /**
   * What operator refunds and closures run with (`refundBalance`, `closeAccount`): the
   * recharge ports, the books of money back and the provider's refunds, each with its fault points.
   */
  readonly moneyBackUseCases: MoneyBackDependencies;
  /** What an operator tool or a setup page changes directly: the ledger and the recharge queue, with faults. */
  readonly operator: { readonly ledger: LedgerRepository; readonly recharges: RechargeRequests };

  private constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly relay: StreamRelay,
    options: WorldOptions,
    /** What reached the bus: usage rejections put directly, everything else relayed from the outbox. */
    readonly events: RecordingPublisher,
    /** Faults of the relay's puts to the bus, before or after the put: records come again. */
    readonly relayFaults: RandomFaults,
  ) {
    this.clock = new NetworkClock(options.start);
    this.faults = new RandomFaults(options.seed, options.faultRate, 'main');
    this.ingestFaults = Array.from(
      { length: INGEST_SLOTS },
      (_, slot) => new RandomFaults(options.seed, options.faultRate, `ingest-${slot}`),
    );
    this.cards = new SimulatedCardNetwork({
      seed: options.seed,
      timeoutRate: options.timeoutRate,
      refusalRate: options.refusalRate,
      now: () => this.clock.now(),
    });
    this.reports = new ProviderReports(options.seed, this.clock);
    this.cards.onReport = (report) => this.reports.add(report);
    this.clock.onMove = () => this.cards.clockMoved();
    this.usage = new SimulatedQueue('usage', this.clock, VISIBILITY_MS.usage);
    this.deadLetters = new SimulatedQueue('usage-dlq', this.clock, VISIBILITY_MS.usage);
    this.recharges = new SimulatedQueue('recharges', this.clock, VISIBILITY_MS.recharges);
    this.dailyWork = new SimulatedQueue('daily-work', this.clock, VISIBILITY_MS.dailyWork);
    this.ledger = new DynamoDbLedgerRepository(client, tableName);
    this.attempts = new DynamoDbRechargeRepository(client, tableName);
    this.runs = new DynamoDbDailyRunRepository(client, tableName);
    this.licenses = new DynamoDbLicenseRepository(client, tableName);
    this.channels = new DynamoDbChannelRepository(client, tableName);
    this.moneyBack = new DynamoDbMoneyBackRepository(client, tableName);

    const variant = options.variant;
    const sqs = this.sqs.asClient();
    const deadLetterQueueUrl = this.sqs.add(this.deadLetters);
    const rechargeQueueUrl = this.sqs.add(this.recharges);
    const dailyWorkQueueUrl = this.sqs.add(this.dailyWork);
    const provider = variant?.provider?.(this.cards) ?? this.cards;
    const faulty = faultyPorts(this.faults);
    const broken = variant?.ports;
    const decorate: PortDecorator =
      broken === undefined ? faulty : (port, adapter) => faulty(port, broken(port, adapter));
    const common = { dynamoDb: client, tableName, events: this.events, clock: this.clock, decorate };
    const ingestion = (faults: RandomFaults) => {
      const deps = wireIngestUsage({
        ...common,
        decorate: faultyPorts(faults),
        sqs,
        deadLetterQueueUrl,
        rechargeQueueUrl,
      });
      return createIngestUsageHandler({
        ...deps,
        usageLedger: variant?.usageLedger?.(deps.usageLedger) ?? deps.usageLedger,
      });
    };
    const recharge = wireRecharge({ ...common, provider });
    // The webhook's use case as the webhook function wires it, each port with its fault points. Reports
    // are applied as the event reader reads them: signatures are the handler's tests' business.
    const webhook = wireStripeWebhook({ ...common, provider, sqs, rechargeQueueUrl, reader: UNREAD }).apply;
    const requests = decorate('recharges', new SqsRechargeRequests(sqs, rechargeQueueUrl));
    this.moneyBackUseCases = wireMoneyBack({ ...common, provider }, requests);
    this.operator = {
      ledger: decorate('ledger', new DynamoDbLedgerRepository(client, tableName)),
      recharges: requests,
    };
    this.handlers = {
      ingestSlots: this.ingestFaults.map(ingestion),
      recharge: createRechargeHandler(recharge),
      dailyRun: createDailyRunHandler(
        wireDailyRun({ ...common, provider, work: new SqsDailyWorkQueue(sqs, dailyWorkQueueUrl) }),
      ),
      dailyShard: createDailyShardHandler(
        wireDailyRun({ ...common, provider, work: new SqsDailyWorkQueue(sqs, dailyWorkQueueUrl) }),
      ),
      monthlyRun: createMonthlyRunHandler(
        wireMonthlyRun({ ...common, provider, fees: parseLicenseFeeSchedule({ EUR: '25.00', USD: '27.00' }) }),
      ),
      api: createApiHandler(
        apiDependencies(
          recharge,
          provider,
          client,
          tableName,
          OPERATOR_NAME,
          decorate('rechargeQueue', new SqsRechargeRequests(sqs, rechargeQueueUrl)),
          decorate,
        ),
      ),
      webhook: (report: ProviderEvent): Promise<ProviderEventOutcome> => applyProviderEvent(report, webhook),
    };
  }

  get allFaults(): readonly RandomFaults[] {
    return [this.faults, ...this.ingestFaults, this.relayFaults];
  }

  static async create(options: WorldOptions): Promise<SimWorld> {
    const client = createDocumentClient({ endpoint: options.dynamoDbEndpoint });
    const tableName = `simulation-${options.seed}-${randomUUID().slice(0, 8)}`;
    await createBillingTable(client, tableName);
    const events = new RecordingPublisher();
    const faults = new RandomFaults(options.seed, options.faultRate, 'relay');
    const relay = await startStreamRelay({
      endpoint: options.dynamoDbEndpoint,
      tableName,
      handler: createPublishEventsHandler(wirePublishEvents(events, faultyPorts(faults))),
      from: 'TRIM_HORIZON',
      background: false,
    });
    return new SimWorld(client, tableName, relay, options, events, faults);
  }

  /** Runs the event relay until it has put every committed outbox event on the bus. */
  async relayEvents(): Promise<void> {
    await this.relay.catchUp();
  }

  async dispose(): Promise<void> {
    await this.relay.stop();
    await this.client.send(new DeleteTableCommand({ TableName: this.tableName }));
    this.client.destroy();
  }
}
