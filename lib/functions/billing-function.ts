/**
 * Every Lambda of the system is built the same way: Node.js 22 on ARM, X-Ray tracing,
 * its own log group with a retention, Powertools settings and an esbuild bundle (CJS,
 * minified, with source maps; the AWS SDK v3 comes from the runtime, and a package given
 * in a layer, such as the Stripe SDK in the functions that charge cards, from its layer).
 */
import * as path from 'node:path';
import { CfnElement, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { z } from 'zod';
import {
  ApiEnvironment,
  type CardProviderVariable,
  DailyRunEnvironment,
  type EndpointOverrideVariable,
  IngestUsageEnvironment,
  MonthlyRunEnvironment,
  PublishEventsEnvironment,
  RechargeEnvironment,
  StripeWebhookEnvironment,
} from '../../definitions/function-environment';
import type { PackageLayer } from './package-layer';

/** The repository root: entries, the lock file and esbuild are resolved from here. */
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The Lambda entry files in functions/lambda/. */
export const BILLING_ENTRIES = [
  'ingest-usage',
  'recharge',
  'daily-run',
  'monthly-run',
  'api',
  'publish-events',
  'stripe-webhook',
] as const;
export type BillingEntry = (typeof BILLING_ENTRIES)[number];

/** The schema each entry parses its environment with at cold start (functions/config.ts). */
export const ENTRY_ENVIRONMENTS = {
  'ingest-usage': IngestUsageEnvironment,
  recharge: RechargeEnvironment,
  'daily-run': DailyRunEnvironment,
  'monthly-run': MonthlyRunEnvironment,
  api: ApiEnvironment,
  'publish-events': PublishEventsEnvironment,
  'stripe-webhook': StripeWebhookEnvironment,
} satisfies Record<BillingEntry, z.ZodType>;

type EntryVariables<E extends BillingEntry> = z.input<(typeof ENTRY_ENVIRONMENTS)[E]>;

/**
 * What a construct sets for an entry: every variable of its schema, those with a default
 * too (a deployment states each value), so a missing or misspelled name does not compile.
 * Left out: the endpoint overrides of local runs, and the card provider with its pages,
 * which this construct sets from the function's Stripe access.
 */
export type StackEnvironment<E extends BillingEntry> = Required<
  Omit<EntryVariables<E>, EndpointOverrideVariable | CardProviderVariable>
>;

/** An entry whose environment names a card provider charges cards: it cannot be built without Stripe access. */
type StripeAccessOf<E extends BillingEntry> = 'PAYMENT_PROVIDER' extends keyof EntryVariables<E>
  ? { readonly stripe: StripeAccess }
  : { readonly stripe?: never };

/** The operator's pages Stripe's hosted pages send a partner back to (https URLs). */
export interface CardPages {
  /** After saving a card or authenticating a charge. */
  readonly returnUrl: string;
  /** After giving up. */
  readonly cancelUrl: string;
}

/** What a function that charges cards is given: the Stripe secret key, the Stripe SDK and the card pages. */
export interface StripeAccess {
  /** Holds the Stripe secret key as a plain string. */
  readonly secret: ISecret;
  /** The layer with the `stripe` package. */
  readonly sdkLayer: PackageLayer;
  readonly cardPages: CardPages;
}

interface BillingFunctionOptions<E extends BillingEntry> {
  /** File name in functions/lambda/, without the extension. */
  readonly entry: E;
  /** Exported handler name; `handler` unless the file exports several. */
  readonly handler?: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment: StackEnvironment<E>;
  readonly logRetention?: RetentionDays;
  /** Applied to the log group; RETAIN by default. */
  readonly removalPolicy?: RemovalPolicy;
  /** Packages the function takes from layers rather than its bundle, beyond the Stripe SDK of `stripe`. */
  readonly packageLayers?: readonly PackageLayer[];
}

/**
 * `stripe`, for the functions that charge cards: Stripe as their provider, the secret's ARN
 * in their environment with read access to it, the card pages, and the SDK from its
 * layer, not the bundle.
 */
export type BillingFunctionProps<E extends BillingEntry> = BillingFunctionOptions<E> & StripeAccessOf<E>;

export class BillingFunction<E extends BillingEntry = BillingEntry> extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: BillingFunctionProps<E>) {
    super(scope, id);
    const stripe: StripeAccess | undefined = props.stripe;
    if (stripe !== undefined && stripe.sdkLayer.packageName !== 'stripe') {
      throw new Error(`the Stripe SDK layer holds ${stripe.sdkLayer.packageName}, not stripe`);
    }
    const packageLayers = [...(stripe !== undefined ? [stripe.sdkLayer] : []), ...(props.packageLayers ?? [])];
    // Every value of a StackEnvironment is text; the generic type does not show it.
    const environment = props.environment as Record<string, string>;
    this.timeout = props.timeout;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', 'lambda', `${props.entry}.ts`),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 1024,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
        ...(stripe !== undefined && {
          PAYMENT_PROVIDER: 'stripe',
          STRIPE_SECRET_ID: stripe.secret.secretArn,
          CARD_RETURN_URL: stripe.cardPages.returnUrl,
          CARD_CANCEL_URL: stripe.cardPages.cancelUrl,
        }),
      },
      ...(packageLayers.length > 0 && { layers: packageLayers.map(({ layer }) => layer) }),
      bundling: {
        minify: true,
        sourceMap: true,
        format: OutputFormat.CJS,
        target: 'node22',
        // A layer's package stays out only where the layer is attached: anywhere else it is bundled, never missing.
        externalModules: ['@aws-sdk/*', ...packageLayers.map(({ packageName }) => packageName)],
      },
    });
    stripe?.secret.grantRead(this.function);

    const role = this.function.role;
    if (role !== undefined) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only allows creating log streams and writing log events; the function logs to its own log group created here.',
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing: X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, only "*".',
      });
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22, the runtime the handlers and their bundles are built and tested for; moving to a newer runtime is a deliberate upgrade.',
    });
  }

  /** Read and write access to the billing table and its indexes. */
  grantTableReadWrite(table: ITableV2): void {
    table.grantReadWriteData(this.function);
    const cfnTable = table.node.defaultChild;
    if (this.function.role !== undefined && cfnTable instanceof CfnElement) {
      Validations.of(this.function.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(table).getLogicalId(cfnTable)}.Arn>/index/*]`,
        reason:
          "Queries of the billing table's global secondary indexes (the sparse attention index) need <table>/index/*, the only form of index ARN the DynamoDB grants produce; it covers this table's indexes only.",
      });
    }
  }
}
