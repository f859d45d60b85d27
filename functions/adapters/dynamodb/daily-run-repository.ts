/**
 * The daily run's storage: run records (a day runs once; catch-up knows the last day that
 * completed), the sparse attention index, balances as of a cut-off, snapshots, blocking.
 * Publishing and blocking write their event to the outbox in the same transaction.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { updateIf, updateIfTogether } from './conditional-update';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type BalancesAsOf,
  type DailyRunRepository,
  type Day,
  type RunStart,
  type Snapshot,
  cutoffOf,
  dayOf,
} from '../../domain/daily/daily-run-ports';
import type { DomainEvent } from '../../domain/events';
import { micros } from '../../domain/money';
import { ATTENTION_INDEX } from '../../../definitions/table';
import { decodeCursor, encodeCursor } from './cursor';
import { ATTENTION_SHARDS, historyPartition, ledgerPartition, partnerKey } from './keys';
import { putOutboxEvent } from './outbox';
import { partitionPage } from './page-query';
import { cancellationReasons } from './transactions';

/** A run catches up at most this many missed days; older gaps need an operator. */
export const MAX_CATCH_UP_DAYS = 31;

/** The partition of the run records, one per day (`{YYYY-MM-DD}`), and of the catch-up point. */
export const RUN_PK = 'RUN#daily';
const LATEST_SK = 'LATEST';
const DAY_MS = 24 * 60 * 60 * 1000;

export class DynamoDbDailyRunRepository implements DailyRunRepository {
  readonly shards = ATTENTION_SHARDS;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async beginRun(day: Day, startedAt: Date): Promise<RunStart> {
    const latest = await this.get({ pk: RUN_PK, sk: LATEST_SK });
    const cutoffs = cutoffsSince(latest?.lastCompletedDay as Day | undefined, day);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: RUN_PK,
            sk: day,
            type: 'daily-run',
            state: 'running',
            startedAt: startedAt.toISOString(),
            cutoffs: cutoffs.map(dayOf),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { state: 'new', cutoffs };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const run = await this.get({ pk: RUN_PK, sk: day });
      return {
        state: run?.state === 'completed' ? 'completed' : 'running',
        cutoffs: ((run?.cutoffs as Day[]) ?? [day]).map(cutoffOf),
      };
    }
  }

  async finishShard(day: Day, shard: number): Promise<boolean> {
    const { Attributes: attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: RUN_PK, sk: day },
        UpdateExpression: 'ADD shardsDone :shard',
        ExpressionAttributeValues: { ':shard': new Set([String(shard)]) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return ((attributes?.shardsDone as Set<string> | undefined)?.size ?? 0) >= this.shards;
  }

  async completeRun(day: Day, completedAt: Date): Promise<void> {
    await this.client
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: RUN_PK, sk: day },
                UpdateExpression: 'SET #state = :completed, completedAt = :at',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':completed': 'completed', ':at': completedAt.toISOString() },
              },
            },
            {
              // A late completion of an older day never moves the catch-up point back.
              Update: {
                TableName: this.tableName,
                Key: { pk: RUN_PK, sk: LATEST_SK },
                UpdateExpression: 'SET lastCompletedDay = :day',
                ConditionExpression: 'attribute_not_exists(lastCompletedDay) OR lastCompletedDay < :day',
                ExpressionAttributeValues: { ':day': day },
              },
            },
          ],
        }),
      )
      .catch(async (error: unknown) => {
        // Only the catch-up point refused: a newer day completed first. Record this one alone.
        if (cancellationReasons(error)?.[1]?.code !== 'ConditionalCheckFailed') throw error;
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: RUN_PK, sk: day },
            UpdateExpression: 'SET #state = :completed, completedAt = :at',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':completed': 'completed', ':at': completedAt.toISOString() },
          }),
        );
      });
  }

  async attentionPage(shard: number, cursor: string | undefined, limit: number) {
    const pk = `ATTENTION#${shard}`;
    const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ATTENTION_INDEX,
        KeyConditionExpression: 'attentionPk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: limit,
        ...(cursor !== undefined && { ExclusiveStartKey: JSON.parse(decodeCursor(cursor)) as Record<string, unknown> }),
      }),
    );
    return {
      partnerIds: items.map((item) => item.attentionSk as string),
      ...(last !== undefined && { nextCursor: encodeCursor(JSON.stringify(last)) }),
    };
  }

  async balancesAsOf(partnerId: string, cutoffs: readonly Date[]): Promise<BalancesAsOf> {
    const times = cutoffs.map((cutoff) => cutoff.getTime());
    const earliest = new Date(Math.min(...times));
    const latest = new Date(Math.max(...times)).toISOString();
    // Live balance and the entries posted since the earliest cut-off must be one moment's
    // view: read the version before and after the query, and read again if it moved.
    for (;;) {
      const before = await this.get(partnerKey(partnerId));
      if (before === undefined) throw new Error(`partner ${partnerId} does not exist`);
      const since = await this.entriesSince(partnerId, earliest);
      const after = await this.get(partnerKey(partnerId));
      if (after?.version !== before.version) continue;
      const live = before.liveBalance as number;
      return {
        balances: cutoffs.map((cutoff) =>
          micros(
            live -
              since
                .filter((entry) => entry.postedAt >= cutoff.toISOString())
                .reduce((total, entry) => total + entry.amount, 0),
          ),
        ),
        version: before.version as number,
        quietSinceLatest: since.every((entry) => entry.postedAt < latest),
      };
    }
  }

  async publish(partnerId: string, snapshots: readonly Snapshot[], event: DomainEvent): Promise<boolean> {
    const latest = snapshots[snapshots.length - 1];
    if (latest === undefined) return false;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...snapshots.map((snapshot) => ({
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: historyPartition(partnerId),
                  sk: snapshot.day,
                  type: 'balance-snapshot',
                  partnerId,
                  day: snapshot.day,
                  balance: snapshot.balance,
                  asOf: snapshot.cutoff.toISOString(),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
            {
              Update: {
                TableName: this.tableName,
                Key: partnerKey(partnerId),
                UpdateExpression: 'SET publishedBalance = :balance, publishedAsOf = :asOf',
                ConditionExpression:
                  'attribute_exists(pk) AND (attribute_not_exists(publishedAsOf) OR publishedAsOf < :asOf)',
                ExpressionAttributeValues: { ':balance': latest.balance, ':asOf': latest.cutoff.toISOString() },
              },
            },
            putOutboxEvent(this.tableName, partnerId, event),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (cancellationReasons(error)?.some((reason) => reason.code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }

  claimDailyRetry(partnerId: string, day: Day): Promise<boolean> {
    return updateIf(this.client, this.tableName, partnerKey(partnerId), {
      update: 'SET lastDailyRetryOn = :day',
      condition: 'attribute_exists(pk) AND (attribute_not_exists(lastDailyRetryOn) OR lastDailyRetryOn <> :day)',
      values: { ':day': day },
    });
  }

  block(partnerId: string, overdueSince: Date, at: Date, event: DomainEvent): Promise<boolean> {
    return updateIfTogether(
      this.client,
      this.tableName,
      partnerKey(partnerId),
      {
        update: 'SET #status = :blocked, blockedAt = :at',
        // A closed account is never blocked: its status is final.
        condition: 'liveBalance < :zero AND overdueSince = :since AND NOT #status IN (:blocked, :closed)',
        values: {
          ':blocked': 'blocked',
          ':closed': 'closed',
          ':at': at.toISOString(),
          ':zero': 0,
          ':since': overdueSince.toISOString(),
        },
        names: { '#status': 'status' },
      },
      [putOutboxEvent(this.tableName, partnerId, event)],
    );
  }

  releaseAttention(partnerId: string, version: number): Promise<boolean> {
    return updateIf(this.client, this.tableName, partnerKey(partnerId), {
      update: 'REMOVE attentionPk, attentionSk',
      condition: 'version = :version',
      values: { ':version': version },
    });
  }

  async historyPage(partnerId: string, page: { limit: number; cursor?: string }) {
    const { items, nextCursor } = await partitionPage(
      this.client,
      this.tableName,
      historyPartition(partnerId),
      page,
      (item) => ({
        day: item.day as Day,
        cutoff: new Date(item.asOf as string),
        balance: micros(item.balance as number),
      }),
    );
    return { snapshots: items, ...(nextCursor !== undefined && { nextCursor }) };
  }

  private async entriesSince(partnerId: string, since: Date): Promise<{ postedAt: string; amount: number }[]> {
    const entries: { postedAt: string; amount: number }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': ledgerPartition(partnerId), ':since': since.toISOString() },
          ProjectionExpression: 'postedAt, amount',
          ConsistentRead: true,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      entries.push(...items.map((item) => ({ postedAt: item.postedAt as string, amount: item.amount as number })));
      start = last;
    } while (start !== undefined);
    return entries;
  }

  private async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return item;
  }
}

/** Every day after the last completed one up to `day`, at most MAX_CATCH_UP_DAYS, oldest first. */
function cutoffsSince(lastCompleted: Day | undefined, day: Day): Date[] {
  const target = cutoffOf(day).getTime();
  const first =
    lastCompleted === undefined
      ? target
      : Math.max(cutoffOf(lastCompleted).getTime() + DAY_MS, target - (MAX_CATCH_UP_DAYS - 1) * DAY_MS);
  const cutoffs: Date[] = [];
  for (let time = first; time <= target; time += DAY_MS) cutoffs.push(new Date(time));
  return cutoffs.length === 0 ? [new Date(target)] : cutoffs;
}
