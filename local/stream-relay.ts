/**
 * Does what Lambda's DynamoDB event source mapping does, against DynamoDB Local: finds
 * the table's latest stream, follows its shards (a child only once its parent is read to
 * the end), reads each in order with GetRecords, drops what the mapping's filter drops,
 * and hands the rest to the handler in batches as a DynamoDBStreamEvent. Failures work as
 * with ReportBatchItemFailures: the shard is read again from the first record the handler
 * reported (from the batch's first record when it threw), so every record is delivered
 * at least once and none is skipped; records after a failed one come again too.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  type DynamoDBStreamsClientConfig,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsOutput,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type Shard,
  type _Record as StreamApiRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { isOutboxInsert, toLambdaRecord } from './dynamodb-stream-event';
import { lambdaContext } from './lambda-context';
import { StreamCheckpoint } from './stream-checkpoint';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamRelayOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly region?: string;
  readonly credentials?: DynamoDBStreamsClientConfig['credentials'];
  readonly handler: StreamHandler;
  /**
   * Where to begin in the shards there are at start, unless a checkpoint for the stream
   * is found. Shards that appear later are read from their first record, as in Lambda.
   */
  readonly from: 'TRIM_HORIZON' | 'LATEST';
  /** Poll in the background (local runtime) or only when catchUp() is called (tests). */
  readonly background: boolean;
  /** Pause between background rounds; Lambda polls each shard about four times a second. */
  readonly pollIntervalMs?: number;
  /** The most records per invocation (the mapping's batch size); 100, as Lambda's default. */
  readonly batchSize?: number;
  /** The mapping's filter: new outbox items unless told otherwise. */
  readonly filter?: (record: DynamoDBRecord) => boolean;
  /** A file for the position in each shard, so that a restart resumes after what was relayed. */
  readonly checkpointFile?: string;
  readonly functionName?: string;
  /** The function's timeout: the Lambda context's remaining time counts down from it. */
  readonly timeoutMs?: number;
  /**
   * Told about every invocation that threw or reported records as failed, about trimmed
   * records and, in the background, about stream errors; each error's message says what failed.
   */
  readonly onError?: (error: unknown) => void;
}

export interface StreamRelay {
  readonly streamArn: string;
  /**
   * Polls until one full round over every shard returns no records, and resolves with how
   * many records were handed to the handler meanwhile (redeliveries included; in the
   * background, those of background rounds too). Rejects with CatchUpTimeout when the
   * handler keeps failing, or records keep coming, past `timeoutMs`.
   */
  catchUp(timeoutMs?: number): Promise<number>;
  /** Finishes the page in hand, then stops polling. */
  stop(): Promise<void>;
}

export class CatchUpTimeout extends Error {
  constructor(
    readonly timeoutMs: number,
    /** Records the handler failed in the last round; 0 when records just kept coming. */
    readonly failingRecords: number,
  ) {
    super(
      `the stream relay had not caught up after ${timeoutMs} ms: ${failingRecords > 0 ? `the handler still fails ${failingRecords} records` : 'records keep coming'}`,
    );
  }
}

const DEFAULTS = {
  region: 'us-east-1',
  pollIntervalMs: 250,
  batchSize: 100,
  functionName: 'publish-events',
  timeoutMs: 60_000,
};
const DEFAULT_CATCH_UP_TIMEOUT_MS = 30_000;
/** Before a failed batch is read again within catchUp(), so a failing handler is not spun. */
const RETRY_PAUSE_MS = 100;
/** After a stream error or a failed record in the background (DynamoDB Local restarting, say), before the next round. */
const ERROR_PAUSE_MS = 1_000;

export async function startStreamRelay(options: StreamRelayOptions): Promise<StreamRelay> {
  const connection = {
    endpoint: options.endpoint,
    region: options.region ?? DEFAULTS.region,
    // DynamoDB Local accepts any credentials; never let a local run pick up real ones.
    credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const streamArn = await latestStreamArn(new DynamoDBClient(connection), options.tableName);
  const client = new DynamoDBStreamsClient(connection);
  const relay = new DynamoDbStreamRelay(client, streamArn, options);
  try {
    await relay.open();
  } catch (error) {
    client.destroy();
    throw error;
  }
  return relay;
}

async function latestStreamArn(client: DynamoDBClient, tableName: string): Promise<string> {
  try {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (table?.StreamSpecification?.StreamEnabled !== true || table.LatestStreamArn === undefined) {
      throw new Error(`table ${tableName} has no stream to relay: create it with createBillingTable`);
    }
    return table.LatestStreamArn;
  } finally {
    client.destroy();
  }
}

type Position =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

const OLDEST: Position = { type: 'TRIM_HORIZON' };

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  position: Position;
  iterator: string | undefined;
  /** The last record relayed or filtered out: what the checkpoint keeps. */
  lastDone: string | undefined;
  /** Closed and read to its end (or gone): its children may be read. */
  ended: boolean;
}

interface RoundResult {
  readonly read: number;
  readonly failing: number;
}

class DynamoDbStreamRelay implements StreamRelay {
  private readonly shards = new Map<string, ShardState>();
  private readonly checkpoint: StreamCheckpoint | undefined;
  private readonly filter: (record: DynamoDBRecord) => boolean;
  private readonly onError: (error: unknown) => void;
  private handed = 0;
  // One round at a time, whether the background or catchUp() asks for it: two readers of
  // one shard would hand the same records over twice.
  private turn: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private polling: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamArn: string,
    private readonly options: StreamRelayOptions,
  ) {
    this.checkpoint = options.checkpointFile === undefined ? undefined : new StreamCheckpoint(options.checkpointFile);
    this.filter = options.filter ?? isOutboxInsert;
    this.onError = options.onError ?? (() => undefined);
  }

  async open(): Promise<void> {
    const saved = this.checkpoint?.read(this.streamArn);
    for (const shard of await this.listShards()) {
      const state = this.track(shard, saved);
      // LATEST means "from now", not from the first poll: the iterator is taken at once.
      if (state.position.type === 'LATEST') state.iterator = await this.iteratorFor(state);
    }
    if (this.options.background) this.polling = this.poll();
  }

  async catchUp(timeoutMs = DEFAULT_CATCH_UP_TIMEOUT_MS): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const before = this.handed;
    for (;;) {
      if (this.stopped) throw new Error('the stream relay is stopped');
      const { read, failing } = await this.exclusively(() => this.round());
      if (read === 0) return this.handed - before;
      if (Date.now() > deadline) throw new CatchUpTimeout(timeoutMs, failing);
      if (failing > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.polling;
    await this.turn;
    this.client.destroy();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      let pause = this.options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
      try {
        const { failing } = await this.exclusively(() => this.round());
        // A record that keeps failing is read again once a second, not on every round.
        if (failing > 0) pause = Math.max(pause, ERROR_PAUSE_MS);
      } catch (error) {
        if (this.stopped) return;
        this.onError(new Error(`reading the stream failed: ${messageOf(error)}`, { cause: error }));
        pause = Math.max(pause, ERROR_PAUSE_MS);
      }
      await this.sleep(pause);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private exclusively<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** Every shard that may be read, each to the end it has now (or to a failed record). */
  private async round(): Promise<RoundResult> {
    await this.refreshShards();
    let read = 0;
    let failing = 0;
    for (const shard of this.shards.values()) {
      if (this.stopped) break;
      if (shard.ended || !this.parentEnded(shard)) continue;
      const result = await this.readShard(shard);
      read += result.read;
      failing += result.failing;
    }
    return { read, failing };
  }

  private async refreshShards(): Promise<void> {
    const listed = await this.listShards();
    for (const shard of listed) if (!this.shards.has(shard.ShardId ?? '')) this.track(shard, new Map());
    // Shards past the stream's retention are no longer listed; their children need not wait for them.
    const ids = new Set(listed.map((shard) => shard.ShardId));
    for (const [shardId, state] of this.shards) if (state.ended && !ids.has(shardId)) this.shards.delete(shardId);
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription: description } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      shards.push(...(description?.Shards ?? []));
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return shards;
  }

  /**
   * `saved` holds the checkpoint's positions (empty for a shard found after the start, so
   * it is read from its first record); undefined when there is no checkpoint to resume.
   */
  private track(shard: Shard, saved: ReadonlyMap<string, string> | undefined): ShardState {
    const shardId = shard.ShardId ?? '';
    const lastDone = saved?.get(shardId);
    let position: Position = OLDEST;
    let ended = false;
    if (lastDone !== undefined) position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastDone };
    else if (saved === undefined && this.options.from === 'LATEST') {
      position = { type: 'LATEST' };
      // A closed shard has nothing after "now".
      ended = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    }
    const state: ShardState = {
      shardId,
      parentShardId: shard.ParentShardId,
      position,
      iterator: undefined,
      lastDone,
      ended,
    };
    this.shards.set(shardId, state);
    return state;
  }

  private parentEnded(shard: ShardState): boolean {
    const parent = shard.parentShardId === undefined ? undefined : this.shards.get(shard.parentShardId);
    return parent === undefined || parent.ended;
  }

  private async readShard(shard: ShardState): Promise<RoundResult> {
    let read = 0;
    while (!this.stopped) {
      const page = await this.nextPage(shard);
      if (page === undefined) break;
      const records = page.Records ?? [];
      read += records.length;
      if (records.length > 0) {
        const failed = await this.deliver(records);
        if (failed !== undefined) {
          const retryAt = records.findIndex((record) => record.dynamodb?.SequenceNumber === failed.from);
          if (retryAt > 0) this.markDone(shard, records[retryAt - 1]);
          shard.position = { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: failed.from };
          shard.iterator = undefined;
          return { read, failing: failed.count };
        }
        this.markDone(shard, records[records.length - 1]);
      }
      shard.iterator = page.NextShardIterator;
      if (shard.iterator === undefined) shard.ended = true;
      if (shard.ended || records.length === 0) break;
    }
    return { read, failing: 0 };
  }

  /** The next page of the shard; undefined when the shard is gone. */
  private async nextPage(shard: ShardState): Promise<GetRecordsOutput | undefined> {
    for (;;) {
      shard.iterator ??= await this.iteratorFor(shard);
      if (shard.iterator === undefined) {
        shard.ended = true;
        return undefined;
      }
      try {
        return await this.client.send(
          new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.options.batchSize ?? DEFAULTS.batchSize }),
        );
      } catch (error) {
        // Iterators expire after 15 minutes; the position says where to take a new one.
        if (error instanceof ExpiredIteratorException) shard.iterator = undefined;
        else if (error instanceof TrimmedDataAccessException) this.skipTrimmed(shard);
        else throw error;
      }
    }
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    const { position } = shard;
    try {
      const { ShardIterator: iterator } = await this.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shard.shardId,
          ShardIteratorType: position.type,
          ...('sequenceNumber' in position && { SequenceNumber: position.sequenceNumber }),
        }),
      );
      return iterator;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      if (error instanceof TrimmedDataAccessException && position.type !== 'TRIM_HORIZON') {
        this.skipTrimmed(shard);
        return this.iteratorFor(shard);
      }
      throw error;
    }
  }

  /** Records older than the stream's retention (24 hours) are gone: say so, and go on from the oldest left. */
  private skipTrimmed(shard: ShardState): void {
    this.onError(
      new Error(
        `stream shard ${shard.shardId}: records after ${shard.lastDone ?? 'its start'} were trimmed before they were relayed`,
      ),
    );
    shard.position = OLDEST;
    shard.iterator = undefined;
  }

  /** Hands the records the filter lets through to the handler; says where to read again if some failed. */
  private async deliver(
    records: readonly StreamApiRecord[],
  ): Promise<{ readonly from: string; readonly count: number } | undefined> {
    const batch = records
      .map((record) => toLambdaRecord(record, this.streamArn))
      .filter((record) => this.filter(record));
    if (batch.length === 0) return undefined;
    this.handed += batch.length;
    const failed = await this.invoke(batch);
    const first = failed[0]?.dynamodb?.SequenceNumber;
    return first === undefined ? undefined : { from: first, count: failed.length };
  }

  /** The records of the batch that failed, in stream order. */
  private async invoke(batch: DynamoDBRecord[]): Promise<DynamoDBRecord[]> {
    const functionName = this.options.functionName ?? DEFAULTS.functionName;
    let response: DynamoDBBatchResponse | undefined;
    try {
      response = await this.options.handler(
        { Records: batch },
        lambdaContext(functionName, this.options.timeoutMs ?? DEFAULTS.timeoutMs),
      );
    } catch (error) {
      const from = batch[0]?.dynamodb?.SequenceNumber;
      this.onError(
        new Error(`threw on ${batch.length} records from sequence number ${from}, read again: ${messageOf(error)}`, {
          cause: error,
        }),
      );
      return batch;
    }
    const failures = response?.batchItemFailures ?? [];
    const failedIds = new Set(failures.map((failure) => failure.itemIdentifier));
    const sequenceNumbers = new Set(batch.map((record) => record.dynamodb?.SequenceNumber));
    // Lambda takes a failure it cannot place (an empty or unknown identifier) as the whole batch's.
    const failed = [...failedIds].some((id) => !sequenceNumbers.has(id))
      ? batch
      : batch.filter((record) => failedIds.has(record.dynamodb?.SequenceNumber ?? ''));
    if (failed.length > 0) {
      const from = failed[0]?.dynamodb?.SequenceNumber;
      this.onError(
        new Error(
          `reported ${failed.length} of ${batch.length} records as failed; read again from sequence number ${from}`,
        ),
      );
    }
    return failed;
  }

  private markDone(shard: ShardState, record: StreamApiRecord | undefined): void {
    const sequenceNumber = record?.dynamodb?.SequenceNumber;
    if (sequenceNumber === undefined) return;
    shard.lastDone = sequenceNumber;
    shard.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber };
    if (this.checkpoint === undefined) return;
    const positions = new Map<string, string>();
    for (const [shardId, state] of this.shards)
      if (state.lastDone !== undefined) positions.set(shardId, state.lastDone);
    this.checkpoint.write(this.streamArn, positions);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
