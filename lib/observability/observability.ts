/**
 * Observability: the alarm topic (with an optional e-mail subscription), one dashboard and
 * the alarms. Business metrics are the Powertools EMF metrics of namespace PrepaidBilling,
 * dimension `service = prepaid-billing`; metrics with an extra dimension (rejection reason,
 * decline code, currency) are summed with SEARCH on the dashboard.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHARGE_UNRESOLVED_METRIC,
  DISPUTES_LOST_METRIC,
  DISPUTES_OPENED_METRIC,
  DISPUTES_WON_METRIC,
  METRICS_NAMESPACE,
  MONTHLY_RUN_DEADLINE_HOURS,
  MONTHLY_RUN_DUE_METRIC,
  OPERATOR_REFUNDS_METRIC,
  PARTNER_RUNS,
  PARTNER_WORK_FAILED_METRIC,
  PROVIDER_REFUNDS_METRIC,
  SERVICE_NAME,
  TOP_UPS_SUCCEEDED_METRIC,
  TOP_UP_AMOUNT_METRIC,
  WEBHOOK_FAILED_METRIC,
  WEBHOOK_REFUSED_METRIC,
} from '../../definitions/service';
import { DEFAULT_RUNBOOK_URL } from '../../definitions/setting-values';
import type { BillingFunction } from '../functions/billing-function';
import { SavedQueries } from './saved-queries';

const SERVICE = { service: SERVICE_NAME };
/** Published by the metric filters below: declines of every decline code, in one series. */
export const DECLINES_TOTAL_METRIC = 'ChargesDeclinedTotal';

export interface ObservabilityProps {
  /** The functions whose errors and throttles are alarmed, by a readable name. */
  readonly functions: Readonly<Record<string, BillingFunction>>;
  /** Dead-letter queues that must stay empty, by a readable name. */
  readonly deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** The relay of outbox events to the bus: its failure queue and stream lag are alarmed. */
  readonly eventRelay: { readonly handler: BillingFunction; readonly failureQueue: IQueue };
  /** Log groups of the functions that charge cards (their EMF logs carry ChargesDeclined). */
  readonly chargeLogGroups: readonly ILogGroup[];
  /** The route of Stripe's webhook deliveries: its requests and answers are on the dashboard. */
  readonly stripeWebhook: { readonly api: RestApi; readonly path: string };
  readonly alarmEmail?: string;
  /**
   * Where docs/runbook.md is read (the repository's copy of it): each alarm's description
   * ends with a link to its section, `<runbookUrl>#<alarm name in lower case>`.
   */
  readonly runbookUrl?: string;
}

/** The link an alarm's description ends with: its section of the runbook, anchored by its name. */
export function runbookLink(runbookUrl: string, alarmName: string): string {
  return `${runbookUrl}#${alarmName.toLowerCase()}`;
}

/**
 * Refusals in 5 minutes that alarm. Anyone can post to the public webhook route, so a few
 * are stray or forged requests; a signing secret that is not the endpoint's refuses every
 * delivery, which soon passes this.
 */
export const WEBHOOK_REFUSALS_ALARMED = 5;

export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'prepaid-billing alarms', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states, no partner data; CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key for this alone is not worth its cost.',
    });
    new SavedQueries(this, 'SavedQueries', {
      allLogGroups: Object.values(props.functions).map((fn) => fn.logGroup),
      ingestionLogGroup: props.functions.Ingestion?.logGroup ?? missingFunction('Ingestion'),
      chargeLogGroups: props.chargeLogGroups,
    });
    if (props.alarmEmail !== undefined && props.alarmEmail !== '') {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    const action = new SnsAction(this.topic);
    const runbookUrl = props.runbookUrl ?? DEFAULT_RUNBOOK_URL;
    const alarm = (alarmId: string, alarmProps: ConstructorParameters<typeof Alarm>[2]): Alarm => {
      const created = new Alarm(this, alarmId, {
        ...alarmProps,
        alarmDescription: `${alarmProps.alarmDescription ?? alarmId} (runbook: ${runbookLink(runbookUrl, alarmId)})`,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    // ChargesDeclined is emitted with a declineCode dimension; alarms cannot SEARCH, so
    // metric filters on the charging functions' logs publish the declines as one series.
    props.chargeLogGroups.forEach((logGroup, index) => {
      new MetricFilter(this, `DeclinesFilter${index}`, {
        logGroup,
        filterPattern: FilterPattern.numberValue('$.ChargesDeclined', '>=', 0),
        metricNamespace: METRICS_NAMESPACE,
        metricName: DECLINES_TOTAL_METRIC,
        metricValue: '$.ChargesDeclined',
        defaultValue: 0,
      });
    });

    const business = (metricName: string, statistic = 'Sum', period = Duration.minutes(5)) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: SERVICE, statistic, period });
    const searchSum = (metricName: string, dimension: string, label: string) =>
      new MathExpression({
        expression: `SUM(SEARCH('{${METRICS_NAMESPACE},${dimension},service} MetricName="${metricName}"', 'Sum', 300))`,
        label,
        period: Duration.minutes(5),
      });

    // Alarms: every dead-letter queue must stay empty.
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(`${name}DeadLetters`, {
        alarmDescription: `${name} dead-letter queue holds messages`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    // The event relay: a record in its failure queue is an event that did not reach the
    // bus (replay it from its outbox item); a stream iterator older than 5 minutes means
    // events are that late, usually a bus outage or a record retried at the head of a shard.
    const relay = props.eventRelay;
    alarm('EventRelayFailures', {
      alarmDescription: 'Event relay failure queue holds records of outbox events not put on the bus',
      metric: relay.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const iteratorAge = relay.handler.function.metric('IteratorAge', {
      period: Duration.minutes(5),
      statistic: 'Maximum',
    });
    alarm('EventRelayIteratorAge', {
      alarmDescription: 'Event relay is more than 5 minutes behind the billing table stream',
      metric: iteratorAge,
      threshold: Duration.minutes(5).toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // The relay is only invoked when there are outbox events: no data is no lag.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Daily run missing: no DailyRunCompleted in 25 hours. A period of 1 hour with 25 of 25
    // breaching data points is a valid alarm (periods of 1 hour or more may span up to 7 days
    // in total); hours without data count as breaching, so a run that never starts alarms too.
    alarm('DailyRunMissing', {
      alarmDescription: 'No daily run completed in the last 25 hours',
      metric: business('DailyRunCompleted', 'Sum', Duration.hours(1)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 25,
      datapointsToAlarm: 25,
      treatMissingData: TreatMissingData.BREACHING,
    });

    // More than half of the charges of an hour declined.
    const hourly = Duration.hours(1);
    // Monthly run missing: the daily run of the 1st counted one as due and none completed by
    // 02:00 UTC. The 2-hour periods start at 00:00 UTC, so the first one of the 1st is the window.
    const window = Duration.hours(MONTHLY_RUN_DEADLINE_HOURS);
    alarm('MonthlyRunMissing', {
      alarmDescription: `The monthly run was due on the 1st and had not completed ${MONTHLY_RUN_DEADLINE_HOURS} hours after 00:00 UTC`,
      metric: new MathExpression({
        expression: 'IF(FILL(due, 0) > 0 AND FILL(done, 0) == 0, 1, 0)',
        usingMetrics: {
          due: business(MONTHLY_RUN_DUE_METRIC, 'Sum', window),
          done: business('MonthlyRunCompleted', 'Sum', window),
        },
        label: 'Monthly run due and not completed',
        period: window,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    alarm('ChargeFailureRate', {
      alarmDescription: 'More than half of the card charges in the last hour were declined',
      metric: new MathExpression({
        expression: 'IF((FILL(s, 0) + FILL(d, 0)) > 0, FILL(d, 0) / (FILL(s, 0) + FILL(d, 0)), 0)',
        usingMetrics: {
          s: business('ChargesSucceeded', 'Sum', hourly),
          d: new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: DECLINES_TOTAL_METRIC,
            statistic: 'Sum',
            period: hourly,
          }),
        },
        period: hourly,
        label: 'declined / (succeeded + declined)',
      }),
      threshold: 0.5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // A partner skipped by a run because its work failed in a way no retry changes: the
    // others were served, this one waits for the next run until someone repairs its
    // cause. The error log line names the partner (docs/architecture.md, "Isolation").
    const skippedByRun: Record<string, Metric> = Object.fromEntries(
      PARTNER_RUNS.map((run) => [
        run,
        new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: PARTNER_WORK_FAILED_METRIC,
          dimensionsMap: { ...SERVICE, run },
          statistic: 'Sum',
          period: Duration.minutes(5),
          label: run,
        }),
      ]),
    );
    alarm('PartnerWorkFailed', {
      alarmDescription:
        'A daily, recharge, monthly or ingestion run skipped a partner whose work failed in a way no retry changes; its log line names the partner and the error',
      metric: new MathExpression({
        expression: PARTNER_RUNS.map((run) => `FILL(${run}, 0)`).join(' + '),
        usingMetrics: skippedByRun,
        period: Duration.minutes(5),
        label: 'partners skipped',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Stripe's webhook deliveries. Refused ones changed nothing (see above for the
    // threshold); failed ones were signed but not applied, and Stripe delivers them again
    // for up to 3 days: their error lines name the event.
    alarm('StripeWebhookRefused', {
      alarmDescription: `${WEBHOOK_REFUSALS_ALARMED} or more Stripe webhook deliveries in 5 minutes refused by the signature check (unsigned, wrongly signed or stale): is the signing secret in Secrets Manager the endpoint's?`,
      metric: business(WEBHOOK_REFUSED_METRIC),
      threshold: WEBHOOK_REFUSALS_ALARMED,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm('StripeWebhookFailed', {
      alarmDescription:
        'Signed Stripe webhook deliveries that could not be applied; Stripe delivers them again, and their error lines name the event',
      metric: business(WEBHOOK_FAILED_METRIC),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // A charge attempt Stripe has given no clear answer on an hour after it was opened:
    // the partner's single in-flight slot stays taken until someone looks.
    alarm('ChargeUnresolved', {
      alarmDescription:
        'A card charge attempt still has no clear answer from the card provider an hour after it was opened',
      metric: business(CHARGE_UNRESOLVED_METRIC),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Handler errors and throttles of every function.
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, {
        alarmDescription: `${name} handler errors`,
        metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm(`${name}Throttles`, {
        alarmDescription: `${name} invocations throttled`,
        metric: fn.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    const deadLetterDepth: IMetric[] = Object.entries(props.deadLetterQueues).map(([name, queue]) =>
      queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
        label: name,
      }),
    );
    // API Gateway's detailed metrics (enabled on the stage) of the webhook route alone.
    const webhookRoute = (metricName: string, label: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: {
          ApiName: props.stripeWebhook.api.restApiName,
          Stage: props.stripeWebhook.api.deploymentStage.stageName,
          Resource: props.stripeWebhook.path,
          Method: 'POST',
        },
        statistic: 'Sum',
        period: Duration.minutes(5),
        label,
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: SERVICE_NAME,
      widgets: [
        [new TextWidget({ markdown: '# prepaid-billing', width: 24, height: 1 })],
        [
          new GraphWidget({
            title: 'Usage ingested and rejected',
            left: [business('UsageIngested'), searchSum('UsageRejected', 'reason', 'UsageRejected')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Ingestion batch latency (ms)',
            left: [
              business('IngestionBatchLatency', 'p50'),
              business('IngestionBatchLatency', 'p95'),
              business('IngestionBatchLatency', 'Maximum'),
            ],
            width: 8,
          }),
          new GraphWidget({ title: 'Dead-letter queue depth', left: deadLetterDepth, width: 8 }),
        ],
        [
          // Top-ups beside the automatic charges: the partners' own, counted as the relay publishes them.
          new GraphWidget({
            title: 'Charges succeeded and declined; top-ups succeeded',
            left: [
              business('ChargesSucceeded'),
              searchSum('ChargesDeclined', 'declineCode', 'ChargesDeclined'),
              business(TOP_UPS_SUCCEEDED_METRIC),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Charged amount and top-up amount per currency',
            left: [
              new MathExpression({
                expression: `SEARCH('{${METRICS_NAMESPACE},currency,service} MetricName="ChargedAmount"', 'Sum', 300)`,
                label: '',
                period: Duration.minutes(5),
              }),
              new MathExpression({
                expression: `SEARCH('{${METRICS_NAMESPACE},currency,service} MetricName="${TOP_UP_AMOUNT_METRIC}"', 'Sum', 300)`,
                label: '',
                period: Duration.minutes(5),
              }),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Partners overdue and blocked (daily run)',
            left: [
              business('PartnersOverdue', 'Sum', Duration.hours(1)),
              business('PartnersBlocked', 'Sum', Duration.hours(1)),
            ],
            width: 8,
          }),
        ],
        // Money back, beside the charges it comes back from: counts per hour, as disputes and refunds are few.
        [
          new GraphWidget({
            title: 'Money back: disputes opened (chargeback booked), won and lost, per hour',
            left: [
              business(DISPUTES_OPENED_METRIC, 'Sum', hourly),
              business(DISPUTES_WON_METRIC, 'Sum', hourly),
              business(DISPUTES_LOST_METRIC, 'Sum', hourly),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Money back: refunds made at the card provider and by operators, per hour',
            left: [business(PROVIDER_REFUNDS_METRIC, 'Sum', hourly), business(OPERATOR_REFUNDS_METRIC, 'Sum', hourly)],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Daily run duration (s)',
            left: [business('DailyRunDuration', 'Maximum', Duration.hours(1))],
            width: 8,
          }),
          new SingleValueWidget({
            title: 'Daily runs completed (last 25 h)',
            metrics: [business('DailyRunCompleted', 'Sum', Duration.hours(25))],
            width: 8,
          }),
          new SingleValueWidget({
            title: 'Last runs: daily and monthly duration (s), monthly runs completed',
            metrics: [
              business('DailyRunDuration', 'Maximum', Duration.days(1)),
              business('MonthlyRunDuration', 'Maximum', Duration.days(1)),
              business('MonthlyRunCompleted', 'Sum', Duration.days(1)),
            ],
            start: '-P32D',
            width: 8,
          }),
          new GraphWidget({
            title: 'Partners skipped by a run (work failed), by run',
            left: Object.values(skippedByRun),
            width: 8,
          }),
        ],
        // The monthly run: its pieces' license fees, how long the month's run took, and months caught up.
        [
          new GraphWidget({
            title: 'Monthly run: license fees charged, declined and without a clear answer, per hour',
            left: [
              business('LicenseFeesCharged', 'Sum', hourly),
              business('LicenseFeesDeclined', 'Sum', hourly),
              business('LicenseFeesUnknownOutcome', 'Sum', hourly),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Monthly run duration (s) and pieces of work done',
            left: [business('MonthlyRunDuration', 'Maximum', hourly)],
            right: [business('MonthlyWorkItems', 'Sum', hourly)],
            width: 8,
          }),
          new GraphWidget({
            title: 'Monthly runs started, completed, and months caught up',
            left: [
              business('MonthlyRunsStarted', 'Sum', hourly),
              business('MonthlyRunCompleted', 'Sum', hourly),
              business('MonthlyRunCatchUpMonths', 'Sum', hourly),
            ],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Events published to the bus (relay)',
            left: [business('EventsPublished')],
            width: 8,
          }),
          new GraphWidget({ title: 'Event relay iterator age (ms)', left: [iteratorAge], width: 8 }),
          new GraphWidget({
            title: 'Event relay failure queue depth',
            left: [
              relay.failureQueue.metricApproximateNumberOfMessagesVisible({
                period: Duration.minutes(5),
                statistic: 'Maximum',
              }),
            ],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: `Stripe webhook requests and errors (POST ${props.stripeWebhook.path})`,
            left: [
              webhookRoute('Count', 'requests'),
              webhookRoute('4XXError', '4xx (refused)'),
              webhookRoute('5XXError', '5xx (delivered again)'),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Stripe webhook deliveries refused and failed',
            left: [business(WEBHOOK_REFUSED_METRIC), business(WEBHOOK_FAILED_METRIC)],
            width: 8,
          }),
          new GraphWidget({
            title: 'Charges waiting for authentication, failed, or without a clear answer (at once, after an hour)',
            left: [
              business('ChargesActionRequired'),
              business('ChargesFailed'),
              business('ChargesUnknownOutcome'),
              business(CHARGE_UNRESOLVED_METRIC),
            ],
            width: 8,
          }),
        ],
      ],
    });
  }
}

function missingFunction(name: string): never {
  throw new Error(`Observability needs the ${name} function: its log group is what the saved queries read`);
}
