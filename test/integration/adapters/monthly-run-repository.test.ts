/**
 * The monthly run's records on DynamoDB Local: a month begins once, completes once when
 * its last shard is finished, and the catch-up point only moves forward.
 */
import { DynamoDbMonthlyRunRepository } from '../../../functions/adapters/dynamodb/monthly-run-repository';
import { parseMonth } from '../../../functions/domain/month';
import type { PieceTally } from '../../../functions/domain/monthly/monthly-run-ports';
import { type TestTable, createTestTable } from '../../support/billing-table';

const NOVEMBER = parseMonth('2026-11');
const DECEMBER = parseMonth('2026-12');
const START = new Date('2026-12-01T00:00:00.000Z');
const NOTHING: PieceTally = { visited: 0, charged: 0, declined: 0, unknown: 0, failed: 0 };

describe('Class: DynamoDbMonthlyRunRepository', () => {
  let table: TestTable;
  let runs: DynamoDbMonthlyRunRepository;

  beforeEach(async () => {
    table = await createTestTable();
    runs = new DynamoDbMonthlyRunRepository(table.client, table.tableName);
  });

  afterEach(async () => {
    await table.drop();
  });

  /** Every shard of `period` finished by one piece each. */
  async function finishEveryShard(period: typeof DECEMBER): Promise<boolean[]> {
    const last: boolean[] = [];
    for (let shard = 0; shard < runs.shards; shard += 1)
      last.push((await runs.recordPiece(period, shard, true, NOTHING)).lastShard);
    return last;
  }

  it('begins a month once: a repeat finds it running, and completed once its last shard is finished', async () => {
    expect(await runs.beginRun(DECEMBER, [DECEMBER], START)).toEqual([{ period: DECEMBER, state: 'new' }]);
    expect(await runs.beginRun(DECEMBER, [DECEMBER], START)).toEqual([{ period: DECEMBER, state: 'running' }]);

    const last = await finishEveryShard(DECEMBER);
    const completed = await runs.completeRun(DECEMBER, START, new Date('2026-12-01T00:20:00.000Z'));
    const again = await runs.completeRun(DECEMBER, START, new Date('2026-12-01T00:21:00.000Z'));

    expect(last.indexOf(true)).toBe(runs.shards - 1);
    expect([completed, again]).toEqual([true, false]);
    expect(await runs.lastCompletedMonth()).toBe(DECEMBER);
    expect(await runs.beginRun(DECEMBER, [DECEMBER], START)).toEqual([{ period: DECEMBER, state: 'completed' }]);
  });

  it('completes an older month late without moving the catch-up point back', async () => {
    await runs.beginRun(DECEMBER, [NOVEMBER, DECEMBER], START);
    await finishEveryShard(NOVEMBER);
    await finishEveryShard(DECEMBER);

    const december = await runs.completeRun(DECEMBER, START, new Date('2026-12-01T00:10:00.000Z'));
    const november = await runs.completeRun(NOVEMBER, START, new Date('2026-12-01T00:11:00.000Z'));

    expect([december, november]).toEqual([true, true]);
    expect(await runs.lastCompletedMonth()).toBe(DECEMBER);
    expect(await runs.beginRun(DECEMBER, [NOVEMBER, DECEMBER], START)).toEqual([
      { period: NOVEMBER, state: 'completed' },
      { period: DECEMBER, state: 'completed' },
    ]);
  });
});
