/**
 * Every Lambda of the system is built the same way: Node.js 22 on ARM, X-Ray tracing,
 * its own log group with a retention, Powertools settings and an esbuild bundle (CJS,
 * minified, with source maps; the AWS SDK v3 comes from the runtime, and the Stripe SDK
 * from its layer in the functions that charge cards).
 */
import * as path from 'path';
import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, ILayerVersion, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The repository root: entries, the lock file and esbuild are resolved from here. */
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** The Lambda entry files in functions/lambda/. */
export const BILLING_ENTRIES = ['ingest-usage', 'recharge', 'daily-run', 'monthly-run', 'api', 'publish-events'] as const;
export type BillingEntry = (typeof BILLING_ENTRIES)[number];

/** What a function that charges cards is given: the Stripe secret key and the Stripe SDK. */
export interface StripeAccess {
  /** Holds the Stripe secret key as a plain string. */
  readonly secret: ISecret;
  /** The layer with the `stripe` package (see StripeSdkLayer). */
  readonly sdkLayer: ILayerVersion;
}

export interface BillingFunctionProps {
  /** File name in functions/lambda/, without the extension. */
  readonly entry: BillingEntry;
  /** Exported handler name; `handler` unless the file exports several. */
  readonly handler?: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  readonly logRetention?: RetentionDays;
  /** Applied to the log group; RETAIN by default. */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * For the functions that charge cards: Stripe as their provider, the secret's ARN in
   * their environment with read access to it, and the SDK from its layer, not the bundle.
   */
  readonly stripe?: StripeAccess;
}

export class BillingFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: BillingFunctionProps) {
    super(scope, id);
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
        ...props.environment,
        ...(props.stripe !== undefined && { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_ID: props.stripe.secret.secretArn }),
      },
      ...(props.stripe !== undefined && { layers: [props.stripe.sdkLayer] }),
      bundling: {
        minify: true,
        sourceMap: true,
        format: OutputFormat.CJS,
        target: 'node22',
        // `stripe` stays out only where its layer is attached: anywhere else it is bundled, never missing.
        externalModules: ['@aws-sdk/*', ...(props.stripe !== undefined ? ['stripe'] : [])],
      },
    });
    props.stripe?.secret.grantRead(this.function);

    const role = this.function.role;
    if (role !== undefined) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only allows creating log streams and writing log events; the function logs to its own log group created here.',
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing: X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, only "*".',
      });
    }
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to Node.js 22, the runtime the handlers and their bundles are built and tested for; moving to a newer runtime is a deliberate upgrade.',
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
