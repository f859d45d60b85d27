/**
 * The monthly run as Lambda runs it: the starter handler on the scheduled event, and the
 * piece worker handler fed from a work queue on the SQS emulator, each invocation with its
 * own time budget, against DynamoDB Local. Pieces hand the rest of their shard on, are
 * delivered again after a crash, and charge each partner's fee once a month; a month
 * whose run never started is run by the next start at its own price list.
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { shardOf } from '../../../functions/adapters/dynamodb/keys';
import { SqsMonthlyWorkQueue } from '../../../functions/adapters/sqs/sqs-monthly-work-queue';
import { type Month, parseMonth } from '../../../functions/domain/month';
import { parseLicenseFeeSchedule } from '../../../functions/domain/monthly/license-fee';
import { PARTNERS_CHARGED_AT_ONCE } from '../../../functions/domain/monthly/monthly-run';
import { createMonthlyRunHandler } from '../../../functions/handlers/monthly-run';
import { createMonthlyShardHandler } from '../../../functions/handlers/monthly-shard';
import { wireMonthlyRun } from '../../../functions/wiring/recharge';
import { lambdaContext } from '../../../local/lambda-context';
import { type PollResult, pollBatch } from '../../../local/sqs-poller';
import { LicenseHarness } from '../../support/license-harness';
import { RecordingFailureReporter } from '../../support/recording-failure-reporter';
import { type TestQueues, createTestQueues } from '../../support/usage-queues';

const DECEMBER = parseMonth('2026-12');
const JANUARY = parseMonth('2027-01');
const FEBRUARY = parseMonth('2027-02');
const SHARDS = 16;
/**
 * A budget below the worker's reserve for one more page (DEFAULT_RESERVE_MS): every piece
 * charges one page and hands the rest of its shard on.
 */
const TINY_BUDGET_MS = 30_000;
/** A budget no piece here comes near. */
const AMPLE_BUDGET_MS = 900_000;

const scheduled = (time: string) =>
  ({ time, 'detail-type': 'Scheduled Event', source: 'aws.events' }) as ScheduledEvent;

/** `count` partner ids of one shard, so that they need several pages of it. */
function oneShard(prefix: string, count: number): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n += 1)
    if (shardOf(`${prefix}-${n}`) === shardOf(prefix)) ids.push(`${prefix}-${n}`);
  return ids;
}

describe('Handlers: monthly run starter and piece worker, over the SQS emulator', () => {
  let harness: LicenseHarness;
  let queue: TestQueues;
  let failures: RecordingFailureReporter;

  beforeEach(async () => {
    failures = new RecordingFailureReporter();
    [harness, queue] = await Promise.all([LicenseHarness.start(), createTestQueues()]);
    harness.at('2026-11-10T09:00:00Z');
  });

  afterEach(async () => {
    await Promise.all([harness.stop(), queue.drop()]);
  });

  const deps = () =>
    wireMonthlyRun({
      ...harness.recharge.wiring,
      provider: harness.provider,
      fees: harness.fees,
      work: new SqsMonthlyWorkQueue(queue.client, queue.queueUrl),
    });

  /** The starter on the 1st of `month`, at 00:00 UTC, as the schedule invokes it. */
  const start = (month: string) => {
    harness.at(`${month}-01T00:00:00.000Z`);
    return createMonthlyRunHandler(deps())(scheduled(`${month}-01T00:00:00Z`), lambdaContext('monthly-run'));
  };

  const waiting = async (): Promise<number> => {
    const { Attributes: counts = {} } = await queue.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(counts.ApproximateNumberOfMessages) + Number(counts.ApproximateNumberOfMessagesNotVisible);
  };

  /** Delivers the queue's pieces one per invocation, each with `budgetMs`, until none is left (redeliveries too). */
  async function drain(budgetMs: number): Promise<PollResult[]> {
    const handler = createMonthlyShardHandler(deps(), undefined, failures.report);
    const polls: PollResult[] = [];
    for (;;) {
      const context = lambdaContext('monthly-shard', budgetMs);
      const result = await pollBatch(queue.client, queue.queueUrl, handler, {
        batchSize: 1,
        context,
        waitTimeSeconds: 1,
      });
      if (result.received > 0) polls.push(result);
      else if ((await waiting()) === 0) return polls;
    }
  }

  const licensed = async (partnerIds: readonly string[], numbersEach = 1) => {
    for (const [index, partnerId] of partnerIds.entries()) {
      await harness.recharge.open(partnerId, '500.00');
      for (let number = 0; number < numbersEach; number += 1)
        await harness.registerNumber(
          partnerId,
          `+49151${String(index).padStart(4, '0')}${String(number).padStart(4, '0')}`,
        );
    }
  };

  const chargesOf = (partnerIds: readonly string[]) =>
    partnerIds.map((partnerId) => [...harness.recharge.successfulCharges(partnerId).keys()]);

  it('queues a piece per shard, hands a shard on page by page within a tiny time budget, charges each partner once and completes the run once', async () => {
    // Prepare: 2 pages in one shard, and partners elsewhere.
    const crowded = oneShard('crowded', PARTNERS_CHARGED_AT_ONCE + 1);
    const scattered = ['solo-a', 'solo-b'];
    await licensed([...crowded, ...scattered]);

    // Act
    const started = await start('2026-12');
    const polls = await drain(TINY_BUDGET_MS);

    // Assess: 16 pieces and 1 more for the crowded shard's second page; every one acknowledged.
    expect(started).toEqual({ period: DECEMBER, months: [{ period: DECEMBER, state: 'new' }] });
    expect(polls).toHaveLength(SHARDS + 1);
    expect(polls.every((poll) => poll.deleted === 1)).toBe(true);
    expect(chargesOf([...crowded, ...scattered])).toEqual(
      [...crowded, ...scattered].map((partnerId) => [`lic-2026-12-${partnerId}-1`]),
    );
    expect(await harness.runRecord(DECEMBER)).toMatchObject({
      state: 'completed',
      startedBy: DECEMBER,
      months: [DECEMBER],
      startedAt: '2026-12-01T00:00:00.000Z',
      completedAt: '2026-12-01T00:00:00.000Z',
      durationSeconds: 0,
      piecesDone: SHARDS + 1,
      shardsDone: new Set(Array.from({ length: SHARDS }, (_, shard) => String(shard))),
      partnersVisited: crowded.length + scattered.length,
      partnersCharged: crowded.length + scattered.length,
      partnersDeclined: 0,
      partnersUnknown: 0,
      partnersFailed: 0,
    });
    expect(await waiting()).toBe(0);
  }, 180_000);

  it('charges once and completes once when pieces crash after charging, after handing on, after recording, or arrive twice', async () => {
    // Prepare
    const crowded = oneShard('crash', PARTNERS_CHARGED_AT_ONCE + 2);
    await licensed(crowded);
    await start('2026-12');
    // The first charge is made and its answer lost; the first hand-over is queued and the piece dies; the
    // first finished piece is recorded and dies before it is acknowledged.
    harness.recharge.faults.arm('provider.charge:after');
    harness.recharge.faults.arm('work.enqueue:after');
    harness.recharge.faults.arm('runs.recordPiece:after');
    // And one piece is sent twice, as SQS may deliver a message twice.
    await queue.client.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: JSON.stringify({ periods: [DECEMBER], shard: shardOf(crowded[0] as string) }),
      }),
    );

    // Act
    const polls = await drain(TINY_BUDGET_MS);

    // Assess
    expect(new Set(harness.recharge.faults.hits)).toEqual(
      new Set(['provider.charge:after', 'work.enqueue:after', 'runs.recordPiece:after']),
    );
    expect(polls.filter((poll) => poll.failed > 0)).toHaveLength(3);
    expect(chargesOf(crowded)).toEqual(crowded.map((partnerId) => [`lic-2026-12-${partnerId}-1`]));
    for (const partnerId of crowded) expect(await harness.licenseInvoices(partnerId)).toHaveLength(1);
    const record = await harness.runRecord(DECEMBER);
    // Each acknowledged piece adds what it did: one delivered again counts again, and finds charged
    // (visited, not charged by it) the partners a piece that crashed had charged.
    expect(record).toMatchObject({ state: 'completed', partnersFailed: 0 });
    expect(record?.piecesDone).toBeGreaterThan(SHARDS + 1);
    expect(record?.partnersVisited).toBeGreaterThan(crowded.length);
    expect(failures.reported).toEqual([]);
  }, 180_000);

  it('runs a month whose run never started when the next one starts, oldest first, each at its own price list and numbers', async () => {
    // Prepare: December runs; the run of January never starts; a number is added in mid-January.
    harness.fees = parseLicenseFeeSchedule({
      '2026-12': { EUR: '25.00', USD: '27.00' },
      '2027-01': { EUR: '30.00', USD: '32.00' },
      '2027-02': { EUR: '35.00', USD: '37.00' },
    });
    await licensed(['steady']);
    await start('2026-12');
    await drain(AMPLE_BUDGET_MS);
    harness.at('2027-01-15T12:00:00Z');
    await harness.registerNumber('steady', '+4915199990001');

    // Act
    const started = await start('2027-02');
    await drain(AMPLE_BUDGET_MS);

    // Assess: January at 30.00 for the one number it had on its 1st, February at 35.00 for two.
    expect(started).toEqual({
      period: FEBRUARY,
      months: [
        { period: JANUARY, state: 'new' },
        { period: FEBRUARY, state: 'new' },
      ],
    });
    expect(harness.recharge.successfulCharges('steady')).toEqual(
      new Map([
        ['lic-2026-12-steady-1', 2_600],
        ['lic-2027-01-steady-1', 3_120],
        ['lic-2027-02-steady-1', 7_280],
      ]),
    );
    expect((await harness.licenseInvoices('steady')).map((invoice) => invoice.lines[0]?.description)).toEqual(
      expect.arrayContaining([
        'License fee January 2027: 1 hosted number × 30.00 EUR',
        'License fee February 2027: 2 hosted numbers × 35.00 EUR',
      ]),
    );
    expect(await harness.runRecord(JANUARY)).toMatchObject({ state: 'completed', startedBy: FEBRUARY });
    expect(await harness.runRecord(FEBRUARY)).toMatchObject({ state: 'completed', months: [JANUARY, FEBRUARY] });
    // The next start finds nothing to catch up.
    expect(await start('2027-02')).toEqual({ period: FEBRUARY, months: [{ period: FEBRUARY, state: 'completed' }] });
    expect(await waiting()).toBe(0);
  });

  it('refuses to start when a month to catch up has no price list, before recording or charging anything', async () => {
    // Prepare: December completed; January never ran; prices start in February.
    await licensed(['unpriced']);
    await start('2026-12');
    await drain(AMPLE_BUDGET_MS);
    harness.fees = parseLicenseFeeSchedule({ '2027-02': { EUR: '35.00', USD: '37.00' } });

    // Act
    const refused = start('2027-02');

    // Assess
    await expect(refused).rejects.toThrow('no price list for 2027-01: the first applies from 2027-02');
    expect(await waiting()).toBe(0);
    for (const month of [JANUARY, FEBRUARY] as Month[]) expect(await harness.runRecord(month)).toBeUndefined();
  });
});
