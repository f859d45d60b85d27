/**
 * Monthly run benchmark: one monthly run (startMonthlyRun and every piece of work it
 * queues, as the production wiring builds them) against DynamoDB Local, over two
 * populations, each in a DynamoDB Local of its own, 1,000 and 100,000 licensed partners
 * with one hosted number each, every one of them charged. Pieces run a few at a time, as the piece
 * worker's event source runs them, each with the worker's time budget: a piece hands the
 * rest of its shard on when less than the reserve is left. Prints, for each population,
 * the time and read units per charged partner and their ratio (goal: 100,000 at most 1.5
 * times 1,000), and the longest piece against its time budget. Not a test: it checks only
 * that the run did what it claims (every partner charged once, the run completed once).
 *
 *   npx tsx bench/monthly-run.ts                      or   npm run bench:monthly-run
 *   npx tsx bench/monthly-run.ts --large 10000        a smaller large population, for a quick look
 */
import './support/quiet-output';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { partnerToItem } from '../functions/adapters/dynamodb/items';
import { channelKey, channelMembershipKey, licensedKey } from '../functions/adapters/dynamodb/keys';
import { SandboxPaymentProvider } from '../functions/adapters/payments/sandbox-payment-provider';
import { type Month, monthOf } from '../functions/domain/month';
import { parseLicenseFeeSchedule } from '../functions/domain/monthly/license-fee';
import {
  type MonthlyPieceProgress,
  type MonthlyRunStart,
  PARTNERS_CHARGED_AT_ONCE,
  runMonthlyPiece,
  startMonthlyRun,
} from '../functions/domain/monthly/monthly-run';
import type { MonthlyWork, MonthlyWorkQueue } from '../functions/domain/monthly/monthly-run-ports';
import { NO_DECLINES } from '../functions/domain/recharge/decline-policy';
import { DEFAULT_RECHARGE_SETTINGS } from '../functions/domain/recharge-rules';
import { parseAmount } from '../functions/domain/money';
import { DEFAULT_RESERVE_MS } from '../functions/handlers/monthly-shard';
import { wireMonthlyRun } from '../functions/wiring/recharge';
import { createBillingTable } from '../local/create-tables';
import { type RunningDynamoDbLocal, killOnExit, startDynamoDbLocal } from '../local/dynamodb-local';
import { textTable } from '../scripts/text-table';
import { type CpuSample, cpuSpent, sampleCpu } from './support/cpu-time';
import { CapacityMeter, type CapacityTally, requestCount } from './support/daily-meter';
import { batchWriteAll } from './support/floor';

type Item = Record<string, unknown>;

/** The run measured: the 1st of a month at 00:00 UTC. */
const RUN_AT = new Date('2026-12-01T00:00:00.000Z');
const PERIOD = monthOf(RUN_AT);
const REGISTERED_AT = new Date('2026-10-01T09:00:00.000Z');
const FEES = parseLicenseFeeSchedule({ EUR: '25.00', USD: '27.00' });
/** One number × 25.00 + 4%: what the card of each partner is charged. */
const CHARGE_CENTS = 2_600;
/** The piece worker's timeout (lib/schedules/scheduled-runs.ts) and the reserve it keeps for a page. */
const BUDGET_MS = 900_000;
/** Pieces worked on at once: the maximum concurrency of the piece worker's event source. */
const PIECES_IN_FLIGHT = 3;
const SEED_WRITES_IN_FLIGHT = 8;
const TARGET_RATIO = 1.5;
const WARM_UP_PARTNERS = 200;

interface Population {
  readonly partners: number;
  readonly tableName: string;
  readonly seedSeconds: number;
}

interface Piece {
  readonly work: MonthlyWork;
  readonly ms: number;
  readonly progress: MonthlyPieceProgress;
}

interface Figures {
  readonly population: Population;
  readonly ms: number;
  readonly cpu: CpuSample;
  readonly tally: CapacityTally;
  readonly start: MonthlyRunStart;
  readonly pieces: readonly Piece[];
  readonly charged: number;
  readonly chargesMade: number;
}

/** The queue of pieces, drained by the benchmark's own workers. */
class InMemoryWorkQueue implements MonthlyWorkQueue {
  readonly pending: MonthlyWork[] = [];

  async enqueue(work: readonly MonthlyWork[]): Promise<void> {
    this.pending.push(...work);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { small: { type: 'string', default: '1000' }, large: { type: 'string', default: '100000' } },
  });
  const started = performance.now();
  const figures: Figures[] = [];
  const warmUps: number[] = [];
  // The large one first; each in a DynamoDB Local of its own (below).
  for (const partners of [Number(values.large), Number(values.small)]) {
    const { figure, warmUpMs } = await measure(partners);
    figures.push(figure);
    warmUps.push(warmUpMs);
  }
  figures.sort((a, b) => a.population.partners - b.population.partners);
  report(figures, { warmUpMs: warmUps, totalSeconds: (performance.now() - started) / 1000 });
}

/**
 * One population in a DynamoDB Local of its own, with one table at a time: DynamoDB Local
 * keeps every table in one database, and a table written beside a much larger one was
 * seen to slow down many times over, which would measure the emulator, not the run. The
 * JVM is warmed up first by a run over a table of its own, deleted before the population
 * is written.
 */
async function measure(partners: number): Promise<{ figure: Figures; warmUpMs: number }> {
  const dynamoDb = await startDynamoDbLocal();
  killOnExit(dynamoDb);
  const admin = createDocumentClient({ endpoint: dynamoDb.endpoint });
  const metered = createDocumentClient({ endpoint: dynamoDb.endpoint });
  const meter = new CapacityMeter();
  meter.attach(metered);
  try {
    const warmUp = await seed(admin, 'billing-monthly-warm-up', WARM_UP_PARTNERS);
    const warmUpRun = await runMonth(metered, dynamoDb, warmUp, meter, admin);
    await admin.send(new DeleteTableCommand({ TableName: warmUp.tableName }));
    const population = await seed(admin, `billing-monthly-${partners}`, partners);
    return { figure: await runMonth(metered, dynamoDb, population, meter, admin), warmUpMs: warmUpRun.ms };
  } finally {
    admin.destroy();
    metered.destroy();
    await dynamoDb.stop();
  }
}

const partnerId = (index: number) => `bench-l${String(index).padStart(6, '0')}`;
const phoneOf = (index: number) => `+4915${String(index).padStart(9, '0')}`;

/**
 * A licensed partner as registration leaves it: the partner item (out of the attention
 * index: the monthly run never reads it), its hosted number (the channel and the
 * partner's membership item) and its place on the licensed list.
 */
function licensedPartnerItems(index: number): Item[] {
  const id = partnerId(index);
  const {
    attentionPk: _pk,
    attentionSk: _sk,
    ...partner
  } = partnerToItem({
    partnerId: id,
    currency: 'EUR',
    paymentMethod: 'pm_card_visa',
    cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
    rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
    status: 'active',
    createdAt: REGISTERED_AT,
    liveBalance: parseAmount('1000.00'),
    version: 1,
  });
  const channel = {
    partnerId: id,
    phoneNumber: phoneOf(index),
    status: 'active',
    registeredAt: REGISTERED_AT.toISOString(),
  };
  return [
    partner,
    { ...channelKey(phoneOf(index)), type: 'channel', ...channel },
    { ...channelMembershipKey(id, phoneOf(index)), type: 'channel-membership', ...channel },
    { ...licensedKey(id), type: 'licensed-partner', partnerId: id, since: REGISTERED_AT.toISOString() },
  ];
}

async function seed(client: DynamoDBDocumentClient, tableName: string, partners: number): Promise<Population> {
  await createBillingTable(client, tableName);
  const items = Array.from({ length: partners }, (_, index) => licensedPartnerItems(index)).flat();
  const written = await batchWriteAll(client, tableName, items, SEED_WRITES_IN_FLIGHT);
  return { partners, tableName, seedSeconds: written.seconds };
}

/** One monthly run, timed from its start to the end of its last piece, `PIECES_IN_FLIGHT` pieces at a time. */
async function runMonth(
  client: DynamoDBDocumentClient,
  dynamoDb: RunningDynamoDbLocal,
  population: Population,
  meter: CapacityMeter,
  admin: DynamoDBDocumentClient,
): Promise<Figures> {
  const queue = new InMemoryWorkQueue();
  const provider = new SandboxPaymentProvider({ now: () => RUN_AT });
  const deps = wireMonthlyRun({
    dynamoDb: client,
    tableName: population.tableName,
    provider,
    clock: { now: () => RUN_AT },
    fees: FEES,
    work: queue,
  });
  const pieces: Piece[] = [];
  const worker = async () => {
    for (let work = queue.pending.shift(); work !== undefined; work = queue.pending.shift()) {
      const began = performance.now();
      // The piece worker's test, with the time a Lambda invocation of BUDGET_MS has left.
      const hasTimeLeft = () => BUDGET_MS - (performance.now() - began) > DEFAULT_RESERVE_MS;
      const progress = await runMonthlyPiece(work, deps, hasTimeLeft);
      pieces.push({ work, ms: performance.now() - began, progress });
    }
  };

  meter.take();
  const cpuBefore = sampleCpu(dynamoDb.pid);
  const timer = performance.now();
  const start = await startMonthlyRun(RUN_AT, deps);
  await Promise.all(Array.from({ length: PIECES_IN_FLIGHT }, worker));
  const ms = performance.now() - timer;
  const cpu = cpuSpent(cpuBefore, sampleCpu(dynamoDb.pid));
  const tally = meter.take();

  const charged = pieces.flatMap((piece) => piece.progress.results).filter((result) => result.outcome === 'succeeded');
  const figures: Figures = {
    population,
    ms,
    cpu,
    tally,
    start,
    pieces,
    charged: charged.length,
    chargesMade: provider.charges.filter((charge) => charge.request.amountCents === CHARGE_CENTS).length,
  };
  await check(admin, figures);
  return figures;
}

async function check(client: DynamoDBDocumentClient, figures: Figures): Promise<void> {
  const { population, start, pieces } = figures;
  const { Item: record } = await client.send(
    new GetCommand({ TableName: population.tableName, Key: { pk: 'RUN#monthly', sk: PERIOD as Month } }),
  );
  const problems = [
    start.months.length === 1 && start.months[0]?.state === 'new'
      ? undefined
      : `run started as ${JSON.stringify(start)}`,
    figures.charged === population.partners
      ? undefined
      : `${figures.charged} partners charged, expected ${population.partners}`,
    figures.chargesMade === population.partners
      ? undefined
      : `${figures.chargesMade} card charges made, expected ${population.partners}`,
    pieces.flatMap((piece) => piece.progress.completed).length === 1
      ? undefined
      : 'the run was not completed exactly once',
    record?.state === 'completed' && record.partnersCharged === population.partners
      ? undefined
      : `run record ${JSON.stringify(record)}`,
    figures.tally.refused === 0 ? undefined : `${figures.tally.refused} requests refused by a condition`,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new Error(`${population.tableName}: ${problems.join('; ')}`);
}

function report(figures: readonly Figures[], times: { warmUpMs: readonly number[]; totalSeconds: number }): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const [cpu] = cpus();
  out(
    `Monthly run: one run at ${RUN_AT.toISOString()}, every licensed partner charged (one hosted number, 26.00 EUR); ` +
      `${PIECES_IN_FLIGHT} pieces in flight, ${PARTNERS_CHARGED_AT_ONCE} partners charged at once; each piece with a ` +
      `${BUDGET_MS / 1000} s budget, handing on with less than ${DEFAULT_RESERVE_MS / 1000} s left; sandbox card provider`,
  );
  out(
    `Machine: ${cpus().length} CPUs (${cpu?.model.trim() ?? 'unknown'}), node ${process.version}; DynamoDB Local (in memory, one JVM per population) on the same machine`,
  );
  out();
  const perPartner = (figure: Figures) => ({
    ms: figure.ms / figure.charged,
    rcu: figure.tally.readUnits / figure.charged,
    billed: billedReads(figure.tally) / figure.charged,
  });
  const rows = [
    [
      'licensed partners',
      'charged',
      'duration ms',
      'ms / charged',
      'RCU',
      'RCU / charged',
      'RCU billed / charged',
      'requests / charged',
      'pieces',
      'handed on',
      'longest piece s',
      'budget s',
    ],
    ...figures.map((figure) => {
      const each = perPartner(figure);
      const requests = [...figure.tally.requests.values()].reduce((sum, count) => sum + count, 0);
      return [
        int(figure.population.partners),
        int(figure.charged),
        int(figure.ms),
        each.ms.toFixed(2),
        figure.tally.readUnits.toFixed(1),
        each.rcu.toFixed(3),
        each.billed.toFixed(3),
        (requests / figure.charged).toFixed(2),
        int(figure.pieces.length),
        int(figure.pieces.filter((piece) => piece.progress.continueFrom !== undefined).length),
        (Math.max(...figure.pieces.map((piece) => piece.ms)) / 1000).toFixed(1),
        String(BUDGET_MS / 1000),
      ];
    }),
  ];
  for (const line of textTable(rows)) out(line);
  out();

  const [small, large] = figures;
  if (small !== undefined && large !== undefined) {
    const time = perPartner(large).ms / perPartner(small).ms;
    const reads = perPartner(large).rcu / perPartner(small).rcu;
    out(
      `Ratios per charged partner ${int(large.population.partners)} / ${int(small.population.partners)}: time ${time.toFixed(2)}, RCU ${reads.toFixed(2)}`,
    );
    out(`Target: both at most ${TARGET_RATIO}: time ${met(time <= TARGET_RATIO)}, RCU ${met(reads <= TARGET_RATIO)}`);
    const longest = Math.max(...figures.flatMap((figure) => figure.pieces.map((piece) => piece.ms)));
    out(
      `Longest piece ${(longest / 1000).toFixed(1)} s of its ${BUDGET_MS / 1000} s budget: ${met(longest < BUDGET_MS)}`,
    );
  }
  out();
  out('Details');
  for (const { population, ms, cpu: spent, tally } of figures) {
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
      `  ${int(population.partners)} partners: ${requests}; ${tally.partnerReads} partner items read; ` +
        `CPU node ${spent.node.toFixed(1)} s${spent.other === undefined ? '' : ` + DynamoDB Local ${spent.other.toFixed(1)} s`} ` +
        `of ${((ms / 1000) * cpus().length).toFixed(1)} s; seeded in ${population.seedSeconds.toFixed(0)} s (untimed)`,
    );
  }
  out(
    '  RCU: as DynamoDB Local reports it (ReturnConsumedCapacity TOTAL on every read); billed adds what DynamoDB bills for ' +
      'an empty Query, which DynamoDB Local reports as 0',
  );
  out(
    `  Untimed: a warm-up run of ${WARM_UP_PARTNERS} partners in each population's DynamoDB Local first ` +
      `(${times.warmUpMs.map((ms) => `${int(ms)} ms`).join(', ')}); whole benchmark ${times.totalSeconds.toFixed(0)} s`,
  );
}

function billedReads(tally: CapacityTally): number {
  return tally.readUnits + 0.5 * tally.emptyQueries.eventual + tally.emptyQueries.consistent;
}

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
