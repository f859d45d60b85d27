/** The prepaid-billing stack: one construct per capability, configured by the operator's props. */
import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DEFAULT_USAGE_FUTURE_MARGIN_SECONDS } from '../definitions/setting-values';
import { OperatorApi } from './api/operator-api';
import { BillingTable } from './data/billing-table';
import { BillingEventBus } from './events/event-bus';
import { EventRelay } from './events/event-relay';
import { UsageIngestion } from './ingestion/usage-ingestion';
import { Observability } from './observability/observability';
import { StripeSdkLayer } from './functions/stripe-sdk-layer';
import { Recharges } from './recharges/recharges';
import { ScheduledRuns } from './schedules/scheduled-runs';

/** Name of the secret the stack creates when the operator names none. */
export const PLACEHOLDER_STRIPE_SECRET_NAME = 'prepaid-billing/stripe-secret-key';

export interface PrepaidBillingStackProps extends StackProps {
  /** Named in the 402 message of a blocked partner's channels. */
  readonly operatorName: string;
  /** The monthly license fee per hosted number in each currency, e.g. { EUR: '25.00', USD: '27.00' }. */
  readonly licenseFees: Readonly<Record<string, string>>;
  /** Subscribed to the alarm topic when given (the address must confirm the subscription). */
  readonly alarmEmail?: string;
  /**
   * Name of an existing Secrets Manager secret holding the Stripe secret key as a plain
   * string. When absent the stack creates `prepaid-billing/stripe-secret-key` (see below).
   */
  readonly stripeSecretName?: string;
  /** RETAIN (the default) keeps the table, queues and logs when the stack is deleted. */
  readonly removalPolicy?: RemovalPolicy;
  /** Queues the messaging platform already sends usage events to; consumed like the stack's usage queue. */
  readonly existingUsageQueueArns?: readonly string[];
  /** How far in the future a usage event may be dated before ingestion refuses it; a day by default. */
  readonly usageFutureMarginSeconds?: number;
}

export class PrepaidBillingStack extends Stack {
  readonly data: BillingTable;
  readonly events: BillingEventBus;
  /** Puts the outbox events written with each transaction on the bus. */
  readonly eventRelay: EventRelay;
  readonly stripeSecret: ISecret;
  /** The Stripe SDK, shared by the functions that charge cards. */
  readonly stripeSdk: StripeSdkLayer;
  readonly recharges: Recharges;
  readonly ingestion: UsageIngestion;
  readonly scheduledRuns: ScheduledRuns;
  readonly api: OperatorApi;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: PrepaidBillingStackProps) {
    super(scope, id, props);
    const removal = props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {};
    this.data = new BillingTable(this, 'Data', removal);
    this.events = new BillingEventBus(this, 'Events');
    this.stripeSecret = stripeSecret(this, props.stripeSecretName);
    this.stripeSdk = new StripeSdkLayer(this, 'StripeSdk');

    const stripe = { secret: this.stripeSecret, sdkLayer: this.stripeSdk.layer };
    // Outbox events are put on the bus by the relay alone; of the other functions only
    // ingestion publishes (UsageRejected, which no transaction records).
    this.eventRelay = new EventRelay(this, 'EventRelay', { table: this.data.table, bus: this.events.bus, ...removal });
    const shared = { table: this.data.table, stripe, ...removal };
    this.recharges = new Recharges(this, 'Recharges', shared);
    this.ingestion = new UsageIngestion(this, 'Ingestion', {
      table: this.data.table,
      bus: this.events.bus,
      rechargeQueue: this.recharges.requests.queue,
      ...(props.existingUsageQueueArns !== undefined && { existingUsageQueueArns: props.existingUsageQueueArns }),
      futureMarginSeconds: props.usageFutureMarginSeconds ?? DEFAULT_USAGE_FUTURE_MARGIN_SECONDS,
      ...removal,
    });
    this.scheduledRuns = new ScheduledRuns(this, 'ScheduledRuns', { ...shared, licenseFees: props.licenseFees });
    this.api = new OperatorApi(this, 'OperatorApi', { ...shared, operatorName: props.operatorName });

    this.observability = new Observability(this, 'Observability', {
      ...(props.alarmEmail !== undefined && { alarmEmail: props.alarmEmail }),
      functions: {
        Ingestion: this.ingestion.handler,
        Recharge: this.recharges.handler,
        DailyStart: this.scheduledRuns.dailyStarter,
        DailyShard: this.scheduledRuns.dailyShard,
        MonthlyRun: this.scheduledRuns.monthly,
        Api: this.api.handler,
        EventRelay: this.eventRelay.handler,
      },
      eventRelay: this.eventRelay,
      deadLetterQueues: {
        Usage: this.ingestion.usage.deadLetterQueue,
        Recharge: this.recharges.requests.deadLetterQueue,
        DailyWork: this.scheduledRuns.dailyWork.deadLetterQueue,
        Schedule: this.scheduledRuns.scheduleDeadLetterQueue,
      },
      chargeLogGroups: [this.recharges.handler.logGroup, this.scheduledRuns.dailyShard.logGroup],
    });

    this.outputs();
  }

  /** What an operator needs after a deploy (the API's URL is the REST API's own `OperatorApiEndpoint…` output). */
  private outputs(): void {
    const outputs: Record<string, { value: string; description: string }> = {
      UsageQueueUrl: {
        value: this.ingestion.usage.queue.queueUrl,
        description: 'The messaging platform sends one usage event per conversation here',
      },
      UsageDeadLetterQueueUrl: {
        value: this.ingestion.usage.deadLetterQueue.queueUrl,
        description: 'Rejected usage events, with the reason in message attributes',
      },
      StripeSecretName: {
        value: this.stripeSecret.secretName,
        description: 'Put the Stripe secret key here as a plain string',
      },
      EventBusName: { value: this.events.bus.eventBusName, description: 'Billing events (source prepaid-billing)' },
      EventRelayFailureQueueUrl: {
        value: this.eventRelay.failureQueue.queueUrl,
        description:
          'Stream positions of event batches the relay gave up on; their events stay in the table (outbox) for 7 days to replay',
      },
      AlarmTopicArn: { value: this.observability.topic.topicArn, description: 'Alarms are published here' },
      DashboardUrl: {
        value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.observability.dashboard.dashboardName}`,
        description: 'The CloudWatch dashboard',
      },
    };
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }
}

/**
 * The Stripe secret key. Charging through the sandbox provider is never deployed to AWS.
 * With a name from the operator, that secret is used. Without one, the stack creates a
 * placeholder secret (retained on stack deletion) that the operator fills with the key
 * before traffic arrives: until then it holds a blank value, which the functions refuse
 * at cold start, so nothing is charged and recharge requests wait in their queue and then
 * their dead-letter queue, both alarmed, instead of failing against Stripe.
 */
function stripeSecret(scope: Construct, name: string | undefined): ISecret {
  if (name !== undefined && name !== '') return Secret.fromSecretNameV2(scope, 'StripeSecret', name);
  const secret = new Secret(scope, 'StripeSecret', {
    secretName: PLACEHOLDER_STRIPE_SECRET_NAME,
    description: 'Stripe secret key (plain string) used by prepaid-billing; replace the blank placeholder before use',
    secretStringValue: SecretValue.unsafePlainText(' '),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The Stripe secret key is issued and rolled in the Stripe dashboard; Secrets Manager cannot rotate it, the operator replaces the value when rolling the key.',
  });
  return secret;
}
