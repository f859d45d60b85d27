/**
 * Usage ingestion benchmark: runs SQS batches through the real ingestion handler against
 * DynamoDB Local and the SQS emulator, and prints events/s, the ratio to a plain
 * BatchWriteItem floor, write units per event and balance-item writes per 100 events.
 * Not a test: it asserts only that the run did what it claims (nothing rejected or
 * retried, balances right), and reports the figures against their targets.
 *
 *   npx tsx bench/ingest.ts [--events N]      (or: npm run bench:ingest -- --events N)
 */
import './support/quiet-output';
import { cpus } from 'node:os';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { partnerKey } from '../functions/adapters/dynamodb/keys';
import { DynamoDbLedgerRepository } from '../functions/adapters/dynamodb/ledger-repository';
import { MAX_EVENTS_PER_CHUNK } from '../functions/adapters/dynamodb/usage-ledger';
import { createSqsClient } from '../functions/adapters/sqs/client';
import { DomainEvent } from '../functions/domain/events';
import { EventPublisher } from '../functions/domain/ports';
import { formatAmount } from '../functions/domain/money';
import { createIngestUsageHandler } from '../functions/handlers/ingest-usage';
import { wireIngestUsage } from '../functions/wiring/ingest-usage';
import { BatchWriteResult, ITEMS_PER_BATCH_WRITE, batchWriteAll } from './support/floor';
import { IngestHandler, InvocationResult, invokeAll, percentile } from './support/invocations';
import { itemBytes } from './support/item-size';
import { startLocalServices } from './support/local-services';
import {
  CURRENCY,
  OPENING_BALANCE,
  THRESHOLD,
  createPartner,
  dedupeRecordLike,
  expectedBalance,
  fixedClock,
  partnerItems,
  seededRandom,
  sqsEvents,
  usageBodies,
} from './support/usage-events';
import { WriteMeter, WriteTally, averageBytes, requestCount } from './support/write-meter';

/** Records per invocation: the batch size of the usage queue's event source. */
const BATCH_SIZE = 100;
/**
 * Invocations in flight at once, as that many Lambda execution environments would poll
 * the queue. The floor keeps as many BatchWriteItem calls in flight.
 */
const INVOCATIONS_IN_FLIGHT = 4;
const DEFAULT_EVENTS = 20_000;
const SPREAD_PARTNERS = 10_000;
/** BatchWriteItem calls in flight while the spread partners are created (untimed). */
const PARTNER_WRITES_IN_FLIGHT = 8;
/** Untimed events and floor items first, so the JVM has compiled its hot paths. */
const WARM_UP_EVENTS = 2_000;
const TARGETS = { ratio: 0.5, writeUnitsPerEvent: 2.1, balanceWritesPer100: 2 } as const;
const CLOCK = fixedClock(new Date('2026-11-22T10:20:00Z'));
const HOT_PARTNER = 'bench-hot';
const WARM_UP_PARTNER = 'bench-warm';
const spreadPartner = (index: number): string => `bench-p${String(index).padStart(5, '0')}`;

interface Scenario {
  readonly name: string;
  readonly partnerOf: (index: number) => string;
}

interface ScenarioFigures {
  readonly scenario: Scenario;
  readonly run: InvocationResult;
  readonly tally: WriteTally;
  readonly floor: BatchWriteResult;
  readonly floorTally: WriteTally;
}

/** EventBridge has no emulator: counts what would be published (nothing, in this run). */
class CountingPublisher implements EventPublisher {
  published = 0;
  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.published += events.length;
  }
}

async function main(): Promise<void> {
  const events = eventsArgument(process.argv.slice(2));
  const started = performance.now();
  const services = await startLocalServices();
  const clients: { destroy(): void }[] = [];
  try {
    const admin = createDocumentClient({ endpoint: services.dynamoDbEndpoint });
    clients.push(admin);
    const ledger = new DynamoDbLedgerRepository(admin, services.tableName);
    const spreadIds = Array.from({ length: SPREAD_PARTNERS }, (_, index) => spreadPartner(index));
    const setupStarted = performance.now();
    await Promise.all([HOT_PARTNER, WARM_UP_PARTNER].map((partnerId) => createPartner(ledger, partnerId, CLOCK.now())));
    await batchWriteAll(admin, services.tableName, partnerItems(spreadIds, CLOCK.now()), PARTNER_WRITES_IN_FLIGHT);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // An Update is billed on the item it leaves behind: every update here is a partner's
    // balance item, sized from partner items as stored (the largest id of the run).
    const partnerBytes = Math.max(
      await storedItemBytes(admin, services.tableName, HOT_PARTNER),
      await storedItemBytes(admin, services.tableName, spreadPartner(SPREAD_PARTNERS - 1)),
    );
    const meter = new WriteMeter(() => partnerBytes);
    const publisher = new CountingPublisher();
    const handlers: IngestHandler[] = [];
    for (let slot = 0; slot < INVOCATIONS_IN_FLIGHT; slot += 1) {
      const dynamoDb = createDocumentClient({ endpoint: services.dynamoDbEndpoint });
      const sqs = createSqsClient(services.sqsEndpoint);
      clients.push(dynamoDb, sqs);
      meter.attach(dynamoDb);
      handlers.push(
        createIngestUsageHandler(
          wireIngestUsage({
            dynamoDb,
            tableName: services.tableName,
            sqs,
            deadLetterQueueUrl: services.deadLetterQueueUrl,
            rechargeQueueUrl: services.rechargeQueueUrl,
            events: publisher,
            clock: CLOCK,
          }),
        ),
      );
    }
    const floorClient = createDocumentClient({ endpoint: services.dynamoDbEndpoint });
    clients.push(floorClient);
    meter.attach(floorClient);

    const measure = async (scenario: Scenario, count: number): Promise<ScenarioFigures> => {
      const bodies = usageBodies(count, scenario.partnerOf);
      const batches = sqsEvents(bodies, BATCH_SIZE, services.usageQueueArn);
      const floorItems = bodies.map((body) => dedupeRecordLike(body, CLOCK.now()));
      meter.take();
      const floor = await batchWriteAll(floorClient, services.tableName, floorItems, INVOCATIONS_IN_FLIGHT);
      const floorTally = meter.take();
      const run = await invokeAll(handlers, batches);
      const tally = meter.take();
      if (run.failedRecords > 0) throw new Error(`${scenario.name}: ${run.failedRecords} records were handed back for a retry`);
      return { scenario, run, tally, floor, floorTally };
    };

    await measure({ name: 'warm-up', partnerOf: () => WARM_UP_PARTNER }, WARM_UP_EVENTS);
    const random = seededRandom(20261122);
    const hot = await measure({ name: '(a) 1 hot partner', partnerOf: () => HOT_PARTNER }, events);
    const spreadCounts = new Map<string, number>();
    const spread = await measure(
      {
        name: `(b) ${SPREAD_PARTNERS.toLocaleString('en-US')} partners`,
        partnerOf: () => {
          const partnerId = spreadPartner(Math.floor(random() * SPREAD_PARTNERS));
          spreadCounts.set(partnerId, (spreadCounts.get(partnerId) ?? 0) + 1);
          return partnerId;
        },
      },
      events,
    );

    await checkBooks(ledger, new Map([[HOT_PARTNER, events], ...[...spreadCounts].slice(0, 50)]));
    if (publisher.published > 0) throw new Error(`${publisher.published} events were published: a threshold was crossed or a record refused`);
    const queues = createSqsClient(services.sqsEndpoint);
    clients.push(queues);
    for (const url of [services.deadLetterQueueUrl, services.rechargeQueueUrl]) {
      const waiting = await messagesIn(queues, url);
      if (waiting > 0) throw new Error(`${waiting} messages on ${url}: expected none`);
    }

    report(events, [hot, spread], partnerBytes, { setupSeconds, totalSeconds: (performance.now() - started) / 1000 });
  } finally {
    for (const client of clients) client.destroy();
    await services.stop();
  }
}

function report(events: number, results: readonly ScenarioFigures[], partnerBytes: number, times: { setupSeconds: number; totalSeconds: number }): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`Usage ingestion: ${int(events)} events per scenario, ${BATCH_SIZE} records per invocation, ${INVOCATIONS_IN_FLIGHT} invocations in flight`);
  out(`DynamoDB Local (in memory) and the SQS emulator on this machine: ${cpus().length} CPUs, node ${process.version}`);
  out(
    `Opening balances ${OPENING_BALANCE} ${CURRENCY}, threshold ${formatAmount(THRESHOLD)}: no threshold is crossed ` +
      '(no events published, nothing on the recharge or dead-letter queue), so the follow-up is one GetItem per partner per batch.',
  );
  out(`Floor: BatchWriteItem of ${ITEMS_PER_BATCH_WRITE} items per call, ${INVOCATIONS_IN_FLIGHT} calls in flight, as many items as events, same size as the dedupe records.`);
  out();
  const rows = [
    ['scenario', 'events/s', 'floor items/s', 'ratio', 'WCU/event', 'balance writes/100 ev', 'GetItem/100 ev', 'p50 ms', 'p95 ms'],
    ...results.map(({ scenario, run, tally, floor }) => [
      scenario.name,
      int(run.records / run.seconds),
      int(floor.items / floor.seconds),
      (run.records / run.seconds / (floor.items / floor.seconds)).toFixed(2),
      (tally.writeUnits / run.records).toFixed(2),
      ((100 * tally.balanceItemWrites) / run.records).toFixed(2),
      ((100 * requestCount(tally, 'GetItemCommand')) / run.records).toFixed(1),
      percentile(run.latenciesMs, 0.5).toFixed(0),
      percentile(run.latenciesMs, 0.95).toFixed(0),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) out(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  out();
  out(`Targets: ratio >= ${TARGETS.ratio}, WCU/event <= ${TARGETS.writeUnitsPerEvent}, balance writes/100 events <= ${TARGETS.balanceWritesPer100}`);
  for (const { scenario, run, tally, floor } of results) {
    const ratio = run.records / run.seconds / (floor.items / floor.seconds);
    const verdicts = [
      `ratio ${met(ratio >= TARGETS.ratio)}`,
      `WCU/event ${met(tally.writeUnits / run.records <= TARGETS.writeUnitsPerEvent)}`,
      `balance writes ${met((100 * tally.balanceItemWrites) / run.records <= TARGETS.balanceWritesPer100)}`,
    ];
    out(
      `  ${scenario.name}: ${verdicts.join(', ')}; ${int(requestCount(tally, 'TransactWriteItemsCommand'))} transactions ` +
        `(${tally.cancelledTransactions} cancelled and retried), ${int(tally.writeUnits)} WCU, ${run.invocations} invocations in ${run.seconds.toFixed(1)} s`,
    );
  }
  const [first] = results;
  if (first !== undefined) {
    const size = (tally: WriteTally, kind: Parameters<typeof averageBytes>[1]) => `${(averageBytes(tally, kind) ?? 0).toFixed(0)} B`;
    out();
    out(
      `Item sizes (DynamoDB's rule): usage event ${size(first.tally, 'usage event')}, ledger entry ${size(first.tally, 'ledger entry')}, ` +
        `partner ${partnerBytes} B; floor item ${size(first.floorTally, 'usage event')}.`,
    );
    const eventBytes = averageBytes(first.tally, 'usage event');
    const floorBytes = averageBytes(first.floorTally, 'usage event');
    if (eventBytes === undefined || floorBytes === undefined || Math.abs(eventBytes - floorBytes) >= 1) {
      out('WARNING: the floor items are not the size of the dedupe records ingestion writes; the floor is off.');
    }
    for (const { scenario, floor, floorTally } of results) {
      out(
        `Floor cross-check ${scenario.name}: ${int(floorTally.writeUnits)} WCU counted from the write plan, ` +
          `${int(floor.consumedUnits)} WCU reported by DynamoDB Local (ReturnConsumedCapacity), ${floor.resentItems} items resent.`,
      );
    }
  }
  out(
    `Events per chunk transaction: up to ${MAX_EVENTS_PER_CHUNK}. Untimed setup: ${int(SPREAD_PARTNERS + 2)} partners created in ` +
      `${times.setupSeconds.toFixed(0)} s, then ${int(WARM_UP_EVENTS)} warm-up events. Whole run: ${times.totalSeconds.toFixed(0)} s.`,
  );
}

async function storedItemBytes(client: DynamoDBDocumentClient, tableName: string, partnerId: string): Promise<number> {
  const { pk, sk } = partnerKey(partnerId);
  const { Item: item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } } }));
  if (item === undefined) throw new Error(`partner ${partnerId} was not created`);
  return itemBytes(item);
}

/** Each partner's live balance must be its opening balance less what its events cost. */
async function checkBooks(ledger: DynamoDbLedgerRepository, eventsPerPartner: ReadonlyMap<string, number>): Promise<void> {
  for (const [partnerId, count] of eventsPerPartner) {
    const balance = (await ledger.getPartner(partnerId))?.liveBalance;
    if (balance !== expectedBalance(count)) {
      throw new Error(`partner ${partnerId}: balance ${String(balance)} after ${count} events, expected ${expectedBalance(count)}`);
    }
  }
}

async function messagesIn(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes: attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(attributes.ApproximateNumberOfMessages ?? 0);
}

function eventsArgument(args: readonly string[]): number {
  const index = args.findIndex((arg) => arg === '--events' || arg.startsWith('--events='));
  if (index === -1) return DEFAULT_EVENTS;
  const arg = args[index] as string;
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
  const events = Number(text);
  if (!Number.isInteger(events) || events < BATCH_SIZE) throw new Error(`--events must be an integer of at least ${BATCH_SIZE}, got "${text}"`);
  return events;
}

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
