/**
 * `runs [--limit <n>]`: the latest daily and monthly runs, newest first, with where each
 * stands and how long it took. A run still `running` long after 00:00 UTC is one whose
 * work did not finish (see its dead-letter queue and the function's errors).
 */
import * as z from 'zod';
import { type Command, parseOptions } from '../command';
import { type DailyRunRecord, type MonthlyRunRecord, latestDailyRuns, latestMonthlyRuns } from '../reads/run-records';
import { textTable } from '../text-table';

const OptionsSchema = z.object({ limit: z.coerce.number().int().positive().max(1_000).default(10) });

export const runs: Command = {
  words: ['runs'],
  usage: 'runs [--limit <n>]',
  summary: 'the latest daily and monthly runs (10 of each by default), their outcome and duration',
  operands: [],
  options: { limit: { type: 'string' } },
  async run(target, input) {
    const { limit } = parseOptions(OptionsSchema, input.options);
    const [daily, monthly] = await Promise.all([
      latestDailyRuns(target.dynamoDb, target.tableName, limit),
      latestMonthlyRuns(target.dynamoDb, target.tableName, limit),
    ]);
    const json = { daily: daily.map(dailyView), monthly: monthly.map(monthlyView) };
    const text = [
      `daily runs of ${target.description} (latest ${limit})`,
      rowsOrNone(
        json.daily.map((run) => [run.day, run.state, run.startedAt, duration(run.durationSeconds), cutoffsText(run)]),
      ),
      `monthly runs (latest ${limit})`,
      rowsOrNone(
        json.monthly.map((run) => [
          run.month,
          run.state,
          run.startedAt,
          duration(run.durationSeconds),
          partnersText(run.partners),
        ]),
      ),
    ].join('\n');
    return { json, text };
  },
};

function dailyView(run: DailyRunRecord) {
  return {
    day: run.sk,
    state: run.state,
    startedAt: run.startedAt,
    ...(run.completedAt !== undefined && { completedAt: run.completedAt }),
    durationSeconds: secondsBetween(run.startedAt, run.completedAt),
    cutoffs: run.cutoffs ?? [run.sk],
  };
}

function monthlyView(run: MonthlyRunRecord) {
  return {
    month: run.sk,
    state: run.state,
    startedAt: run.startedAt,
    ...(run.completedAt !== undefined && { completedAt: run.completedAt }),
    durationSeconds: secondsBetween(run.startedAt, run.completedAt),
    partners: {
      visited: run.partnersVisited ?? 0,
      charged: run.partnersCharged ?? 0,
      declined: run.partnersDeclined ?? 0,
      unknown: run.partnersUnknown ?? 0,
      failed: run.partnersFailed ?? 0,
    },
    reruns: run.reruns ?? 0,
  };
}

/** Null while the run has not completed. */
function secondsBetween(startedAt: string, completedAt: string | undefined): number | null {
  return completedAt === undefined ? null : (Date.parse(completedAt) - Date.parse(startedAt)) / 1000;
}

function duration(seconds: number | null): string {
  return seconds === null ? 'not completed' : `${seconds.toFixed(1)} s`;
}

function cutoffsText(run: ReturnType<typeof dailyView>): string {
  return run.cutoffs.length > 1 ? `caught up ${run.cutoffs.length} days from ${run.cutoffs[0]}` : '';
}

function partnersText(partners: ReturnType<typeof monthlyView>['partners']): string {
  return `partners: ${partners.visited} visited, ${partners.charged} charged, ${partners.declined} declined, ${partners.unknown} unclear, ${partners.failed} failed`;
}

function rowsOrNone(rows: string[][]): string {
  return rows.length === 0 ? '  none' : textTable(rows);
}
