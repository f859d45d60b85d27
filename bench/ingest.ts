/**
 * Usage ingestion benchmark: runs SQS batches through the real ingestion handler against
 * DynamoDB Local and the SQS emulator, and prints events/s, the ratio to a plain
 * BatchWriteItem floor, write units per event and balance-item writes per 100 events.
 * Not a test: it checks only that the run did what it claims (nothing refused or
 * retried, balances right, no threshold crossed) and reports the figures against targets.
 *
 *   npx tsx bench/ingest.ts [--events N]      or      npm run bench:ingest -- --events N
 */
import './support/quiet-output';
import { cpus } from 'node:os';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { partnerKey } from '../functions/adapters/dynamodb/keys';
import { DynamoDbLedgerRepository } from '../functions/adapters/dynamodb/ledger-repository';
import { MAX_EVENTS_PER_CHUNK } from '../functions/adapters/dynamodb/usage-ledger';
import { createSqsClient } from '../functions/adapters/sqs/client';
import type { DomainEvent } from '../functions/domain/events';
import { formatAmount } from '../functions/domain/money';
import type { EventPublisher } from '../functions/domain/ports';
import { createIngestUsageHandler } from '../functions/handlers/ingest-usage';
import { wireIngestUsage } from '../functions/wiring/ingest-usage';
import { type CpuSample, cpuSpent, sampleCpu } from './support/cpu-time';
import { type BatchWriteResult, ITEMS_PER_BATCH_WRITE, batchWriteAll } from './support/floor';
import { type IngestHandler, type InvocationResult, invokeAll, percentile } from './support/invocations';
import { itemBytes, writeUnitsOf } from './support/item-size';
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
import { WriteMeter, type WriteTally, averageBytes, requestCount } from './support/write-meter';
import { textTable } from '../scripts/text-table';

/** Records per invocation: the batch size of the usage queue's event source. */
const BATCH_SIZE = 100;
/**
 * Invocations in flight at once, as that many Lambda execution environments would poll
 * the queue. The floor keeps as many BatchWriteItem calls in flight.
 */
const INVOCATIONS_IN_FLIGHT = 4;
/** Events per scenario unless --events says otherwise: sized to keep a run under 3 minutes on 2 cores. */
const DEFAULT_EVENTS = 8_000;
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
  readonly runCpu: CpuSample;
  readonly tally: WriteTally;
  readonly floor: BatchWriteResult;
  readonly floorTally: WriteTally;
  readonly floorCpu: CpuSample;
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
  const newDynamoDbClient = () => {
    const client = createDocumentClient({ endpoint: services.dynamoDbEndpoint });
    clients.push(client);
    return client;
  };
  const newSqsClient = () => {
    const client = createSqsClient(services.sqsEndpoint);
    clients.push(client);
    return client;
  };
  try {
    const admin = newDynamoDbClient();
    const ledger = new DynamoDbLedgerRepository(admin, services.tableName);
    const setupStarted = performance.now();
    const spreadIds = Array.from({ length: SPREAD_PARTNERS }, (_, index) => spreadPartner(index));
    await Promise.all([HOT_PARTNER, WARM_UP_PARTNER].map((partnerId) => createPartner(ledger, partnerId, CLOCK.now())));
    await batchWriteAll(admin, services.tableName, partnerItems(spreadIds, CLOCK.now()), PARTNER_WRITES_IN_FLIGHT);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // An Update is billed on the larger of the item before and after. Every update here is
    // of a partner's balance item: sized from the partner items as stored (the larger of the
    // two ids); the items the debits leave behind, with the month's figures on them, are
    // read back after the run, and the run fails if they cross into another KB.
    const partnerBytes = Math.max(
      await storedItemBytes(admin, services.tableName, HOT_PARTNER),
      await storedItemBytes(admin, services.tableName, spreadPartner(SPREAD_PARTNERS - 1)),
    );
    const meter = new WriteMeter(() => partnerBytes);
    const publisher = new CountingPublisher();
    const handlers: IngestHandler[] = Array.from({ length: INVOCATIONS_IN_FLIGHT }, () => {
      const dynamoDb = newDynamoDbClient();
      meter.attach(dynamoDb);
      return createIngestUsageHandler(
        wireIngestUsage({
          dynamoDb,
          tableName: services.tableName,
          sqs: newSqsClient(),
          deadLetterQueueUrl: services.deadLetterQueueUrl,
          rechargeQueueUrl: services.rechargeQueueUrl,
          events: publisher,
          clock: CLOCK,
        }),
      );
    });
    const floorClient = newDynamoDbClient();
    meter.attach(floorClient);

    const measure = async (scenario: Scenario, count: number): Promise<ScenarioFigures> => {
      const bodies = usageBodies(count, scenario.partnerOf);
      const batches = sqsEvents(bodies, BATCH_SIZE, services.usageQueueArn);
      const floorItems = bodies.map((body) => dedupeRecordLike(body, CLOCK.now()));
      meter.take();
      const floorCpuBefore = sampleCpu(services.dynamoDbPid);
      const floor = await batchWriteAll(floorClient, services.tableName, floorItems, INVOCATIONS_IN_FLIGHT);
      const floorCpu = cpuSpent(floorCpuBefore, sampleCpu(services.dynamoDbPid));
      const floorTally = meter.take();
      const runCpuBefore = sampleCpu(services.dynamoDbPid);
      const run = await invokeAll(handlers, batches);
      const runCpu = cpuSpent(runCpuBefore, sampleCpu(services.dynamoDbPid));
      const tally = meter.take();
      if (run.failedRecords > 0)
        throw new Error(`${scenario.name}: ${run.failedRecords} records were handed back for a retry`);
      const updates = requestCount(tally, 'UpdateItemCommand');
      if (updates > 0)
        throw new Error(`${scenario.name}: ${updates} conditional updates of a partner: a threshold was crossed`);
      return { scenario, run, runCpu, tally, floor, floorTally, floorCpu };
    };

    await measure({ name: 'warm-up', partnerOf: () => WARM_UP_PARTNER }, WARM_UP_EVENTS);
    const hot = await measure({ name: '(a) 1 hot partner', partnerOf: () => HOT_PARTNER }, events);
    const random = seededRandom(20261122);
    const spreadCounts = new Map<string, number>();
    const spread = await measure(
      {
        name: `(b) ${int(SPREAD_PARTNERS)} partners`,
        partnerOf: () => {
          const partnerId = spreadPartner(Math.floor(random() * SPREAD_PARTNERS));
          spreadCounts.set(partnerId, (spreadCounts.get(partnerId) ?? 0) + 1);
          return partnerId;
        },
      },
      events,
    );

    await checkBooks(ledger, new Map([[HOT_PARTNER, events], ...[...spreadCounts].slice(0, 50)]));
    const sampled = [HOT_PARTNER, ...[...spreadCounts.keys()].slice(0, 100)];
    const partnerBytesAfter = Math.max(
      ...(await Promise.all(sampled.map((partnerId) => storedItemBytes(admin, services.tableName, partnerId)))),
    );
    if (writeUnitsOf(partnerBytesAfter) > writeUnitsOf(partnerBytes))
      throw new Error(
        `partner items grew from ${partnerBytes} B to ${partnerBytesAfter} B, into another KB: the units counted are too low`,
      );
    if (publisher.published > 0)
      throw new Error(`${publisher.published} events were published: a threshold was crossed or a record refused`);
    const queues = newSqsClient();
    for (const url of [services.deadLetterQueueUrl, services.rechargeQueueUrl]) {
      const waiting = await messagesIn(queues, url);
      if (waiting > 0) throw new Error(`${waiting} messages on ${url}: expected none`);
    }

    report(
      events,
      [hot, spread],
      { before: partnerBytes, after: partnerBytesAfter },
      {
        setupSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      },
    );
  } finally {
    for (const client of clients) client.destroy();
    await services.stop();
  }
}

function report(
  events: number,
  results: readonly ScenarioFigures[],
  partnerBytes: { readonly before: number; readonly after: number },
  times: { setupSeconds: number; totalSeconds: number },
): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const figures = results.map(({ scenario, run, tally, floor }) => {
    const eventsPerSecond = run.records / run.seconds;
    const floorPerSecond = floor.items / floor.seconds;
    return {
      name: scenario.name,
      eventsPerSecond,
      floorPerSecond,
      ratio: eventsPerSecond / floorPerSecond,
      unitsPerEvent: tally.writeUnits / run.records,
      balanceWritesPer100: (100 * tally.balanceItemWrites) / run.records,
      readsPer100: (100 * requestCount(tally, 'GetItemCommand')) / run.records,
      p50: percentile(run.latenciesMs, 0.5),
      p95: percentile(run.latenciesMs, 0.95),
    };
  });
  const [first] = results;
  const floorBytes = first === undefined ? undefined : averageBytes(first.floorTally, 'usage event');

  out(
    `Usage ingestion: ${int(events)} events per scenario, ${BATCH_SIZE} records per invocation, ${INVOCATIONS_IN_FLIGHT} invocations in flight`,
  );
  out(
    `Machine: ${cpus().length} CPUs, node ${process.version}; DynamoDB Local (in memory, one JVM) and the SQS emulator on the same machine`,
  );
  out(
    `Balances: opening ${OPENING_BALANCE} ${CURRENCY}, threshold ${formatAmount(THRESHOLD)}: no threshold is crossed (nothing published, ` +
      'recharge and dead-letter queues empty), so the follow-up is one GetItem per partner per batch and no update',
  );
  out(
    `Floor: BatchWriteItem, ${ITEMS_PER_BATCH_WRITE} items per call, ${INVOCATIONS_IN_FLIGHT} calls in flight, ` +
      `one item per event of the dedupe record's size (${(floorBytes ?? 0).toFixed(0)} B), same table`,
  );
  out();
  const rows = [
    [
      'scenario',
      'events/s',
      'floor items/s',
      'ratio',
      'WCU/event',
      'balance writes/100 ev',
      'GetItem/100 ev',
      'p50 ms',
      'p95 ms',
    ],
    ...figures.map((row) => [
      row.name,
      int(row.eventsPerSecond),
      int(row.floorPerSecond),
      row.ratio.toFixed(2),
      row.unitsPerEvent.toFixed(2),
      row.balanceWritesPer100.toFixed(2),
      row.readsPer100.toFixed(1),
      row.p50.toFixed(0),
      row.p95.toFixed(0),
    ]),
  ];
  for (const line of textTable(rows)) out(line);
  out();
  out(
    `Targets: ratio >= ${TARGETS.ratio}, WCU/event <= ${TARGETS.writeUnitsPerEvent}, balance writes/100 events <= ${TARGETS.balanceWritesPer100}`,
  );
  for (const row of figures) {
    out(
      `  ${row.name}: ratio ${met(row.ratio >= TARGETS.ratio)}, WCU/event ${met(row.unitsPerEvent <= TARGETS.writeUnitsPerEvent)}, ` +
        `balance writes ${met(row.balanceWritesPer100 <= TARGETS.balanceWritesPer100)}`,
    );
  }
  out();
  out('Details');
  const cpu = (spent: CpuSample, seconds: number) =>
    `CPU node ${spent.node.toFixed(1)} s${spent.other === undefined ? '' : ` + DynamoDB Local ${spent.other.toFixed(1)} s`} of ${(seconds * cpus().length).toFixed(1)} s`;
  for (const { scenario, run, runCpu, tally, floor, floorCpu } of results) {
    out(
      `  ${scenario.name}: ${run.invocations} invocations in ${run.seconds.toFixed(1)} s, ${int(requestCount(tally, 'TransactWriteItemsCommand'))} ` +
        `transactions (${tally.cancelledTransactions} cancelled), ${int(tally.writeUnits)} WCU, ${cpu(runCpu, run.seconds)}; ` +
        `floor ${floor.seconds.toFixed(1)} s, ${cpu(floorCpu, floor.seconds)}`,
    );
  }
  if (first !== undefined) {
    const size = (bytes: number | undefined) => `${(bytes ?? 0).toFixed(0)} B`;
    const eventBytes = averageBytes(first.tally, 'usage event');
    out(
      `  Item sizes (DynamoDB's rule): usage event ${size(eventBytes)}, ledger entry ${size(averageBytes(first.tally, 'ledger entry'))}, ` +
        `partner ${partnerBytes.before} B (${partnerBytes.after} B with the month's figures, after the run), floor item ${size(floorBytes)}`,
    );
    if (eventBytes === undefined || floorBytes === undefined || Math.abs(eventBytes - floorBytes) >= 1) {
      out('  WARNING: the floor items are not the size of the dedupe records ingestion writes; the floor is off');
    }
  }
  out(
    `  Floor cross-check, WCU counted from the write plan / reported by DynamoDB Local (ReturnConsumedCapacity): ` +
      results
        .map(
          ({ scenario, floor, floorTally }) =>
            `${scenario.name.split(' ')[0]} ${int(floorTally.writeUnits)} / ${int(floor.consumedUnits)}`,
        )
        .join(', '),
  );
  out(
    `  Up to ${MAX_EVENTS_PER_CHUNK} events per transaction. Untimed: ${int(SPREAD_PARTNERS + 2)} partners created in ` +
      `${times.setupSeconds.toFixed(0)} s, ${int(WARM_UP_EVENTS)} warm-up events. Whole run ${times.totalSeconds.toFixed(0)} s`,
  );
}

async function storedItemBytes(client: DynamoDBDocumentClient, tableName: string, partnerId: string): Promise<number> {
  const { pk, sk } = partnerKey(partnerId);
  const { Item: item } = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: sk } } }),
  );
  if (item === undefined) throw new Error(`partner ${partnerId} was not created`);
  return itemBytes(item);
}

/** Each partner's live balance must be its opening balance less what its events cost. */
async function checkBooks(
  ledger: DynamoDbLedgerRepository,
  eventsPerPartner: ReadonlyMap<string, number>,
): Promise<void> {
  for (const [partnerId, count] of eventsPerPartner) {
    const balance = (await ledger.getPartner(partnerId))?.liveBalance;
    if (balance !== expectedBalance(count)) {
      throw new Error(
        `partner ${partnerId}: balance ${String(balance)} after ${count} events, expected ${expectedBalance(count)}`,
      );
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
  if (!Number.isInteger(events) || events < BATCH_SIZE)
    throw new Error(`--events must be an integer of at least ${BATCH_SIZE}, got "${text}"`);
  return events;
}

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
