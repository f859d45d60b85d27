import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { SqsDailyWorkQueue } from '../../../functions/adapters/sqs/sqs-daily-work-queue';
import { SqsRechargeRequests } from '../../../functions/adapters/sqs/sqs-recharge-requests';
import type { DailyRunDependencies } from '../../../functions/domain/daily/daily-run';
import { parseAmount } from '../../../functions/domain/money';
import { createDailyRunHandler } from '../../../functions/handlers/daily-run';
import { createDailyShardHandler } from '../../../functions/handlers/daily-shard';
import { createRechargeHandler } from '../../../functions/handlers/recharge';
import { shardOf } from '../../../functions/adapters/dynamodb/keys';
import { AmountOutOfRangeError } from '../../../functions/domain/errors';
import { lambdaContext } from '../../../local/lambda-context';
import { pollBatch } from '../../../local/sqs-poller';
import { wireDailyRun } from '../../../functions/wiring/recharge';
import { ABSURD_AUTO_RENEW_MICROS, storeOnAccount } from '../../support/hostile-account';
import { RechargeHarness } from '../../support/recharge-harness';
import { RecordingFailureReporter } from '../../support/recording-failure-reporter';
import { type TestQueues, createTestQueues } from '../../support/usage-queues';

/** The port, whose `method` fails once with DynamoDB's throttling error, as a busy table answers, then works again. */
function throttledOnce<T extends object>(port: T, method: keyof T & string): T {
  let thrown = false;
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== method || thrown) return value.bind(target);
      return async () => {
        thrown = true;
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded',
          $metadata: { httpStatusCode: 400 },
        });
      };
    },
  });
}

describe('Handlers: recharge, daily run and daily shard', () => {
  let harness: RechargeHarness;
  let queues: TestQueues;

  beforeAll(async () => {
    [harness, queues] = await Promise.all([RechargeHarness.start(), createTestQueues()]);
  });

  afterAll(async () => {
    await Promise.all([harness.stop(), queues.drop()]);
  });

  const poll = (handler: Parameters<typeof pollBatch>[2]) =>
    pollBatch(queues.client, queues.queueUrl, handler, { batchSize: 10, context: lambdaContext('test') });

  describe('Handler: recharge', () => {
    it('charges a partner for a queued request and acknowledges it', async () => {
      // Prepare
      await harness.open('h-1', '500.00');
      await harness.spend('h-1', '450.00', 'u-1');
      await new SqsRechargeRequests(queues.client, queues.queueUrl).request({
        partnerId: 'h-1',
        trigger: 'below-threshold',
        requestedAt: harness.clock.now(),
      });

      // Act
      const result = await poll(createRechargeHandler(harness.deps));

      // Assess
      expect(result).toMatchObject({ received: 1, deleted: 1, failed: 0 });
      expect((await harness.ledger.getPartner('h-1'))?.liveBalance).toBe(parseAmount('550.00'));
    });

    it('leaves a request whose charge had no clear answer on the queue, to be resumed', async () => {
      await harness.open('h-2', '500.00');
      await harness.spend('h-2', '450.00', 'u-1');
      harness.provider.failNext('timeout-after-charge');
      await new SqsRechargeRequests(queues.client, queues.queueUrl).request({
        partnerId: 'h-2',
        trigger: 'below-threshold',
        requestedAt: harness.clock.now(),
      });

      const first = await poll(createRechargeHandler(harness.deps));
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const second = await poll(createRechargeHandler(harness.deps));

      expect(first).toMatchObject({ received: 1, failed: 1 });
      expect(second).toMatchObject({ received: 1, deleted: 1 });
      expect(harness.successfulCharges('h-2').size).toBe(1);
      expect((await harness.ledger.getPartner('h-2'))?.liveBalance).toBe(parseAmount('550.00'));
    });

    it.each([
      ['waits for the partner to authenticate', 'pm_card_authenticationRequired', undefined, 'action-required'],
      ['the provider refused', 'pm_card_visa', 'refused', 'failed'],
      ['both cards declined', 'pm_card_chargeDeclined', undefined, 'declined'],
    ] as const)(
      'acknowledges a request whose charge %s: the webhook or the daily run takes over',
      async (_, card, fault, state) => {
        // Prepare
        const partnerId = `h-${state}`;
        await harness.open(partnerId, '500.00', { paymentMethod: card });
        await harness.setCard(partnerId, 'pm_card_chargeDeclinedInsufficientFunds', 'backup');
        await harness.spend(partnerId, '450.00', 'u-1');
        if (fault !== undefined) harness.provider.failNext(fault);
        await new SqsRechargeRequests(queues.client, queues.queueUrl).request({
          partnerId,
          trigger: 'below-threshold',
          requestedAt: harness.clock.now(),
        });

        // Act
        const result = await poll(createRechargeHandler(harness.deps));

        // Assess
        expect(result).toMatchObject({ received: 1, deleted: 1, failed: 0 });
        const account = await harness.ledger.getPartner(partnerId);
        const attempt = await harness.attempt(partnerId, account?.chargeInFlight ?? account?.lastDecline?.attemptId);
        expect(attempt?.state).toBe(state);
        expect(account?.liveBalance).toBe(parseAmount('50.00'));
      },
    );

    it('acknowledges and reports a request whose charge cannot be worked out, instead of retrying it into the dead-letter queue', async () => {
      // Prepare: at -20.00, with a stored auto-renew amount that takes the credit out of range.
      await harness.open('h-bad', '500.00');
      await harness.spend('h-bad', '520.00', 'u-1');
      await storeOnAccount(harness.table, 'h-bad', { autoRenewAmount: ABSURD_AUTO_RENEW_MICROS });
      await new SqsRechargeRequests(queues.client, queues.queueUrl).request({
        partnerId: 'h-bad',
        trigger: 'overdue',
        requestedAt: harness.clock.now(),
      });
      const failures = new RecordingFailureReporter();

      // Act
      const result = await poll(createRechargeHandler(harness.deps, failures.report));

      // Assess
      expect(result).toMatchObject({ received: 1, deleted: 1, failed: 0 });
      expect(failures.reported).toEqual([
        {
          run: 'recharge',
          partnerId: 'h-bad',
          step: 'recharge',
          error: expect.any(AmountOutOfRangeError),
          context: expect.objectContaining({ trigger: 'overdue' }),
        },
      ]);
      expect((await harness.ledger.getPartner('h-bad'))?.chargeInFlight).toBeUndefined();
    });

    it('leaves a request on the queue after a transient failure such as throttling, and charges it when it comes back', async () => {
      // Prepare
      await harness.open('h-throttled', '500.00');
      await harness.spend('h-throttled', '450.00', 'u-1');
      await new SqsRechargeRequests(queues.client, queues.queueUrl).request({
        partnerId: 'h-throttled',
        trigger: 'below-threshold',
        requestedAt: harness.clock.now(),
      });
      const failures = new RecordingFailureReporter();
      const handler = createRechargeHandler(
        { ...harness.deps, attempts: throttledOnce(harness.attempts, 'openAttempt') },
        failures.report,
      );

      // Act
      const first = await poll(handler);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const second = await poll(handler);

      // Assess
      expect(first).toMatchObject({ received: 1, failed: 1 });
      expect(second).toMatchObject({ received: 1, deleted: 1 });
      expect(failures.reported).toEqual([]);
      expect((await harness.ledger.getPartner('h-throttled'))?.liveBalance).toBe(parseAmount('550.00'));
    });

    it('does not acknowledge a malformed request', async () => {
      await queues.client.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: '{"partnerId":"x"}' }));

      const result = await poll(createRechargeHandler(harness.deps));

      expect(result).toMatchObject({ received: 1, failed: 1 });
    });
  });

  describe('Handlers: daily run and daily shard', () => {
    let work: TestQueues;

    beforeAll(async () => {
      work = await createTestQueues();
    });

    afterAll(async () => {
      await work.drop();
    });

    const pollWork = (handler: Parameters<typeof pollBatch>[2]) =>
      pollBatch(work.client, work.queueUrl, handler, { batchSize: 10, context: lambdaContext('daily-shard') });

    it('queues one work item per shard from the scheduled event and completes the run through the shard workers', async () => {
      // Prepare
      harness.clock.set(new Date('2026-11-01T09:00:00Z'));
      await harness.open('h-daily', '500.00');
      const deps: DailyRunDependencies = wireDailyRun({
        ...harness.wiring,
        work: new SqsDailyWorkQueue(work.client, work.queueUrl),
      });
      const scheduled = {
        time: '2026-11-02T00:00:00Z',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
      } as ScheduledEvent;

      // Act
      const start = await createDailyRunHandler(deps)(scheduled, lambdaContext('daily-run'));
      let handled = 0;
      const shardHandler = createDailyShardHandler(deps, 0);
      for (let result = await pollWork(shardHandler); result.received > 0; result = await pollWork(shardHandler)) {
        handled += result.deleted;
      }

      // Assess
      expect(start).toMatchObject({ day: '2026-11-02', state: 'started' });
      expect(handled).toBe(16);
      expect((await harness.ledger.getPartner('h-daily'))?.publishedBalance).toEqual({
        amount: parseAmount('500.00'),
        asOf: new Date('2026-11-02T00:00:00Z'),
      });
      expect(await createDailyRunHandler(deps)(scheduled, lambdaContext('daily-run'))).toMatchObject({
        state: 'already-completed',
      });
    });

    it('completes every shard when the charge of one partner cannot be worked out, and reports that partner', async () => {
      // Prepare: at -20.00, with a stored auto-renew amount that takes the credit out of range.
      harness.clock.set(new Date('2026-11-02T09:00:00Z'));
      await harness.open('h-daily-bad', '500.00');
      await harness.spend('h-daily-bad', '520.00', 'u-1');
      await storeOnAccount(harness.table, 'h-daily-bad', { autoRenewAmount: ABSURD_AUTO_RENEW_MICROS });
      const deps: DailyRunDependencies = wireDailyRun({
        ...harness.wiring,
        work: new SqsDailyWorkQueue(work.client, work.queueUrl),
      });
      const failures = new RecordingFailureReporter();
      const scheduled = {
        time: '2026-11-03T00:00:00Z',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
      } as ScheduledEvent;

      // Act
      await createDailyRunHandler(deps)(scheduled, lambdaContext('daily-run'));
      const shardHandler = createDailyShardHandler(deps, 0, failures.report);
      const polls = [];
      for (let result = await pollWork(shardHandler); result.received > 0; result = await pollWork(shardHandler))
        polls.push(result);

      // Assess
      expect(polls.reduce((handled, result) => handled + result.deleted, 0)).toBe(16);
      expect(polls.every((result) => result.failed === 0)).toBe(true);
      expect(failures.of('h-daily-bad')).toEqual([
        {
          run: 'daily',
          partnerId: 'h-daily-bad',
          step: 'charge-retry',
          error: expect.any(AmountOutOfRangeError),
          context: { day: '2026-11-03', shard: shardOf('h-daily-bad') },
        },
      ]);
      expect(await createDailyRunHandler(deps)(scheduled, lambdaContext('daily-run'))).toMatchObject({
        state: 'already-completed',
      });
    });
  });
});
