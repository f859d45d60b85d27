import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { type TransactItem, putOutboxEvent } from '../../../functions/adapters/dynamodb/outbox';
import type { DomainEvent } from '../../../functions/domain/events';
import type { EventPublisher } from '../../../functions/domain/ports';
import { createPublishEventsHandler } from '../../../functions/handlers/publish-events';
import { wirePublishEvents } from '../../../functions/wiring/publish-events';
import {
  CatchUpTimeout,
  type StreamHandler,
  type StreamRelay,
  type StreamRelayOptions,
  startStreamRelay,
} from '../../../local/stream-relay';
import { type TestTable, createTestTable } from '../../support/billing-table';
import { RecordingPublisher } from '../../support/recording-publisher';

const threshold = (partnerId: string, second: number): DomainEvent => ({
  type: 'BalanceBelowThreshold',
  time: new Date(Date.UTC(2026, 10, 22, 10, 0, second)),
  detail: { partnerId, currency: 'EUR', liveBalance: '80.00', threshold: '100.00' },
});

/** The event the relay must publish for an outbox Put: the one written, with the id it was given. */
function relayed(put: TransactItem): DomainEvent {
  const item = put.Put?.Item ?? {};
  return { type: item.eventType, time: new Date(item.time), detail: item.detail };
}

/** A bus that refuses one event the first time it sees it. */
class FailingOncePublisher implements EventPublisher {
  readonly published: DomainEvent[] = [];
  private refused = false;

  constructor(private readonly eventId: string) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) {
      if (!this.refused && event.detail.id === this.eventId) {
        this.refused = true;
        throw new Error('bus unavailable');
      }
      this.published.push(event);
    }
  }
}

const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('Local stream relay', () => {
  let table: TestTable;
  const relays: StreamRelay[] = [];

  beforeEach(async () => {
    table = await createTestTable();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await table.drop();
  });

  const commit = (...items: TransactItem[]) => table.client.send(new TransactWriteCommand({ TransactItems: items }));
  const outbox = (event: DomainEvent) => putOutboxEvent(table.tableName, event.detail.partnerId ?? '', event);

  async function startRelay(handler: StreamHandler, options: Partial<StreamRelayOptions> = {}): Promise<StreamRelay> {
    const endpoint = process.env.DYNAMODB_ENDPOINT ?? '';
    const relay = await startStreamRelay({
      endpoint,
      tableName: table.tableName,
      handler,
      from: 'TRIM_HORIZON',
      background: false,
      ...options,
    });
    relays.push(relay);
    return relay;
  }

  it('publishes exactly the outbox events committed, with their ids, and no other item', async () => {
    // Prepare
    const recorder = new RecordingPublisher();
    const relay = await startRelay(createPublishEventsHandler(wirePublishEvents(recorder)));
    const first = outbox(threshold('relay-1', 1));
    const second = outbox(threshold('relay-1', 2));
    const third = outbox(threshold('relay-2', 3));

    // Act: outbox items beside other items in transactions, a plain put, and a change to an outbox item
    await commit(first, second, {
      Put: {
        TableName: table.tableName,
        Item: { pk: 'PARTNER#relay-1', sk: 'LEDGER#1', type: 'ledger-entry', amount: -40 },
      },
    });
    await commit(
      { Put: { TableName: table.tableName, Item: { pk: 'PARTNER#relay-2', sk: 'PROFILE', type: 'partner' } } },
      third,
    );
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { pk: 'PARTNER#relay-3', sk: 'PROFILE', type: 'partner' } }),
    );
    const firstKey = { pk: first.Put?.Item?.pk, sk: first.Put?.Item?.sk };
    await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: firstKey,
        UpdateExpression: 'SET audited = :yes',
        ExpressionAttributeValues: { ':yes': true },
      }),
    );
    const handed = await relay.catchUp();

    // Assess
    expect(handed).toBe(3);
    expect(recorder.published).toEqual([relayed(first), relayed(second), relayed(third)]);
    expect(new Set(recorder.published.map((event) => event.detail.id)).size).toBe(3);
    expect(await relay.catchUp()).toBe(0);
  });

  it('hands a record the handler failed again, with those after it, and skips none', async () => {
    // Prepare
    const events = [outbox(threshold('retry-1', 1)), outbox(threshold('retry-1', 2)), outbox(threshold('retry-1', 3))];
    const refused = relayed(events[1] as TransactItem);
    const bus = new FailingOncePublisher(String(refused.detail.id));
    const relay = await startRelay(createPublishEventsHandler(wirePublishEvents(bus)));
    await commit(...events);

    // Act
    const handed = await relay.catchUp();

    // Assess: [1, 2 (refused), 3], then again from 2: [2, 3]
    expect(handed).toBe(5);
    const ids = bus.published.map((event) => event.detail.id);
    expect(new Set(ids)).toEqual(new Set(events.map((put) => relayed(put).detail.id)));
    expect(ids.filter((id) => id === refused.detail.id)).toHaveLength(1);
    expect(await relay.catchUp()).toBe(0);
  });

  it.each<[string, () => Promise<DynamoDBBatchResponse>]>([
    ['throws', () => Promise.reject(new Error('function crashed'))],
    ['reports a failure it cannot place', async () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
  ])('hands the whole batch again, and tells of the failure once, when the handler %s', async (_, firstAnswer) => {
    // Prepare
    const recorder = new RecordingPublisher();
    const publishEvents = createPublishEventsHandler(wirePublishEvents(recorder));
    const errors: unknown[] = [];
    let calls = 0;
    const relay = await startRelay(
      async (event, context) => {
        calls += 1;
        return calls === 1 ? firstAnswer() : publishEvents(event, context);
      },
      { onError: (error) => errors.push(error) },
    );
    const events = [outbox(threshold('whole-1', 1)), outbox(threshold('whole-1', 2))];
    await commit(...events);

    // Act
    const handed = await relay.catchUp();

    // Assess
    expect(handed).toBe(4);
    expect(recorder.published).toEqual(events.map(relayed));
    expect(errors).toHaveLength(1);
  });

  it('gives up waiting when the handler keeps failing, saying how many records fail', async () => {
    // Prepare
    const relay = await startRelay(async (event) => ({
      batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })),
    }));
    await commit(outbox(threshold('stuck-1', 1)));

    // Act
    const caughtUp = relay.catchUp(500);

    // Assess
    await expect(caughtUp).rejects.toThrow(CatchUpTimeout);
    await expect(caughtUp).rejects.toMatchObject({ failingRecords: 1 });
  });

  it('returns 0 at once on a stream with nothing new', async () => {
    // Prepare
    const relay = await startRelay(createPublishEventsHandler(wirePublishEvents(new RecordingPublisher())));
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { pk: 'PARTNER#quiet-1', sk: 'PROFILE', type: 'partner' } }),
    );

    // Act
    const handed = await relay.catchUp();

    // Assess
    expect(handed).toBe(0);
  });

  it('from LATEST relays only what is committed after it started', async () => {
    // Prepare
    await commit(outbox(threshold('latest-1', 1)));
    const recorder = new RecordingPublisher();
    const relay = await startRelay(createPublishEventsHandler(wirePublishEvents(recorder)), { from: 'LATEST' });
    const later = outbox(threshold('latest-1', 2));

    // Act
    await commit(later);
    const handed = await relay.catchUp();

    // Assess
    expect(handed).toBe(1);
    expect(recorder.published).toEqual([relayed(later)]);
  });

  it('resumes after its checkpoint on a restart: what was committed meanwhile comes out, nothing twice', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'stream-relay-'));
    const checkpointFile = join(dir, 'event-relay.json');
    try {
      const recorder = new RecordingPublisher();
      const before = await startRelay(createPublishEventsHandler(wirePublishEvents(recorder)), { checkpointFile });
      const early = [outbox(threshold('resume-1', 1)), outbox(threshold('resume-1', 2))];
      await commit(...early);
      await before.catchUp();
      await before.stop();
      const meanwhile = outbox(threshold('resume-1', 3));
      await commit(meanwhile);

      // Act
      const after = await startRelay(createPublishEventsHandler(wirePublishEvents(recorder)), { checkpointFile });
      const handed = await after.catchUp();

      // Assess
      expect(handed).toBe(1);
      expect(recorder.published).toEqual([...early, meanwhile].map(relayed));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('relays in the background without being asked', async () => {
    // Prepare
    const recorder = new RecordingPublisher();
    await startRelay(createPublishEventsHandler(wirePublishEvents(recorder)), { background: true, pollIntervalMs: 50 });
    const put = outbox(threshold('background-1', 1));

    // Act
    await commit(put);
    const deadline = Date.now() + 10_000;
    while (recorder.published.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(recorder.published).toEqual([relayed(put)]);
  });

  it('stops at once, between polls, and leaves no timer behind', async () => {
    // Prepare
    const timersBefore = timers();
    const relay = await startRelay(createPublishEventsHandler(wirePublishEvents(new RecordingPublisher())), {
      background: true,
      pollIntervalMs: 60_000,
    });
    await relay.catchUp();

    // Act
    const stoppingAt = Date.now();
    await relay.stop();

    // Assess
    expect(Date.now() - stoppingAt).toBeLessThan(1_000);
    // Sockets the stream client closed may hold a timer for a moment more; the relay's 60 s poll must be gone.
    const settled = Date.now() + 1_000;
    while (timers() > timersBefore && Date.now() < settled) await new Promise((resolve) => setImmediate(resolve));
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    await expect(relay.catchUp()).rejects.toThrow('the stream relay is stopped');
  });
});
