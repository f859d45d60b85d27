/** The prepaid-billing stack: one construct per capability, configured by the operator's props. */
import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DeploymentSettingsSchema } from '../definitions/deployment-settings';
import {
  EVENT_BUS_NAME_OUTPUT,
  OPERATED_QUEUES,
  type OperatedQueue,
  TABLE_NAME_OUTPUT,
  queueOutputs,
} from '../definitions/stack-outputs';
import type { LicenseFeesSetting } from '../definitions/setting-values';
import {
  configurationError,
  DEFAULT_USAGE_FUTURE_MARGIN_SECONDS,
  issueLines,
  topUpBoundsInOrder,
} from '../definitions/setting-values';
import { OperatorApi, STRIPE_WEBHOOK_PATH, type TopUpBounds } from './api/operator-api';
import { BillingTable } from './data/billing-table';
import { BillingEventBus } from './events/event-bus';
import { EventRelay } from './events/event-relay';
import { UsageIngestion } from './ingestion/usage-ingestion';
import { MAX_RECEIVE_COUNT } from './messaging/redrive';
import type { WorkQueue } from './messaging/work-queue';
import { Observability } from './observability/observability';
import type { CardPages, StripeAccess } from './functions/billing-function';
import { PackageLayer } from './functions/package-layer';
import { Recharges } from './recharges/recharges';
import { ScheduledRuns } from './schedules/scheduled-runs';
import { StripeWebhook } from './webhooks/stripe-webhook';

/** Name of the secret the stack creates when the operator names none. */
export const PLACEHOLDER_STRIPE_SECRET_NAME = 'prepaid-billing/stripe-secret-key';
/** Name of the webhook signing secret the stack creates when the operator names none. */
export const PLACEHOLDER_STRIPE_WEBHOOK_SECRET_NAME = 'prepaid-billing/stripe-webhook-secret';

export interface PrepaidBillingStackProps extends StackProps {
  /** Named in the 402 message of a blocked partner's channels. */
  readonly operatorName: string;
  /**
   * The monthly license fee per hosted number in each currency, e.g. { EUR: '25.00', USD: '27.00' },
   * or price lists by the month they apply from, e.g. { '2027-01': { EUR: '27.00', USD: '29.00' } }.
   */
  readonly licenseFees: LicenseFeesSetting;
  /** Subscribed to the alarm topic when given (the address must confirm the subscription). */
  readonly alarmEmail?: string;
  /**
   * Name of an existing Secrets Manager secret holding the Stripe secret key as a plain
   * string. When absent the stack creates `prepaid-billing/stripe-secret-key` (see below).
   */
  readonly stripeSecretName?: string;
  /**
   * Name of an existing Secrets Manager secret holding the signing secret (`whsec_…`) of the
   * Stripe webhook endpoint. When absent the stack creates `prepaid-billing/stripe-webhook-secret`.
   */
  readonly stripeWebhookSecretName?: string;
  /** https page Stripe's hosted pages send a partner to after saving a card or authenticating a charge. */
  readonly cardReturnUrl: string;
  /** https page they send a partner who gives up to. */
  readonly cardCancelUrl: string;
  /** RETAIN (the default) keeps the table, queues and logs when the stack is deleted. */
  readonly removalPolicy?: RemovalPolicy;
  /** Queues the messaging platform already sends usage events to; consumed like the stack's usage queue. */
  readonly existingUsageQueueArns?: readonly string[];
  /** How far in the future a usage event may be dated before ingestion refuses it; a day by default. */
  readonly usageFutureMarginSeconds?: number;
  /** The least a partner's top-up may credit, in whole cents ("10.00", the default). */
  readonly topUpMinimum?: string;
  /** The most a partner's top-up may credit, in whole cents ("100000.00", the default). */
  readonly topUpMaximum?: string;
  /** Where docs/runbook.md is read: every alarm's description links to its section there. */
  readonly runbookUrl?: string;
}

export class PrepaidBillingStack extends Stack {
  readonly data: BillingTable;
  readonly events: BillingEventBus;
  /** Puts the outbox events written with each transaction on the bus. */
  readonly eventRelay: EventRelay;
  readonly stripeSecret: ISecret;
  /** The Stripe webhook endpoint's signing secret. */
  readonly stripeWebhookSecret: ISecret;
  /** The Stripe SDK, shared by the functions that charge cards. */
  readonly stripeSdk: PackageLayer;
  /** pdf-lib, which draws the statements' PDFs in the API. */
  readonly pdfLib: PackageLayer;
  readonly recharges: Recharges;
  readonly ingestion: UsageIngestion;
  readonly scheduledRuns: ScheduledRuns;
  readonly stripeWebhook: StripeWebhook;
  readonly api: OperatorApi;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: PrepaidBillingStackProps) {
    super(scope, id, props);
    const removal = props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {};
    this.data = new BillingTable(this, 'Data', removal);
    this.events = new BillingEventBus(this, 'Events');
    this.stripeSecret = operatorSecret(this, 'StripeSecret', props.stripeSecretName, STRIPE_KEY_PLACEHOLDER);
    this.stripeWebhookSecret = operatorSecret(
      this,
      'StripeWebhookSecret',
      props.stripeWebhookSecretName,
      STRIPE_WEBHOOK_SECRET_PLACEHOLDER,
    );
    this.stripeSdk = new PackageLayer(this, 'StripeSdk', {
      packageName: 'stripe',
      title: 'Stripe SDK',
      purpose: 'for the functions that charge cards',
    });
    this.pdfLib = new PackageLayer(this, 'PdfLib', {
      packageName: 'pdf-lib',
      title: 'PDF library',
      purpose: "for the API's statement PDFs",
    });

    const stripe: StripeAccess = {
      secret: this.stripeSecret,
      sdkLayer: this.stripeSdk,
      cardPages: cardPages(props),
    };
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
    const rechargeQueue = this.recharges.requests.queue;
    this.stripeWebhook = new StripeWebhook(this, 'StripeWebhook', {
      ...shared,
      signingSecret: this.stripeWebhookSecret,
      rechargeQueue,
    });
    this.api = new OperatorApi(this, 'OperatorApi', {
      ...shared,
      operatorName: props.operatorName,
      topUpBounds: topUpBounds(props),
      rechargeQueue,
      stripeWebhook: this.stripeWebhook.handler,
      pdfLayer: this.pdfLib,
    });

    this.observability = new Observability(this, 'Observability', {
      ...(props.alarmEmail !== undefined && { alarmEmail: props.alarmEmail }),
      ...(props.runbookUrl !== undefined && { runbookUrl: props.runbookUrl }),
      functions: {
        Ingestion: this.ingestion.handler,
        Recharge: this.recharges.handler,
        DailyStart: this.scheduledRuns.dailyStarter,
        DailyShard: this.scheduledRuns.dailyShard,
        MonthlyStart: this.scheduledRuns.monthlyStarter,
        MonthlyShard: this.scheduledRuns.monthlyShard,
        Api: this.api.handler,
        StripeWebhook: this.stripeWebhook.handler,
        EventRelay: this.eventRelay.handler,
      },
      stripeWebhook: { api: this.api.api, path: STRIPE_WEBHOOK_PATH },
      eventRelay: this.eventRelay,
      deadLetterQueues: {
        Usage: this.ingestion.usage.deadLetterQueue,
        Recharge: this.recharges.requests.deadLetterQueue,
        DailyWork: this.scheduledRuns.dailyWork.deadLetterQueue,
        MonthlyWork: this.scheduledRuns.monthlyWork.deadLetterQueue,
        Schedule: this.scheduledRuns.scheduleDeadLetterQueue,
      },
      chargeLogGroups: [this.recharges.handler.logGroup, this.scheduledRuns.dailyShard.logGroup],
    });

    this.outputs();
  }

  /** What an operator needs after a deploy (the API's URL is the REST API's own `OperatorApiEndpoint…` output). */
  private outputs(): void {
    const outputs: Record<string, { value: string; description: string }> = {
      ...this.queueOutputs(),
      [TABLE_NAME_OUTPUT]: {
        value: this.data.table.tableName,
        description: 'The billing table, which the operator command line (npx prepaid-billing) reads',
      },
      StripeSecretName: {
        value: this.stripeSecret.secretName,
        description: 'Put the Stripe secret key here as a plain string',
      },
      StripeWebhookUrl: {
        value: this.api.api.urlForPath(STRIPE_WEBHOOK_PATH),
        description: 'The URL of the webhook endpoint to create in the Stripe dashboard (Webhooks)',
      },
      StripeWebhookSecretName: {
        value: this.stripeWebhookSecret.secretName,
        description: "Put the Stripe webhook endpoint's signing secret (whsec_...) here as a plain string",
      },
      [EVENT_BUS_NAME_OUTPUT]: {
        value: this.events.bus.eventBusName,
        description: 'Billing events (source prepaid-billing)',
      },
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

  /** Each queue an operator redrives and its dead-letter queue, under the names the command line reads them by. */
  private queueOutputs(): Record<string, { value: string; description: string }> {
    const queues: Record<OperatedQueue, { pair: WorkQueue; holds: string; deadLetters: string }> = {
      usage: {
        pair: this.ingestion.usage,
        holds: 'The messaging platform sends one usage event per conversation here',
        deadLetters: 'Rejected usage events, with the reason in message attributes',
      },
      recharge: {
        pair: this.recharges.requests,
        holds: 'Recharge requests of partners below their threshold',
        deadLetters: `Recharge requests that failed ${MAX_RECEIVE_COUNT} times`,
      },
      'daily-work': {
        pair: this.scheduledRuns.dailyWork,
        holds: "The daily run's pieces of work, one per shard",
        deadLetters: `Pieces of the daily run's work that failed ${MAX_RECEIVE_COUNT} times`,
      },
      'monthly-work': {
        pair: this.scheduledRuns.monthlyWork,
        holds: "The monthly run's pieces of work",
        deadLetters: `Pieces of the monthly run's work that failed ${MAX_RECEIVE_COUNT} times`,
      },
    };
    return Object.fromEntries(
      OPERATED_QUEUES.flatMap((queue) => {
        const { pair, holds, deadLetters } = queues[queue];
        const names = queueOutputs(queue);
        return [
          [names.queueUrl, { value: pair.queue.queueUrl, description: holds }],
          [names.deadLetterQueueUrl, { value: pair.deadLetterQueue.queueUrl, description: deadLetters }],
        ];
      }),
    );
  }
}

/**
 * The card pages, checked by the rule of the deployment settings: a stack built in code
 * gets the same message as `cdk synth` with a wrong setting.
 */
function cardPages(props: PrepaidBillingStackProps): CardPages {
  const pages = DeploymentSettingsSchema.pick({ cardReturnUrl: true, cardCancelUrl: true }).safeParse(props);
  if (!pages.success) {
    throw configurationError('the card pages of PrepaidBillingStack are not valid', issueLines(pages.error, String));
  }
  return { returnUrl: pages.data.cardReturnUrl, cancelUrl: pages.data.cardCancelUrl };
}

/** The top-up bounds, with their defaults, checked by the rules of the deployment settings. */
function topUpBounds(props: PrepaidBillingStackProps): TopUpBounds {
  const title = 'the top-up bounds of PrepaidBillingStack are not valid';
  const bounds = DeploymentSettingsSchema.pick({ topUpMinimum: true, topUpMaximum: true }).safeParse(props);
  if (!bounds.success) throw configurationError(title, issueLines(bounds.error, String));
  const { topUpMinimum: minimum, topUpMaximum: maximum } = bounds.data;
  if (!topUpBoundsInOrder(minimum, maximum))
    throw configurationError(title, [`topUpMinimum must be at most topUpMaximum (${maximum})`]);
  return { minimum, maximum };
}

interface SecretPlaceholder {
  readonly name: string;
  readonly description: string;
  /** Why Secrets Manager does not rotate it (cdk-nag AwsSolutions-SMG4). */
  readonly notRotated: string;
}

/**
 * The Stripe secret key. Charging through the sandbox provider is never deployed to AWS.
 * Until the operator puts the key in, the placeholder holds a blank value, which the
 * functions refuse at cold start, so nothing is charged and recharge requests wait in
 * their queue and then their dead-letter queue, both alarmed, instead of failing against
 * Stripe.
 */
const STRIPE_KEY_PLACEHOLDER: SecretPlaceholder = {
  name: PLACEHOLDER_STRIPE_SECRET_NAME,
  description: 'Stripe secret key (plain string) used by prepaid-billing; replace the blank placeholder before use',
  notRotated:
    'The Stripe secret key is issued and rolled in the Stripe dashboard; Secrets Manager cannot rotate it, the operator replaces the value when rolling the key.',
};

/**
 * The webhook endpoint's signing secret. Its blank placeholder does not start with
 * `whsec_`, so the webhook function refuses to start until the operator puts the real
 * one in: Stripe's deliveries fail (5xx, alarmed) and Stripe delivers them again for up
 * to 3 days, instead of being checked against a secret nobody chose.
 */
const STRIPE_WEBHOOK_SECRET_PLACEHOLDER: SecretPlaceholder = {
  name: PLACEHOLDER_STRIPE_WEBHOOK_SECRET_NAME,
  description:
    "Signing secret (whsec_..., plain string) of prepaid-billing's Stripe webhook endpoint; replace the blank placeholder before use",
  notRotated:
    "A webhook endpoint's signing secret is issued and rolled in the Stripe dashboard; Secrets Manager cannot rotate it, the operator replaces the value when rolling it.",
};

/**
 * A secret of the operator's: with a name from the operator, that secret is used. Without
 * one, the stack creates a placeholder secret (retained on stack deletion) holding a blank
 * value, which the operator fills before traffic arrives.
 */
function operatorSecret(
  scope: Construct,
  id: string,
  name: string | undefined,
  placeholder: SecretPlaceholder,
): ISecret {
  if (name !== undefined && name !== '') return Secret.fromSecretNameV2(scope, id, name);
  const secret = new Secret(scope, id, {
    secretName: placeholder.name,
    description: placeholder.description,
    secretStringValue: SecretValue.unsafePlainText(' '),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: placeholder.notRotated });
  return secret;
}
