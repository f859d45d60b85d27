/**
 * The operator API: API Gateway with IAM (SigV4) authorization on every method, proxying
 * to one Lambda whose router validates requests against the route table. One route is
 * public: Stripe's webhook deliveries, `POST /webhooks/stripe`, to their own function,
 * which authenticates each delivery by its signature (docs/architecture.md, "Webhook
 * endpoint").
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BillingFunction, type StripeAccess } from '../functions/billing-function';
import type { PackageLayer } from '../functions/package-layer';
import { API_BINARY_MEDIA_TYPES } from '../../definitions/service';

/** The path of Stripe's webhook deliveries, the one route outside IAM authorization. */
export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';
/**
 * Stripe's deliveries come in bursts (a retried backlog, a batch of disputes); beyond this
 * API Gateway answers 429 and Stripe delivers again later, with backoff, for up to 3 days.
 */
export const STRIPE_WEBHOOK_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** The least and the most a partner's top-up may credit, in whole cents ("10.00"). */
export interface TopUpBounds {
  readonly minimum: string;
  readonly maximum: string;
}

export interface OperatorApiProps {
  readonly table: ITableV2;
  readonly stripe: StripeAccess;
  readonly operatorName: string;
  readonly topUpBounds: TopUpBounds;
  /** A charge that cannot finish within the API's time budget is handed to the recharge function here. */
  readonly rechargeQueue: IQueue;
  /** The function Stripe's webhook deliveries go to (StripeWebhook). */
  readonly stripeWebhook: BillingFunction;
  /** The layer with pdf-lib, which draws the statements' PDFs: the API's bundle leaves it out. */
  readonly pdfLayer: PackageLayer;
  readonly removalPolicy?: RemovalPolicy;
}

export class OperatorApi extends Construct {
  readonly api: RestApi;
  readonly handler: BillingFunction;
  /** `POST /webhooks/stripe`: no authorization, its own throttle and request validation. */
  readonly stripeWebhookMethod: Method;

  constructor(scope: Construct, id: string, props: OperatorApiProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.handler = new BillingFunction(this, 'Handler', {
      entry: 'api',
      description: 'Operator API: partners, payments, reconciliation, balances',
      // API Gateway's integration timeout is 29 s.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      removalPolicy,
      environment: {
        TABLE_NAME: props.table.tableName,
        OPERATOR_NAME: props.operatorName,
        RECHARGE_QUEUE_URL: props.rechargeQueue.queueUrl,
        TOP_UP_MINIMUM: props.topUpBounds.minimum,
        TOP_UP_MAXIMUM: props.topUpBounds.maximum,
      },
      stripe: props.stripe,
      packageLayers: [props.pdfLayer],
    });
    const fn = this.handler.function;
    this.handler.grantTableReadWrite(props.table);
    props.rechargeQueue.grantSendMessages(fn);

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy });
    // Stated again in the webhook method's own settings, so that route is logged and measured
    // like the others whatever API Gateway fills in for what a method setting leaves out.
    const logsAndMetrics = {
      loggingLevel: MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: true,
    } satisfies MethodDeploymentOptions;
    this.api = new RestApi(this, 'Api', {
      restApiName: 'prepaid-billing',
      description: 'prepaid-billing operator API (IAM authorization)',
      endpointTypes: [EndpointType.REGIONAL],
      // A statement's PDF leaves the function base64-encoded and reaches the client as bytes.
      binaryMediaTypes: [...API_BINARY_MEDIA_TYPES],
      // The account-level role API Gateway needs to write execution and access logs.
      cloudWatchRole: true,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        ...logsAndMetrics,
        tracingEnabled: true,
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
        methodOptions: {
          [`${STRIPE_WEBHOOK_PATH}/POST`]: {
            ...logsAndMetrics,
            throttlingRateLimit: STRIPE_WEBHOOK_THROTTLE.rateLimit,
            throttlingBurstLimit: STRIPE_WEBHOOK_THROTTLE.burstLimit,
          },
        },
      },
    });
    // The operator's routes are validated by the handler against the route table (zod
    // schemas) that also generates docs/openapi.json; a second copy in API Gateway models
    // would drift. Only the webhook route is validated here (below).
    const integration = new LambdaIntegration(fn);
    const operatorMethods = [
      this.api.root.addMethod('ANY', integration),
      this.api.root.addProxy({ defaultIntegration: integration, anyMethod: true }).anyMethod,
    ];
    for (const method of operatorMethods) {
      if (method === undefined) continue;
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          "The operator API is for the operator's own systems and staff and uses IAM (SigV4) authorization instead of a Cognito user pool.",
      });
    }
    this.stripeWebhookMethod = this.stripeWebhookRoute(props.stripeWebhook);

    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Every method but the Stripe webhook requires SigV4 (IAM) authorization, so only principals of the operator account reach them; the webhook accepts only deliveries signed with the endpoint secret and has its own throttle, as the stage has. A WAF web ACL can be associated by the operator if wanted.',
    });
    Validations.of(this.api.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'AmazonAPIGatewayPushToCloudWatchLogs is the AWS managed policy of the account-level role API Gateway uses to write its logs; it only allows CloudWatch Logs actions.',
    });
  }

  /**
   * Stripe cannot sign requests with AWS credentials: the route has no authorization and
   * the function authenticates each delivery by its `Stripe-Signature` (an HMAC with the
   * endpoint's secret). API Gateway refuses, before the function, a delivery without that
   * header or without an event (a JSON object with an `id` and a `type`). The body reaches
   * the function as received, which the signature check needs.
   */
  private stripeWebhookRoute(webhook: BillingFunction): Method {
    const eventModel = this.api.addModel('StripeEvent', {
      contentType: 'application/json',
      description: 'A Stripe event: the signature check in the function decides whether it is one',
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: 'StripeEvent',
        type: JsonSchemaType.OBJECT,
        required: ['id', 'type'],
        properties: { id: { type: JsonSchemaType.STRING }, type: { type: JsonSchemaType.STRING } },
      },
    });
    const method = this.api.root
      .resourceForPath(STRIPE_WEBHOOK_PATH)
      .addMethod('POST', new LambdaIntegration(webhook.function), {
        authorizationType: AuthorizationType.NONE,
        requestParameters: { 'method.request.header.Stripe-Signature': true },
        // $default: whatever the content type (Stripe's carries a charset parameter).
        requestModels: { $default: eventModel },
        requestValidatorOptions: {
          requestValidatorName: 'stripe-webhook',
          validateRequestBody: true,
          validateRequestParameters: true,
        },
      });

    // Only this route is validated by API Gateway, so only it meets these two answers.
    for (const [id, type] of [
      ['BadRequestBody', ResponseType.BAD_REQUEST_BODY],
      ['BadRequestParameters', ResponseType.BAD_REQUEST_PARAMETERS],
    ] as const) {
      this.api.addGatewayResponse(id, {
        type,
        statusCode: '400',
        responseHeaders: { 'Content-Type': "'application/problem+json'" },
        templates: {
          'application/json':
            '{"type":"urn:prepaid-billing:problem:validation-failed","title":"Request is not valid","status":400,"detail":$context.error.messageString}',
        },
      });
    }

    Validations.of(method).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "Stripe cannot sign requests with AWS credentials. The function authenticates every delivery by its Stripe-Signature, an HMAC-SHA256 with the endpoint's signing secret (Secrets Manager), and refuses stale or unsigned ones with a 400; the route has its own throttle.",
    });
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        "Stripe's webhook deliveries cannot carry a Cognito token; the signature check with the endpoint's signing secret is their authentication.",
    });
    return method;
  }
}
