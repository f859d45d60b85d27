/**
 * The scheduled runs. Daily at 00:00 UTC a starter Lambda queues one message per shard
 * on the daily work queue, and the shard worker runs each shard in its own invocation.
 * On the 1st of each month at 00:00 UTC the monthly starter queues the pieces of work of
 * the month (and of months whose run never started) on the monthly work queue, and the
 * piece worker charges the license fees of each piece in its own invocation.
 * EventBridge retries a failed invocation and keeps an event it could not deliver in a
 * dead-letter queue (alarmed), so a missed run is visible and can be replayed.
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LicenseFeesSetting } from '../../definitions/setting-values';
import { BillingFunction, type StackEnvironment, type StripeAccess } from '../functions/billing-function';
import { failureQueue } from '../messaging/failure-queue';
import { WorkQueue } from '../messaging/work-queue';

export interface ScheduledRunsProps {
  readonly table: ITableV2;
  readonly stripe: StripeAccess;
  /** The monthly license fee per hosted number, per currency, e.g. { EUR: '25.00' }, or price lists by month. */
  readonly licenseFees: LicenseFeesSetting;
  readonly removalPolicy?: RemovalPolicy;
}

export const DAILY_SCHEDULE = Schedule.cron({ minute: '0', hour: '0' });
export const MONTHLY_SCHEDULE = Schedule.cron({ minute: '0', hour: '0', day: '1' });

export class ScheduledRuns extends Construct {
  readonly dailyStarter: BillingFunction;
  readonly dailyWork: WorkQueue;
  readonly dailyShard: BillingFunction;
  readonly monthlyStarter: BillingFunction;
  readonly monthlyWork: WorkQueue;
  readonly monthlyShard: BillingFunction;
  /** Scheduled events EventBridge could not deliver after its retries. */
  readonly scheduleDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ScheduledRunsProps) {
    super(scope, id);
    const removal = props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {};
    const common = { TABLE_NAME: props.table.tableName };

    this.scheduleDeadLetterQueue = failureQueue(this, 'ScheduleDeadLetterQueue', props.removalPolicy);
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the EventBridge schedule targets (not of an SQS queue, so no redrive policy names it).',
    });

    const shardTimeout = Duration.seconds(900);
    this.dailyWork = new WorkQueue(this, 'DailyWork', { consumerTimeout: shardTimeout, ...removal });
    const daily = {
      ...common,
      DAILY_WORK_QUEUE_URL: this.dailyWork.queue.queueUrl,
    } satisfies StackEnvironment<'daily-run'>;

    this.dailyStarter = new BillingFunction(this, 'DailyStart', {
      entry: 'daily-run',
      handler: 'startHandler',
      description: 'Starts the 00:00 UTC daily run: one work message per shard',
      timeout: Duration.seconds(300),
      memorySize: 512,
      environment: daily,
      stripe: props.stripe,
      ...removal,
    });
    this.dailyShard = new BillingFunction(this, 'DailyShard', {
      entry: 'daily-run',
      handler: 'shardHandler',
      description: 'Runs one shard of the daily run: balances, charge retries, blocking',
      timeout: shardTimeout,
      memorySize: 1024,
      environment: daily,
      stripe: props.stripe,
      ...removal,
    });
    this.monthlyWork = new WorkQueue(this, 'MonthlyWork', { consumerTimeout: shardTimeout, ...removal });
    const monthly = {
      ...common,
      LICENSE_FEES: JSON.stringify(props.licenseFees),
      MONTHLY_WORK_QUEUE_URL: this.monthlyWork.queue.queueUrl,
    } satisfies StackEnvironment<'monthly-run'>;
    this.monthlyStarter = new BillingFunction(this, 'MonthlyStart', {
      entry: 'monthly-run',
      handler: 'startHandler',
      description:
        'Starts the monthly license fee run on the 1st at 00:00 UTC: a piece of work per shard, for the month and any missed one',
      timeout: Duration.seconds(300),
      memorySize: 512,
      environment: monthly,
      stripe: props.stripe,
      ...removal,
    });
    this.monthlyShard = new BillingFunction(this, 'MonthlyShard', {
      entry: 'monthly-run',
      handler: 'shardHandler',
      description: 'Charges the license fees of one piece of the monthly run: a shard of the licensed partners',
      timeout: shardTimeout,
      memorySize: 1024,
      environment: monthly,
      stripe: props.stripe,
      ...removal,
    });

    for (const run of [this.dailyStarter, this.dailyShard, this.monthlyStarter, this.monthlyShard])
      run.grantTableReadWrite(props.table);
    // The starters queue the pieces; a worker queues the rest of its shard when it runs long.
    this.dailyWork.queue.grantSendMessages(this.dailyStarter.function);
    this.dailyWork.queue.grantSendMessages(this.dailyShard.function);
    this.dailyShard.function.addEventSource(
      new SqsEventSource(this.dailyWork.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 10 }),
    );
    this.monthlyWork.queue.grantSendMessages(this.monthlyStarter.function);
    this.monthlyWork.queue.grantSendMessages(this.monthlyShard.function);
    // Pieces in flight x PARTNERS_CHARGED_AT_ONCE (10) is at most 30 charges at once: well
    // under Stripe's rate limit of 100 requests a second with charges of a few hundred ms.
    this.monthlyShard.function.addEventSource(
      new SqsEventSource(this.monthlyWork.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 3 }),
    );

    const target = (fn: BillingFunction) =>
      new LambdaFunction(fn.function, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      });
    new Rule(this, 'DailyRule', {
      description: 'Daily run at 00:00 UTC',
      schedule: DAILY_SCHEDULE,
      targets: [target(this.dailyStarter)],
    });
    new Rule(this, 'MonthlyRule', {
      description: 'Monthly license fee run on the 1st at 00:00 UTC',
      schedule: MONTHLY_SCHEDULE,
      targets: [target(this.monthlyStarter)],
    });
  }
}
