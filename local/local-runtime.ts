/**
 * The whole system on one machine: DynamoDB Local keeping its data in a folder, the SQS
 * emulator with the stack's queues, and the handler modules that run in Lambda, fed by
 * queue workers (the SQS event sources), a scheduler driven by the test clock (the
 * EventBridge rules) and a loopback HTTP server (API Gateway). Cards go to the sandbox
 * provider, whose hosted pages the HTTP server serves and whose events are signed and
 * delivered to the Stripe webhook handler, as Stripe does, and whose state is kept in the
 * data folder; events, relayed from the table's stream as in AWS, go to a JSON-lines file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { SandboxPaymentProvider } from '../functions/adapters/payments/sandbox-payment-provider';
import { StripeEventReader } from '../functions/adapters/payments/stripe-event-reader';
import { createSqsClient } from '../functions/adapters/sqs/client';
import { SqsDailyWorkQueue } from '../functions/adapters/sqs/sqs-daily-work-queue';
import { SqsMonthlyWorkQueue } from '../functions/adapters/sqs/sqs-monthly-work-queue';
import type { DailyRunDependencies } from '../functions/domain/daily/daily-run';
import type { MonthlyRunDependencies } from '../functions/domain/monthly/monthly-run';
import { parseLicenseFeeSchedule } from '../functions/domain/monthly/license-fee';
import { createApiHandler } from '../functions/handlers/api';
import { createDailyRunHandler } from '../functions/handlers/daily-run';
import { createDailyShardHandler } from '../functions/handlers/daily-shard';
import { createIngestUsageHandler } from '../functions/handlers/ingest-usage';
import { createMonthlyRunHandler } from '../functions/handlers/monthly-run';
import { createMonthlyShardHandler } from '../functions/handlers/monthly-shard';
import { createPublishEventsHandler } from '../functions/handlers/publish-events';
import { wirePublishEvents } from '../functions/wiring/publish-events';
import { createRechargeHandler } from '../functions/handlers/recharge';
import { createStripeWebhookHandler } from '../functions/handlers/stripe-webhook';
import { logger } from '../functions/observability';
import { wireApi } from '../functions/wiring/api';
import { wireIngestUsage } from '../functions/wiring/ingest-usage';
import { type RechargeWiring, wireDailyRun, wireMonthlyRun, wireRecharge } from '../functions/wiring/recharge';
import { wireStripeWebhook } from '../functions/wiring/stripe-webhook';
import type { LicenseFeesSetting } from '../definitions/setting-values';
import { MAX_RECEIVE_COUNT } from '../lib/messaging/redrive';
import { createBillingTable } from './create-tables';
import { drainQueuesAndRelay } from './drain';
import { type RunningDynamoDbLocal, killWhenProcessExits, startDynamoDbLocal } from './dynamodb-local';
import { EventLog } from './event-log';
import { type ProxyHandler, STRIPE_WEBHOOK_PATH, STRIPE_WEBHOOK_TIMEOUT_MS, startHttpServer } from './http-server';
import { lambdaContext } from './lambda-context';
import { ClockAdvanceRefused, LocalClock, MAX_ADVANCE_DAYS } from './local-clock';
import { type JobRun, type LocalControls, type LocalInfo, createLocalRouter } from './local-routes';
import { type QueuePair, createQueuePair } from './queue-pair';
import { QueueWorker } from './queue-worker';
import { scheduledEvent } from './scheduled-event';
import { DAY_MS, type ScheduledJobName, scheduledJobsBetween } from './scheduled-jobs';
import { SANDBOX_STATE_FILE, SandboxStateFile } from './sandbox-state';
import { type RunningSqsEmulator, startSqsEmulator } from './sqs-emulator';
import type { TopUpBounds } from '../functions/domain/recharge/top-up';
import { type StreamRelay, startStreamRelay } from './stream-relay';
import { apiGatewayEvent } from './api-gateway-event';
import { WebhookDeliveries, localWebhookSecret } from './webhook-deliveries';

export interface LocalRuntimeOptions {
  readonly apiPort: number;
  readonly dynamoDbPort: number;
  readonly sqsPort: number;
  /** DynamoDB's files, the clock, the event log and the sandbox card provider's state live here. */
  readonly dataDir: string;
  readonly operatorName: string;
  readonly licenseFees: LicenseFeesSetting;
  /** How far in the future a usage event may be dated before ingestion refuses it. */
  readonly futureMarginMs: number;
  /** What a partner's top-up may credit; the deployment settings' defaults when not given. */
  readonly topUpBounds?: TopUpBounds;
  /** Where the runtime tells what happens: events, handler errors. */
  readonly tell: (line: string) => void;
}

export interface LocalRuntime {
  readonly apiUrl: string;
  readonly info: LocalInfo;
  stop(): Promise<void>;
}

export const TABLE_NAME = 'prepaid-billing';
/** How long `POST /local/drain` and each job of a clock advance wait for the queues and the event relay. */
const DRAIN_TIMEOUT_MS = 120_000;
/** The functions' timeouts in the stack (lib/), so handlers that budget time see the same. */
const TIMEOUTS_MS = {
  ingestUsage: 60_000,
  recharge: 120_000,
  dailyRun: 300_000,
  dailyShard: 900_000,
  monthlyRun: 300_000,
  monthlyShard: 900_000,
  publishEvents: 30_000,
};
/**
 * Shorter than in AWS (6 x the function timeout): locally one worker per queue runs one
 * batch at a time, and a failed message comes back, or moves to its dead-letter queue,
 * within seconds instead of minutes.
 */
const VISIBILITY_TIMEOUT_SECONDS = 10;

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });
  // Read before anything starts: a file that cannot be read stops the start at once.
  const sandboxState = new SandboxStateFile(join(options.dataDir, SANDBOX_STATE_FILE));
  const savedSandbox = sandboxState.read();
  const stops: (() => Promise<void>)[] = [];
  // Ctrl-C reaches DynamoDB Local as well as this process: they share the terminal's
  // process group, so the JVM ends with a Ctrl-C even if this process is killed outright.
  // Once stopping, a relay or worker that finds the database gone is no failure to tell.
  let stopping = false;
  const failures: LocalRuntimeOptions = {
    ...options,
    tell: (line) => {
      if (!stopping) options.tell(line);
    },
  };
  const stopAll = async () => {
    stopping = true;
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error: unknown) => options.tell(`stopping: ${messageOf(error)}`));
  };
  try {
    const [dynamoDbLocal, sqsEmulator] = await startServices(options, stops);
    const invoke = oneInvocationAtATime();
    const dynamoDb = createDocumentClient({ endpoint: dynamoDbLocal.endpoint });
    const sqs = createSqsClient(sqsEmulator.endpoint);
    stops.push(async () => {
      dynamoDb.destroy();
      sqs.destroy();
    });
    await createBillingTable(dynamoDb, TABLE_NAME);
    const queues = await createQueues(sqs);
    const clock = LocalClock.open(join(options.dataDir, 'clock.json'), new Date());
    const eventLog = join(options.dataDir, 'events.jsonl');
    const events = new EventLog(eventLog, options.tell);
    const relay = await startEventRelay(dynamoDbLocal.endpoint, events, invoke, failures);
    stops.push(() => relay.stop());
    // The hosted pages are the HTTP server's; the provider's events go to the webhook's deliveries.
    // Its state is saved after each change, before the change's event leaves, and taken up on the next start.
    const apiUrl = `http://127.0.0.1:${options.apiPort}`;
    const provider = new SandboxPaymentProvider({
      pagesBaseUrl: apiUrl,
      now: () => clock.now(),
      onEvent: (event) => deliveries.send(event),
      state: savedSandbox,
      onChange: (state) => sandboxState.write(state),
    });
    // Stripe disputes a dispute test card's charge shortly after it is paid; locally, when the test clock next moves.
    clock.onSet(() => provider.clockMoved());
    const wiring: RechargeWiring = { dynamoDb, tableName: TABLE_NAME, provider, clock };
    const webhookSecret = localWebhookSecret(join(options.dataDir, 'stripe-webhook-secret'));
    const stripeWebhook = invoke(
      createStripeWebhookHandler(
        wireStripeWebhook({
          ...wiring,
          // Signatures are made and checked on the system clock: the test clock dates events, not deliveries.
          reader: new StripeEventReader(webhookSecret),
          sqs,
          rechargeQueueUrl: queues.recharge.queueUrl,
        }),
      ),
    );
    const deliveries = webhookDeliveries(webhookSecret, stripeWebhook, failures);
    stops.push(() => deliveries.stop());
    const daily = wireDailyRun({ ...wiring, work: new SqsDailyWorkQueue(sqs, queues.dailyWork.queueUrl) });
    const monthly = wireMonthlyRun({
      ...wiring,
      fees: parseLicenseFeeSchedule(options.licenseFees),
      work: new SqsMonthlyWorkQueue(sqs, queues.monthlyWork.queueUrl),
    });
    const runs = { daily, monthly };
    const workers = startWorkers(sqs, dynamoDb, wiring, events, runs, queues, invoke, failures);
    stops.push(() => Promise.all(workers.map((worker) => worker.stop())).then(() => undefined));

    const info: LocalInfo = {
      sqsEndpoint: sqsEmulator.endpoint,
      usageQueueUrl: queues.usage.queueUrl,
      deadLetterQueueUrl: queues.usage.deadLetterQueueUrl,
      queues: {
        usage: urlsOf(queues.usage),
        recharge: urlsOf(queues.recharge),
        'daily-work': urlsOf(queues.dailyWork),
        'monthly-work': urlsOf(queues.monthlyWork),
      },
      dynamoDbEndpoint: dynamoDbLocal.endpoint,
      tableName: TABLE_NAME,
      eventLog,
      stripeWebhookUrl: `${apiUrl}${STRIPE_WEBHOOK_PATH}`,
      stripeWebhookSecret: webhookSecret,
    };
    const controls = localControls(info, clock, sqs, queues, relay, deliveries, runs, invoke, failures);
    const api = invoke(
      createApiHandler(
        wireApi({
          ...wiring,
          operatorName: options.operatorName,
          sqs,
          rechargeQueueUrl: queues.recharge.queueUrl,
          ...(options.topUpBounds !== undefined && { topUpBounds: options.topUpBounds }),
        }),
      ),
    );
    const localRouter = createLocalRouter(
      { ...controls, pages: { provider, baseUrl: apiUrl }, stripeDashboard: provider },
      logger,
    );
    const http = await startHttpServer(
      options.apiPort,
      { api, local: (event, context) => localRouter.resolve(event, context), stripeWebhook },
      (error) => options.tell(`request failed: ${messageOf(error)}`),
    );
    stops.push(() => http.stop());
    return { apiUrl: http.url, info, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startServices(
  options: LocalRuntimeOptions,
  stops: (() => Promise<void>)[],
): Promise<[RunningDynamoDbLocal, RunningSqsEmulator]> {
  const [dynamoDb, sqs] = await Promise.allSettled([
    startDynamoDbLocal({ port: options.dynamoDbPort, dbPath: join(options.dataDir, 'dynamodb') }),
    startSqsEmulator({ port: options.sqsPort }),
  ]);
  for (const started of [dynamoDb, sqs]) if (started.status === 'fulfilled') stops.push(() => started.value.stop());
  if (dynamoDb.status === 'fulfilled') killWhenProcessExits(dynamoDb.value);
  if (dynamoDb.status === 'rejected') throw dynamoDb.reason;
  if (sqs.status === 'rejected') throw sqs.reason;
  return [dynamoDb.value, sqs.value];
}

/**
 * The event relay (the Lambda on the table's stream) in the background. It keeps its place
 * in the stream next to the data: a restart resumes after the last event relayed, so
 * events committed but not yet relayed when the runtime stopped, or died, come out on the
 * next start, and none twice (at most the batch in hand at a crash, as in Lambda). Always
 * starting at LATEST would lose those events; at TRIM_HORIZON, repeat up to a day of them.
 */
function startEventRelay(
  endpoint: string,
  events: EventLog,
  invoke: InvocationGate,
  options: LocalRuntimeOptions,
): Promise<StreamRelay> {
  return startStreamRelay({
    endpoint,
    tableName: TABLE_NAME,
    handler: invoke(createPublishEventsHandler(wirePublishEvents(events))),
    from: 'TRIM_HORIZON',
    checkpointFile: join(options.dataDir, 'event-relay.json'),
    background: true,
    functionName: 'publish-events',
    timeoutMs: TIMEOUTS_MS.publishEvents,
    onError: (error) => options.tell(`publish-events: ${messageOf(error)}`),
  });
}

/**
 * Stripe's deliveries to the webhook endpoint, made to the handler the HTTP server serves at
 * `/webhooks/stripe`, in the API Gateway event a delivery through the deployed API makes.
 */
function webhookDeliveries(
  secret: string,
  stripeWebhook: ProxyHandler,
  options: LocalRuntimeOptions,
): WebhookDeliveries {
  return new WebhookDeliveries({
    secret,
    post: async (rawBody, signature) => {
      const event = apiGatewayEvent({
        method: 'POST',
        path: STRIPE_WEBHOOK_PATH,
        query: {},
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: rawBody,
      });
      const result = await stripeWebhook(event, lambdaContext('stripe-webhook', STRIPE_WEBHOOK_TIMEOUT_MS));
      return { status: result.statusCode, body: result.body };
    },
    tell: options.tell,
  });
}

interface LocalQueues {
  readonly usage: QueuePair;
  readonly recharge: QueuePair;
  readonly dailyWork: QueuePair;
  readonly monthlyWork: QueuePair;
}

/** The scheduled runs' dependencies, each with its work queue. */
interface ScheduledRunDependencies {
  readonly daily: DailyRunDependencies;
  readonly monthly: MonthlyRunDependencies;
}

function urlsOf(pair: QueuePair): { queueUrl: string; deadLetterQueueUrl: string } {
  return { queueUrl: pair.queueUrl, deadLetterQueueUrl: pair.deadLetterQueueUrl };
}

/** The emulator keeps queues in memory: they are created on every start (the data is in DynamoDB). */
async function createQueues(sqs: SQSClient): Promise<LocalQueues> {
  const options = { maxReceiveCount: MAX_RECEIVE_COUNT, visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS };
  const pair = (name: string) =>
    createQueuePair(sqs, { queue: `prepaid-billing-${name}`, deadLetterQueue: `prepaid-billing-${name}-dlq` }, options);
  return {
    usage: await pair('usage'),
    recharge: await pair('recharge'),
    dailyWork: await pair('daily-work'),
    monthlyWork: await pair('monthly-work'),
  };
}

function startWorkers(
  sqs: SQSClient,
  dynamoDb: DynamoDBDocumentClient,
  wiring: RechargeWiring,
  events: EventLog,
  runs: ScheduledRunDependencies,
  queues: LocalQueues,
  invoke: InvocationGate,
  options: LocalRuntimeOptions,
): QueueWorker[] {
  const onError = (functionName: string, error: Error) => options.tell(`${functionName}: ${error.message}`);
  const ingestUsage = invoke(
    createIngestUsageHandler(
      wireIngestUsage({
        dynamoDb,
        tableName: TABLE_NAME,
        sqs,
        deadLetterQueueUrl: queues.usage.deadLetterQueueUrl,
        rechargeQueueUrl: queues.recharge.queueUrl,
        // Rejected usage has no transaction to go with: ingestion publishes it directly.
        events,
        clock: wiring.clock,
        futureMarginMs: options.futureMarginMs,
      }),
    ),
  );
  const dailyShard = invoke(createDailyShardHandler(runs.daily));
  const monthlyShard = invoke(createMonthlyShardHandler(runs.monthly));
  const recharge = invoke(createRechargeHandler(wireRecharge(wiring)));
  const workers = [
    // The batch sizes of the stack's event sources (lib/ingestion, lib/recharges, lib/schedules).
    new QueueWorker(sqs, queues.usage.queueUrl, ingestUsage, {
      functionName: 'ingest-usage',
      batchSize: 100,
      timeoutMs: TIMEOUTS_MS.ingestUsage,
      onError,
    }),
    new QueueWorker(sqs, queues.recharge.queueUrl, recharge, {
      functionName: 'recharge',
      batchSize: 10,
      timeoutMs: TIMEOUTS_MS.recharge,
      onError,
    }),
    new QueueWorker(sqs, queues.dailyWork.queueUrl, dailyShard, {
      functionName: 'daily-shard',
      batchSize: 1,
      timeoutMs: TIMEOUTS_MS.dailyShard,
      onError,
    }),
    new QueueWorker(sqs, queues.monthlyWork.queueUrl, monthlyShard, {
      functionName: 'monthly-shard',
      batchSize: 1,
      timeoutMs: TIMEOUTS_MS.monthlyShard,
      onError,
    }),
  ];
  for (const worker of workers) worker.start();
  return workers;
}

function localControls(
  info: LocalInfo,
  clock: LocalClock,
  sqs: SQSClient,
  queues: LocalQueues,
  relay: StreamRelay,
  deliveries: WebhookDeliveries,
  runs: ScheduledRunDependencies,
  invoke: InvocationGate,
  options: LocalRuntimeOptions,
): Omit<LocalControls, 'pages' | 'stripeDashboard'> {
  const dailyRun = invoke(createDailyRunHandler(runs.daily));
  const monthlyRun = invoke(createMonthlyRunHandler(runs.monthly));
  const handlers: Record<ScheduledJobName, (at: Date) => Promise<unknown>> = {
    'daily-run': (at) => dailyRun(scheduledEvent('daily-run', at), lambdaContext('daily-run', TIMEOUTS_MS.dailyRun)),
    'monthly-run': (at) =>
      monthlyRun(scheduledEvent('monthly-run', at), lambdaContext('monthly-run', TIMEOUTS_MS.monthlyRun)),
  };
  // A run that fails is told here as well as in the advance's answer, which may not be watched.
  const runJob = (job: ScheduledJobName, at: Date) =>
    handlers[job](at).catch((error: unknown) => {
      options.tell(`${job}: the run at ${at.toISOString()} failed, and the clock stopped there: ${messageOf(error)}`);
      throw error;
    });
  const workQueues = {
    usage: queues.usage.queueUrl,
    recharge: queues.recharge.queueUrl,
    'daily-work': queues.dailyWork.queueUrl,
    'monthly-work': queues.monthlyWork.queueUrl,
  };
  const drain = () => drainQueuesAndRelay(sqs, workQueues, relay, deliveries, DRAIN_TIMEOUT_MS);
  // One advance or drain at a time: two advances interleaving would run jobs out of order.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusively = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work, work);
    turn = next.catch(() => undefined);
    return next;
  };
  return {
    info,
    now: () => clock.now(),
    drain: () => exclusively(drain),
    advanceClock: (to) =>
      exclusively(async () => {
        const from = clock.now();
        if (to.getTime() <= from.getTime()) {
          throw new ClockAdvanceRefused(
            'clock-cannot-go-back',
            `the clock is at ${from.toISOString()}; it only moves forward`,
          );
        }
        if (to.getTime() - from.getTime() > MAX_ADVANCE_DAYS * DAY_MS) {
          throw new ClockAdvanceRefused('advance-too-far', `advance at most ${MAX_ADVANCE_DAYS} days per request`);
        }
        // Usage sent before the advance is processed at the time it was sent.
        await drain();
        const ran: JobRun[] = [];
        for (const job of scheduledJobsBetween(clock.now(), to)) {
          clock.set(job.at);
          const result = await runJob(job.job, job.at);
          await drain();
          ran.push({ ...job, result });
        }
        clock.set(to);
        return { from, ran };
      }),
  };
}

/** Wraps a handler so that it runs only when no other wrapped handler is running. */
type InvocationGate = <A extends unknown[], R>(handler: (...args: A) => Promise<R>) => (...args: A) => Promise<R>;

/**
 * The handlers share one logger and one metrics instance (functions/observability.ts), as
 * the invocations in one Lambda execution environment do, and Lambda runs those one at a
 * time. So does this runtime: interleaved, one invocation would flush the metrics of
 * another (and warn of an empty set), and log under its function name.
 */
function oneInvocationAtATime(): InvocationGate {
  let turn: Promise<unknown> = Promise.resolve();
  return (handler) =>
    (...args) => {
      const run = turn.then(() => handler(...args));
      turn = run.catch(() => undefined);
      return run;
    };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
