/**
 * The ingestion handler wired to a fresh table and fresh queues on the run's emulators,
 * with a pinned clock, recorded events and faults at its ports; plus what a test needs to
 * feed it through SQS and read the books afterwards.
 */
import { ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import type { LedgerEntry } from '../../functions/domain/ledger';
import { type Currency, parseAmount } from '../../functions/domain/money';
import { DEFAULT_RECHARGE_SETTINGS, type RechargeSettings } from '../../functions/domain/recharge-rules';
import { createIngestUsageHandler } from '../../functions/handlers/ingest-usage';
import { wireIngestUsage } from '../../functions/wiring/ingest-usage';
import { lambdaContext } from '../../local/lambda-context';
import { pollBatch } from '../../local/sqs-poller';
import { type TestTable, createTestTable } from './billing-table';
import { FaultSwitch } from './fault-switch';
import { faultyPorts } from './faulty-ports';
import { RelayedEvents } from './relayed-events';
import { TestClock } from './test-clock';
import { type TestQueues, createTestQueues } from './usage-queues';

export interface DeadLetter {
  readonly body: string;
  readonly attributes: Record<string, string>;
}

export class IngestionHarness {
  readonly clock = new TestClock(new Date('2026-11-22T10:20:00Z'));
  readonly events: RelayedEvents;
  readonly faults = new FaultSwitch();
  readonly ledger: DynamoDbLedgerRepository;
  readonly handler: ReturnType<typeof createIngestUsageHandler>;

  private constructor(
    readonly table: TestTable,
    readonly usage: TestQueues,
    readonly recharges: TestQueues,
    chunkSize?: number,
  ) {
    this.ledger = new DynamoDbLedgerRepository(table.client, table.tableName);
    this.events = new RelayedEvents(table);
    this.handler = createIngestUsageHandler(
      wireIngestUsage({
        dynamoDb: table.client,
        tableName: table.tableName,
        sqs: usage.client,
        deadLetterQueueUrl: usage.deadLetterQueueUrl,
        rechargeQueueUrl: recharges.queueUrl,
        // Rejections go to the bus directly; everything else through the outbox and its relay.
        events: this.events.recorded,
        clock: this.clock,
        decorate: faultyPorts(this.faults),
        ...(chunkSize !== undefined && { chunkSize }),
      }),
    );
  }

  static async start(options: { chunkSize?: number } = {}): Promise<IngestionHarness> {
    const [table, usage, recharges] = await Promise.all([createTestTable(), createTestQueues(), createTestQueues()]);
    return new IngestionHarness(table, usage, recharges, options.chunkSize);
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await Promise.all([this.table.drop(), this.usage.drop(), this.recharges.drop()]);
  }

  get sqs(): SQSClient {
    return this.usage.client;
  }

  async createPartner(
    partnerId: string,
    opening = '500.00',
    currency: Currency = 'EUR',
    settings: RechargeSettings = DEFAULT_RECHARGE_SETTINGS,
  ) {
    await this.ledger.createPartner({
      account: {
        partnerId,
        currency,
        paymentMethod: 'pm_card_visa',
        rechargeSettings: settings,
        createdAt: this.clock.now(),
      },
      openingBalance: parseAmount(opening),
    });
  }

  /** Invokes the handler directly, as Lambda would with this event. */
  invoke(event: SQSEvent): Promise<SQSBatchResponse> {
    return this.handler(event, lambdaContext('ingest-usage'));
  }

  async send(bodies: readonly string[]): Promise<void> {
    for (let start = 0; start < bodies.length; start += 10) {
      const entries = bodies.slice(start, start + 10).map((MessageBody, index) => ({ Id: String(index), MessageBody }));
      const { Failed: failed = [] } = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.usage.queueUrl, Entries: entries }),
      );
      if (failed.length > 0) throw new Error(`could not send ${failed.length} messages`);
    }
  }

  /** Polls like Lambda's event source until the queue stays empty through a visibility timeout. */
  async drain(batchSize = 100): Promise<{ invocations: number; crashes: number }> {
    let invocations = 0;
    let crashes = 0;
    let idlePolls = 0;
    while (idlePolls < 2) {
      const result = await pollBatch(this.sqs, this.usage.queueUrl, this.handler, {
        batchSize,
        context: lambdaContext('ingest-usage'),
        waitTimeSeconds: 1,
      });
      if (result.received === 0) {
        idlePolls += 1;
        continue;
      }
      idlePolls = 0;
      invocations += 1;
      if (result.error !== undefined) crashes += 1;
    }
    return { invocations, crashes };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return receiveAll(this.sqs, this.usage.deadLetterQueueUrl);
  }

  async rechargeRequests(): Promise<DeadLetter[]> {
    return receiveAll(this.recharges.client, this.recharges.queueUrl);
  }

  async balance(partnerId: string): Promise<number | undefined> {
    return (await this.ledger.getPartner(partnerId))?.liveBalance;
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

  /** The books of one partner: live balance, sum of its ledger, and the usage debited. */
  async books(partnerId: string) {
    const entries = await this.entries(partnerId);
    const usage = entries.filter((entry) => entry.kind === 'usage');
    return {
      liveBalance: await this.balance(partnerId),
      ledgerSum: entries.reduce((total, entry) => total + entry.amount, 0),
      usageEntries: usage.length,
      eventsDebited: usage.reduce((count, entry) => count + entry.eventCount, 0),
    };
  }
}

async function receiveAll(client: SQSClient, queueUrl: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (;;) {
    const { Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    if (messages.length === 0) return letters;
    for (const message of messages) {
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.MessageAttributes ?? {}))
        attributes[name] = value.StringValue ?? '';
      letters.push({ body: message.Body ?? '', attributes });
    }
  }
}
