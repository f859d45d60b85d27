/**
 * The latest records of the daily and monthly runs (daily-run-repository.ts,
 * monthly-run-repository.ts): one item per day or month, newest first, next to each
 * run's catch-up point, which is not a run and is left out.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { RUN_PK as DAILY_RUNS } from '../../functions/adapters/dynamodb/daily-run-repository';
import { RUN_PK as MONTHLY_RUNS } from '../../functions/adapters/dynamodb/monthly-run-repository';

const RunSchema = z.object({
  sk: z.string(),
  // Shown as stored (`running`, `completed`): a state added later is shown, not refused.
  state: z.string(),
  startedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().optional(),
});

const DailyRunSchema = RunSchema.extend({ type: z.literal('daily-run'), cutoffs: z.array(z.string()).optional() });
const MonthlyRunSchema = RunSchema.extend({
  type: z.literal('monthly-run'),
  partnersVisited: z.number().optional(),
  partnersCharged: z.number().optional(),
  partnersDeclined: z.number().optional(),
  partnersUnknown: z.number().optional(),
  partnersFailed: z.number().optional(),
  reruns: z.number().optional(),
});

export type DailyRunRecord = z.output<typeof DailyRunSchema>;
export type MonthlyRunRecord = z.output<typeof MonthlyRunSchema>;

export async function latestDailyRuns(
  client: DynamoDBDocumentClient,
  tableName: string,
  limit: number,
): Promise<DailyRunRecord[]> {
  return latestRuns(client, tableName, DAILY_RUNS, DailyRunSchema, limit);
}

export async function latestMonthlyRuns(
  client: DynamoDBDocumentClient,
  tableName: string,
  limit: number,
): Promise<MonthlyRunRecord[]> {
  return latestRuns(client, tableName, MONTHLY_RUNS, MonthlyRunSchema, limit);
}

async function latestRuns<T extends z.ZodType>(
  client: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  schema: T,
  limit: number,
): Promise<z.output<T>[]> {
  const { Items: items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
      // One more for the catch-up point, which sorts after every day and month.
      Limit: limit + 1,
    }),
  );
  return items
    .filter((item) => item.type !== undefined)
    .slice(0, limit)
    .map((item) => schema.parse(item));
}
