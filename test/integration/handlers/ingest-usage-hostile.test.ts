import { DynamoDbChannelRepository } from '../../../functions/adapters/dynamodb/channel-repository';
import { MAX_AMOUNT, MAX_BALANCE, formatAmount, parseAmount } from '../../../functions/domain/money';
import type { LedgerRepository, UsageLedger } from '../../../functions/domain/ports';
import { createIngestUsageHandler } from '../../../functions/handlers/ingest-usage';
import { wireIngestUsage } from '../../../functions/wiring/ingest-usage';
import { lambdaContext } from '../../../local/lambda-context';
import { BalanceFollowUp } from '../../../functions/domain/usage/balance-follow-up';
import { IngestionHarness } from '../../support/ingestion-harness';
import { RecordingFailureReporter } from '../../support/recording-failure-reporter';
import { sqsEvent, usageBody } from '../../support/usage-factory';

const json = (value: unknown) => JSON.stringify(value);
const cost = (amount: string) => ({ amount, currency: 'EUR' });

describe('Handler: ingest-usage, hostile and extreme input', () => {
  let harness: IngestionHarness;

  beforeAll(async () => {
    harness = await IngestionHarness.start();
  });

  afterAll(async () => {
    await harness.stop();
  });

  afterEach(async () => {
    await harness.deadLetters();
  });

  it('refuses costs beyond the money range as amount-out-of-range at once and debits the valid event beside them', async () => {
    // Prepare: two costs that would overflow together, and a valid one in the same batch.
    await harness.createPartner('range-1', '500.00');
    const huge = [
      usageBody({ partnerId: 'range-1', cost: cost('5000000000.00') }),
      usageBody({ partnerId: 'range-1', cost: cost('5000000000.00') }),
    ];
    const valid = usageBody({ partnerId: 'range-1', cost: cost('1.00') });

    // Act
    const response = await harness.invoke(sqsEvent([...huge, valid].map(json)));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.books('range-1')).toMatchObject({
      liveBalance: parseAmount('499.00'),
      ledgerSum: parseAmount('499.00'),
      eventsDebited: 1,
    });
    const letters = await harness.deadLetters();
    expect(letters.map((letter) => letter.attributes.rejectionReason)).toEqual([
      'amount-out-of-range',
      'amount-out-of-range',
    ]);
    expect(letters[0]?.attributes.rejectionDetail).toContain('cost.amount');
    expect(letters[0]?.attributes.eventId).toBe(huge[0]?.eventId);
  });

  it('debits a cost of exactly the largest amount', async () => {
    await harness.createPartner('range-2', '500.00');

    const response = await harness.invoke(
      sqsEvent([json(usageBody({ partnerId: 'range-2', cost: cost(formatAmount(MAX_AMOUNT)) }))]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.balance('range-2')).toBe(parseAmount('500.00') - MAX_AMOUNT);
  });

  it('keeps a balance within the range: the events that would take it beyond are refused, the ones that fit are debited', async () => {
    // Prepare: 99 debits of the largest amount take the balance to 500.00 - 990,000,000.00.
    await harness.createPartner('range-3', '500.00');
    const largest = formatAmount(MAX_AMOUNT);
    for (let round = 0; round < 11; round += 1) {
      const bodies = Array.from({ length: 9 }, () => json(usageBody({ partnerId: 'range-3', cost: cost(largest) })));
      expect((await harness.invoke(sqsEvent(bodies))).batchItemFailures).toEqual([]);
    }
    const before = (await harness.balance('range-3')) as number;
    expect(before).toBe(parseAmount('500.00') - 99 * MAX_AMOUNT);
    const over = [
      usageBody({ partnerId: 'range-3', cost: cost(largest) }),
      usageBody({ partnerId: 'range-3', cost: cost(largest) }),
    ];
    const fits = usageBody({ partnerId: 'range-3', cost: cost('1.00') });

    // Act: one more of the largest fits (to -999,999,500.00), the second would not, 1.00 still does.
    const response = await harness.invoke(sqsEvent([...over, fits].map(json)));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const after = parseAmount('500.00') - 100 * MAX_AMOUNT - parseAmount('1.00');
    expect(after).toBeGreaterThanOrEqual(-MAX_BALANCE);
    expect(await harness.books('range-3')).toMatchObject({ liveBalance: after, ledgerSum: after, eventsDebited: 101 });
    const letters = await harness.deadLetters();
    expect(letters.map((letter) => [letter.attributes.eventId, letter.attributes.rejectionReason])).toEqual([
      [over[1]?.eventId, 'amount-out-of-range'],
    ]);
    expect(letters[0]?.attributes.rejectionDetail).toContain('1000000000.00');
  });

  it('dead-letters usage dated further in the future than the margin, and debits usage within it', async () => {
    await harness.createPartner('future-1', '500.00');
    const now = harness.clock.now().getTime();
    const within = usageBody({
      partnerId: 'future-1',
      occurredAt: new Date(now + 23 * 3_600_000).toISOString(),
      cost: cost('1.00'),
    });
    const beyond = usageBody({ partnerId: 'future-1', occurredAt: '2099-01-01T00:00:00Z', cost: cost('2.00') });

    const response = await harness.invoke(sqsEvent([within, beyond].map(json)));

    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.balance('future-1')).toBe(parseAmount('499.00'));
    const letters = await harness.deadLetters();
    expect(letters.map((letter) => letter.attributes.rejectionReason)).toEqual(['occurred-in-future']);
    expect(letters[0]?.attributes.rejectionDetail).toContain('2099-01-01T00:00:00.000Z');
  });

  it("dead-letters usage on another partner's hosted number, and debits usage on its own or on a number not hosted here", async () => {
    // Prepare
    await harness.createPartner('owner-a', '500.00');
    await harness.createPartner('owner-b', '500.00');
    const channels = new DynamoDbChannelRepository(harness.table.client, harness.table.tableName);
    await channels.register('owner-a', '+4915100000001', harness.clock.now());
    await channels.register('owner-b', '+4915100000002', harness.clock.now());
    const own = usageBody({ partnerId: 'owner-a', channelId: '+4915100000001', cost: cost('1.00') });
    const foreign = usageBody({ partnerId: 'owner-a', channelId: '+4915100000002', cost: cost('2.00') });
    const unhosted = usageBody({ partnerId: 'owner-a', channelId: '+4915100000003', cost: cost('4.00') });

    // Act
    const response = await harness.invoke(sqsEvent([own, foreign, unhosted].map(json)));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.balance('owner-a')).toBe(parseAmount('495.00'));
    expect(await harness.balance('owner-b')).toBe(parseAmount('500.00'));
    const letters = await harness.deadLetters();
    expect(letters.map((letter) => [letter.attributes.eventId, letter.attributes.rejectionReason])).toEqual([
      [foreign.eventId, 'channel-of-another-partner'],
    ]);
    expect(letters[0]?.attributes.rejectionDetail).toContain('owner-b');
  });

  const wiredDeps = () =>
    wireIngestUsage({
      dynamoDb: harness.table.client,
      tableName: harness.table.tableName,
      sqs: harness.usage.client,
      deadLetterQueueUrl: harness.usage.deadLetterQueueUrl,
      rechargeQueueUrl: harness.recharges.queueUrl,
      events: harness.events.recorded,
      clock: harness.clock,
    });

  it('dead-letters a failure a retry cannot change with its reason instead of retrying it, and still retries a transient one', async () => {
    // Prepare: the same wiring with a usage ledger that fails deterministically, then transiently.
    await harness.createPartner('failing-1', '500.00');
    let failure: Error = new RangeError('a usage chunk holds at most 98 events');
    const deps = wiredDeps();
    const failing: UsageLedger = {
      debit: () => Promise.reject(failure),
    };
    const handler = createIngestUsageHandler({ ...deps, usageLedger: failing });
    const body = json(usageBody({ partnerId: 'failing-1', cost: cost('1.00') }));

    // Act
    const deterministic = await handler(sqsEvent([body]), lambdaContext('ingest-usage'));
    failure = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ThrottlingException',
    });
    const transient = await handler(sqsEvent([body]), lambdaContext('ingest-usage'));

    // Assess
    expect(deterministic.batchItemFailures).toEqual([]);
    const letters = await harness.deadLetters();
    expect(letters.map((letter) => letter.attributes.rejectionReason)).toEqual(['processing-failed']);
    expect(letters[0]?.attributes.rejectionDetail).toContain('at most 98 events');
    expect(transient.batchItemFailures).toHaveLength(1);
    expect(await harness.balance('failing-1')).toBe(parseAmount('500.00'));
  });

  it('keeps the debits of a batch whose follow-up fails in a way a retry cannot change, and reports the partner', async () => {
    // Prepare: a follow-up that cannot read the partner's account.
    await harness.createPartner('follow-up-1', '500.00');
    const reporter = new RecordingFailureReporter();
    const unreadable: LedgerRepository = Object.assign(Object.create(harness.ledger) as LedgerRepository, {
      getPartners: () => Promise.reject(new RangeError('stored balance is not a number')),
    });
    const broken = new BalanceFollowUp({
      ledger: unreadable,
      recharges: { request: async () => undefined },
      clock: harness.clock,
    });
    const handler = createIngestUsageHandler({ ...wiredDeps(), followUp: broken }, reporter.report);

    // Act
    const response = await handler(
      sqsEvent([json(usageBody({ partnerId: 'follow-up-1', cost: cost('1.00') }))]),
      lambdaContext('ingest-usage'),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.balance('follow-up-1')).toBe(parseAmount('499.00'));
    expect(reporter.of('follow-up-1')).toEqual([
      expect.objectContaining({ run: 'ingestion', step: 'balance-follow-up' }),
    ]);
    expect(await harness.deadLetters()).toEqual([]);
  });
});
