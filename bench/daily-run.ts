/**
 * Daily run benchmark: one daily run (startDailyRun and every shard's work, as the
 * production wiring builds them) against DynamoDB Local, over two populations in separate
 * tables: 1,000 and 100,000 partners, of which the same 100 need action. Prints the wall
 * duration, read and write units and partners read of each, and their ratios: the run
 * should cost what the partners needing action cost, whatever the number of partners.
 * Not a test: it checks only that the run did what it claims (every partner needing
 * action visited, published, retried or blocked; nobody else visited) and reports the
 * figures against the target.
 *
 *   npx tsx bench/daily-run.ts      or      npm run bench:daily-run
 */
import './support/quiet-output';
import { cpus } from 'node:os';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { ATTENTION_SHARDS } from '../functions/adapters/dynamodb/keys';
import { SandboxPaymentProvider } from '../functions/adapters/payments/sandbox-payment-provider';
import {
  type DailyRunStart,
  PARTNERS_PER_PAGE,
  type ShardProgress,
  runDailyShard,
  startDailyRun,
} from '../functions/domain/daily/daily-run';
import type { DailyWork, DailyWorkQueue } from '../functions/domain/daily/daily-run-ports';
import { wireDailyRun } from '../functions/wiring/recharge';
import { ATTENTION_INDEX, OUTBOX_ITEM_TYPE } from '../definitions/table';
import { createBillingTable } from '../local/create-tables';
import { type RunningDynamoDbLocal, killOnExit, startDynamoDbLocal } from '../local/dynamodb-local';
import { type CpuSample, cpuSpent, sampleCpu } from './support/cpu-time';
import { CapacityMeter, type CapacityTally, requestCount, updateUnits } from './support/daily-meter';
import {
  ACTION_GROUPS,
  type Item,
  PARTNERS_NEEDING_ACTION,
  RUN_AT,
  actionItems,
  previousRunItems,
  settledPartnerItem,
} from './support/daily-population';
import { ITEMS_PER_BATCH_WRITE, batchWriteAll } from './support/floor';
import { itemBytes } from './support/item-size';
import { textTable } from '../scripts/text-table';

/** Shards worked on at once, as that many Lambda invocations would take them from the queue. */
const SHARDS_IN_FLIGHT = 4;
/** BatchWriteItem calls in flight while the tables are seeded (untimed). */
const SEED_WRITES_IN_FLIGHT = 8;
const TARGET_RATIO = 1.5;
/** Measured in this order, after an untimed warm-up run: the small one last, so it meets the warmest JVM. */
const POPULATIONS = [100_000, 1_000] as const;
/** Partners still in the attention index after the run: the declined and the blocked ones keep a charge due. */
const EXPECTED_LEFT_IN_INDEX = ACTION_GROUPS.declined + ACTION_GROUPS.overdue;

interface Population {
  readonly partners: number;
  readonly tableName: string;
  readonly seedSeconds: number;
  readonly seededItems: number;
}

interface Figures {
  readonly population: Population;
  readonly ms: number;
  readonly cpu: CpuSample;
  readonly tally: CapacityTally;
  readonly writeUnits: number;
  readonly largestUpdatedBytes: number;
  readonly progress: readonly ShardProgress[];
  readonly events: ReadonlyMap<string, number>;
  readonly leftInIndex: number;
}

/** The queue of shard work, drained by the benchmark's own workers. */
class InMemoryWorkQueue implements DailyWorkQueue {
  readonly pending: DailyWork[] = [];

  async enqueue(work: readonly DailyWork[]): Promise<void> {
    this.pending.push(...work);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const dynamoDb = await startDynamoDbLocal();
  killOnExit(dynamoDb);
  const admin = createDocumentClient({ endpoint: dynamoDb.endpoint });
  const metered = createDocumentClient({ endpoint: dynamoDb.endpoint });
  const meter = new CapacityMeter();
  meter.attach(metered);
  try {
    const warmUp = await seed(admin, 'billing-daily-warm-up', PARTNERS_NEEDING_ACTION);
    const populations = [];
    for (const partners of POPULATIONS) populations.push(await seed(admin, `billing-daily-${partners}`, partners));

    const warmUpRun = await runDay(metered, dynamoDb, warmUp, meter, admin);
    const figures: Figures[] = [];
    for (const population of populations) figures.push(await runDay(metered, dynamoDb, population, meter, admin));
    figures.sort((a, b) => a.population.partners - b.population.partners);
    report(figures, { warmUpMs: warmUpRun.ms, totalSeconds: (performance.now() - started) / 1000 });
  } finally {
    admin.destroy();
    metered.destroy();
    await dynamoDb.stop();
  }
}

/** Creates the table and writes yesterday's run, the partners needing action and settled ones up to `partners`. */
async function seed(client: DynamoDBDocumentClient, tableName: string, partners: number): Promise<Population> {
  await createBillingTable(client, tableName);
  const items: Item[] = [...previousRunItems(), ...actionItems()];
  for (let index = 0; index < partners - PARTNERS_NEEDING_ACTION; index += 1) items.push(settledPartnerItem(index));
  const written = await batchWriteAll(client, tableName, items, SEED_WRITES_IN_FLIGHT);
  const inIndex = await attentionCount(client, tableName);
  if (inIndex !== PARTNERS_NEEDING_ACTION)
    throw new Error(
      `${tableName}: ${inIndex} partners in the attention index after seeding, expected ${PARTNERS_NEEDING_ACTION}`,
    );
  return { partners, tableName, seedSeconds: written.seconds, seededItems: written.items };
}

/** One daily run, timed from startDailyRun to the last shard's end, with `SHARDS_IN_FLIGHT` shards at a time. */
async function runDay(
  client: DynamoDBDocumentClient,
  dynamoDb: RunningDynamoDbLocal,
  population: Population,
  meter: CapacityMeter,
  admin: DynamoDBDocumentClient,
): Promise<Figures> {
  const queue = new InMemoryWorkQueue();
  const deps = wireDailyRun({
    dynamoDb: client,
    tableName: population.tableName,
    provider: new SandboxPaymentProvider(),
    clock: { now: () => RUN_AT },
    work: queue,
  });
  const progress: ShardProgress[] = [];
  const worker = async () => {
    for (let work = queue.pending.shift(); work !== undefined; work = queue.pending.shift()) {
      // Each shard runs to its end: the time limit of a Lambda invocation is not played here.
      progress.push(await runDailyShard(work, deps, () => true));
    }
  };

  meter.take();
  const cpuBefore = sampleCpu(dynamoDb.pid);
  const timer = performance.now();
  const start = await startDailyRun(RUN_AT, deps);
  await Promise.all(Array.from({ length: SHARDS_IN_FLIGHT }, worker));
  const ms = performance.now() - timer;
  const cpu = cpuSpent(cpuBefore, sampleCpu(dynamoDb.pid));
  const tally = meter.take();

  // Untimed: what the run did, and the size of every item it updated.
  const sizes = new Map<string, number>();
  for (const { key } of tally.updatedKeys.values())
    sizes.set(keyId(key), await storedBytes(admin, population.tableName, key));
  const updates = updateUnits(tally, (key) => sizes.get(keyId(key)) ?? 0);
  const figures: Figures = {
    population,
    ms,
    cpu,
    tally,
    writeUnits: tally.writeUnits + updates.units,
    largestUpdatedBytes: updates.largestBytes,
    progress,
    events: await outboxEvents(admin, population.tableName),
    leftInIndex: await attentionCount(admin, population.tableName),
  };
  check(population, start, figures);
  return figures;
}

function check(population: Population, start: DailyRunStart, figures: Figures): void {
  const total = (field: 'visited' | 'published' | 'retried' | 'blocked') =>
    figures.progress.reduce((sum, shard) => sum + shard[field], 0);
  const charges = figures.progress.flatMap((shard) => shard.charges);
  const problems = [
    start.state === 'started' && start.cutoffs.length === 1 && start.cutoffs[0]?.getTime() === RUN_AT.getTime()
      ? undefined
      : `run ${start.state} with ${start.cutoffs.length} cut-offs`,
    figures.progress.length === ATTENTION_SHARDS
      ? undefined
      : `${figures.progress.length} shard invocations, expected ${ATTENTION_SHARDS}`,
    figures.progress.filter((shard) => shard.runCompleted).length === 1
      ? undefined
      : 'the run was not completed exactly once',
    total('visited') === PARTNERS_NEEDING_ACTION
      ? undefined
      : `${total('visited')} partners visited, expected ${PARTNERS_NEEDING_ACTION}`,
    total('published') === PARTNERS_NEEDING_ACTION
      ? undefined
      : `${total('published')} published, expected ${PARTNERS_NEEDING_ACTION}`,
    total('retried') === EXPECTED_LEFT_IN_INDEX
      ? undefined
      : `${total('retried')} charges retried, expected ${EXPECTED_LEFT_IN_INDEX}`,
    charges.every((charge) => charge.outcome === 'declined') ? undefined : 'a retried charge was not declined',
    total('blocked') === ACTION_GROUPS.overdue
      ? undefined
      : `${total('blocked')} blocked, expected ${ACTION_GROUPS.overdue}`,
    figures.leftInIndex === EXPECTED_LEFT_IN_INDEX
      ? undefined
      : `${figures.leftInIndex} partners left in the attention index, expected ${EXPECTED_LEFT_IN_INDEX}`,
    figures.tally.refused === 0 ? undefined : `${figures.tally.refused} requests refused by a condition`,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new Error(`${population.tableName}: ${problems.join('; ')}`);
}

/** Partners in the attention index, over every shard. */
async function attentionCount(client: DynamoDBDocumentClient, tableName: string): Promise<number> {
  let count = 0;
  for (let shard = 0; shard < ATTENTION_SHARDS; shard += 1) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: ATTENTION_INDEX,
          KeyConditionExpression: 'attentionPk = :pk',
          ExpressionAttributeValues: { ':pk': `ATTENTION#${shard}` },
          Select: 'COUNT',
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
  return count;
}

/** The events the run wrote to the outbox, by type (read after the run, with a scan). */
async function outboxEvents(client: DynamoDBDocumentClient, tableName: string): Promise<ReadonlyMap<string, number>> {
  const byType = new Map<string, number>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#type = :outbox',
        ProjectionExpression: 'eventType',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':outbox': OUTBOX_ITEM_TYPE },
        ...(start !== undefined && { ExclusiveStartKey: start }),
      }),
    );
    for (const item of page.Items ?? [])
      byType.set(String(item.eventType), (byType.get(String(item.eventType)) ?? 0) + 1);
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return byType;
}

async function storedBytes(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: Record<string, unknown>,
): Promise<number> {
  const { Item: item } = await client.send(
    new GetCommand({ TableName: tableName, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
  );
  return item === undefined ? 0 : itemBytes(marshall(item));
}

const keyId = (key: Record<string, unknown>): string => `${String(key.pk)}|${String(key.sk)}`;

function report(figures: readonly Figures[], times: { warmUpMs: number; totalSeconds: number }): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const billedReads = (tally: CapacityTally) =>
    tally.readUnits + 0.5 * tally.emptyQueries.eventual + tally.emptyQueries.consistent;
  const [cpu] = cpus();
  out(
    `Daily run: one run at ${RUN_AT.toISOString()} (one cut-off), ${ATTENTION_SHARDS} shards, ${SHARDS_IN_FLIGHT} in flight, ` +
      `${PARTNERS_PER_PAGE} partners per page; sandbox card provider, events counted in the outbox, not relayed`,
  );
  out(
    `Machine: ${cpus().length} CPUs (${cpu?.model.trim() ?? 'unknown'}), node ${process.version}; DynamoDB Local (in memory, one JVM) on the same machine`,
  );
  out(
    `Partners needing action, the same ${PARTNERS_NEEDING_ACTION} in each population: ${ACTION_GROUPS.moved} balance moved since the last cut-off, ` +
      `${ACTION_GROUPS.declined} below threshold with a declining card, ${ACTION_GROUPS.overdue} overdue since 7 days 14 hours (blocked). ` +
      'Every other partner was published at the last cut-off and is out of the attention index',
  );
  out();
  const rows = [
    [
      'population',
      'needing action',
      'duration ms',
      'RCU',
      'RCU billed',
      'WCU',
      'partners visited',
      'partner items read',
      'requests',
    ],
    ...figures.map(({ population, ms, tally, writeUnits, progress }) => [
      `${int(population.partners)} partners`,
      int(PARTNERS_NEEDING_ACTION),
      int(ms),
      tally.readUnits.toFixed(1),
      billedReads(tally).toFixed(1),
      int(writeUnits),
      int(progress.reduce((sum, shard) => sum + shard.visited, 0)),
      int(tally.partnerReads),
      int([...tally.requests.values()].reduce((sum, count) => sum + count, 0)),
    ]),
  ];
  for (const line of textTable(rows)) out(line);
  out();

  const small = figures.find((figure) => figure.population.partners === Math.min(...POPULATIONS));
  const large = figures.find((figure) => figure.population.partners === Math.max(...POPULATIONS));
  if (small !== undefined && large !== undefined) {
    const durationRatio = large.ms / small.ms;
    const readRatio = large.tally.readUnits / small.tally.readUnits;
    const label = `${int(large.population.partners)} / ${int(small.population.partners)}`;
    out(
      `Ratios ${label}: duration ${durationRatio.toFixed(2)}, RCU ${readRatio.toFixed(2)}, WCU ${(large.writeUnits / small.writeUnits).toFixed(2)}`,
    );
    out(
      `Target: both ratios < ${TARGET_RATIO}: duration ${met(durationRatio < TARGET_RATIO)}, RCU ${met(readRatio < TARGET_RATIO)}`,
    );
  }
  out();
  out('Details');
  for (const { population, ms, cpu: spent, tally, events, largestUpdatedBytes, leftInIndex } of figures) {
    const requests = [
      'GetItemCommand',
      'QueryCommand',
      'UpdateItemCommand',
      'TransactWriteItemsCommand',
      'PutItemCommand',
    ]
      .map((command) => `${requestCount(tally, command)} ${command.replace(/Command$/, '')}`)
      .join(', ');
    out(
      `  ${int(population.partners)} partners: ${requests}; events ${[...events].map(([type, count]) => `${count} ${type}`).join(', ')}; ` +
        `${leftInIndex} partners left in the attention index; ${tally.indexDeletes} index deletes; largest item updated ${largestUpdatedBytes} B; ` +
        `CPU node ${spent.node.toFixed(1)} s${spent.other === undefined ? '' : ` + DynamoDB Local ${spent.other.toFixed(1)} s`} of ${((ms / 1000) * cpus().length).toFixed(1)} s`,
    );
  }
  const [first] = figures;
  if (first !== undefined) {
    const { consistent, eventual } = first.tally.emptyQueries;
    out(
      `  RCU: as DynamoDB Local reports it (ReturnConsumedCapacity TOTAL on every read). RCU billed adds what DynamoDB bills for an empty Query ` +
        `and DynamoDB Local reports as 0: ${consistent} consistent (1 each) and ${eventual} eventually consistent (0.5 each) per run`,
    );
  }
  out(
    '  WCU: from the write plan: 1 per started KB per item of PutItem/UpdateItem, 2 of TransactWriteItems, updates sized from the items ' +
      'read back after the run, plus 1 per attention index delete',
  );
  out(
    `  Untimed: seeding with BatchWriteItem (${ITEMS_PER_BATCH_WRITE} items per call, ${SEED_WRITES_IN_FLIGHT} calls in flight) ` +
      figures
        .map(({ population }) => `${int(population.seededItems)} items in ${population.seedSeconds.toFixed(1)} s`)
        .join(', ') +
      `; a warm-up run, ${int(times.warmUpMs)} ms, on a table of the ${PARTNERS_NEEDING_ACTION} partners needing action alone. Whole run ${times.totalSeconds.toFixed(0)} s`,
  );
}

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
