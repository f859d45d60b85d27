/**
 * The monthly run's records on DynamoDB: one item per month, `RUN#monthly` / `{YYYY-MM}`,
 * with where its run stands (`running`, `completed`), who started it and when, the pieces
 * of work done, the shards finished and what its partners came to; and the catch-up point,
 * `RUN#monthly` / `LATEST`, the latest month whose run completed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Month } from '../../domain/month';
import type {
  MonthRun,
  MonthRunState,
  MonthlyRunRepository,
  PieceTally,
  RecordedPiece,
} from '../../domain/monthly/monthly-run-ports';
import { updateIf } from './conditional-update';
import { ATTENTION_SHARDS } from './keys';
import { cancellationReasons, isConditionFailure } from './transactions';

/** The partition of the run records, one per month (`{YYYY-MM}`), and of the catch-up point. */
export const RUN_PK = 'RUN#monthly';
const LATEST_SK = 'LATEST';
const runKey = (period: Month) => ({ pk: RUN_PK, sk: period });

/** The figures of a run, set to 0 when it starts and added to by each piece. */
const TALLIES: readonly (keyof PieceTally)[] = ['visited', 'charged', 'declined', 'unknown', 'failed'];
const tallyAttribute = (name: keyof PieceTally) => `partners${name[0]?.toUpperCase()}${name.slice(1)}`;

export class DynamoDbMonthlyRunRepository implements MonthlyRunRepository {
  /** The shards of the licensed list (license-repository.ts). */
  readonly shards = ATTENTION_SHARDS;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async lastCompletedMonth(): Promise<Month | undefined> {
    return (await this.get(LATEST_SK))?.lastCompletedMonth as Month | undefined;
  }

  async beginRun(period: Month, months: readonly Month[], startedAt: Date): Promise<readonly MonthRun[]> {
    const runs: MonthRun[] = [];
    for (const month of months) runs.push({ period: month, state: await this.begin(month, period, months, startedAt) });
    return runs;
  }

  async recordPiece(period: Month, shard: number, finished: boolean, tally: PieceTally): Promise<RecordedPiece> {
    const adds = ['piecesDone :one', ...TALLIES.map((name) => `${tallyAttribute(name)} :${name}`)];
    const { Attributes: run } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(period),
        UpdateExpression: `ADD ${[...adds, ...(finished ? ['shardsDone :shard'] : [])].join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':one': 1,
          ...Object.fromEntries(TALLIES.map((name) => [`:${name}`, tally[name]])),
          ...(finished && { ':shard': new Set([String(shard)]) }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const shardsDone = (run?.shardsDone as Set<string> | undefined)?.size ?? 0;
    return { lastShard: finished && shardsDone >= this.shards, startedAt: new Date(run?.startedAt as string) };
  }

  async completeRun(period: Month, startedAt: Date, completedAt: Date): Promise<boolean> {
    const complete = {
      TableName: this.tableName,
      Key: runKey(period),
      UpdateExpression: 'SET #state = :completed, completedAt = :at, durationSeconds = :seconds',
      ConditionExpression: '#state = :running',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':completed': 'completed',
        ':running': 'running',
        ':at': completedAt.toISOString(),
        ':seconds': (completedAt.getTime() - startedAt.getTime()) / 1000,
      },
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: complete },
            {
              // A late completion of an older month never moves the catch-up point back.
              Update: {
                TableName: this.tableName,
                Key: { pk: RUN_PK, sk: LATEST_SK },
                UpdateExpression: 'SET lastCompletedMonth = :period',
                ConditionExpression: 'attribute_not_exists(lastCompletedMonth) OR lastCompletedMonth < :period',
                ExpressionAttributeValues: { ':period': period },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const [run, latest] = cancellationReasons(error) ?? [];
      if (isConditionFailure(run)) return false;
      if (!isConditionFailure(latest)) throw error;
      // Only the catch-up point refused: a later month completed first. Complete this one alone.
      return updateIf(this.client, this.tableName, runKey(period), {
        update: complete.UpdateExpression,
        condition: complete.ConditionExpression,
        names: complete.ExpressionAttributeNames,
        values: complete.ExpressionAttributeValues,
      });
    }
  }

  /** Records `month`'s run unless it has one; reopens `period`'s own if it completed with failed partners. */
  private async begin(month: Month, period: Month, months: readonly Month[], startedAt: Date): Promise<MonthRunState> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...runKey(month),
            type: 'monthly-run',
            period: month,
            state: 'running',
            startedAt: startedAt.toISOString(),
            // The run that started it: itself, or a later month's run catching up.
            startedBy: period,
            ...(month === period && { months: [...months] }),
            piecesDone: 0,
            ...Object.fromEntries(TALLIES.map((name) => [tallyAttribute(name), 0])),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'new';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const run = await this.get(month);
    if (run?.state !== 'completed') return 'running';
    const failed = month === period && ((run[tallyAttribute('failed')] as number | undefined) ?? 0) > 0;
    return failed && (await this.reopen(month, startedAt)) ? 'reopened' : 'completed';
  }

  /**
   * A completed run whose partners failed before their fee was recorded runs again, once
   * their cause is repaired: its figures start over, the reruns are counted.
   */
  private reopen(period: Month, startedAt: Date): Promise<boolean> {
    return updateIf(this.client, this.tableName, runKey(period), {
      update: `SET #state = :running, startedAt = :at, piecesDone = :zero, ${TALLIES.map((name) => `${tallyAttribute(name)} = :zero`).join(', ')} REMOVE shardsDone, completedAt, durationSeconds ADD reruns :one`,
      condition: '#state = :completed',
      names: { '#state': 'state' },
      values: {
        ':running': 'running',
        ':completed': 'completed',
        ':at': startedAt.toISOString(),
        ':zero': 0,
        ':one': 1,
      },
    });
  }

  private async get(sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: RUN_PK, sk }, ConsistentRead: true }),
    );
    return item;
  }
}
