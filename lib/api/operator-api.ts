/**
 * The operator API: API Gateway with IAM (SigV4) authorization on every method, proxying
 * to one Lambda whose router validates requests against the route table.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { BillingFunction, type StripeAccess } from '../functions/billing-function';

export interface OperatorApiProps {
  readonly table: ITableV2;
  readonly stripe: StripeAccess;
  readonly operatorName: string;
  readonly removalPolicy?: RemovalPolicy;
}

export class OperatorApi extends Construct {
  readonly api: RestApi;
  readonly handler: BillingFunction;

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
      },
      stripe: props.stripe,
    });
    const fn = this.handler.function;
    this.handler.grantTableReadWrite(props.table);

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy });
    this.api = new RestApi(this, 'Api', {
      restApiName: 'prepaid-billing',
      description: 'prepaid-billing operator API (IAM authorization)',
      endpointTypes: [EndpointType.REGIONAL],
      // The account-level role API Gateway needs to write execution and access logs.
      cloudWatchRole: true,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
      },
    });
    const integration = new LambdaIntegration(fn);
    this.api.root.addMethod('ANY', integration);
    this.api.root.addProxy({ defaultIntegration: integration, anyMethod: true });

    Validations.of(this.api.node.defaultChild as IConstruct).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Requests are validated by the handler against the route table (zod schemas) that also generates docs/openapi.json; a second copy in API Gateway models would drift.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Every method requires SigV4 (IAM) authorization, so only principals of the operator account reach the API; the stage is throttled. A WAF web ACL can be associated by the operator if the API is exposed further.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        "The API is for the operator's own systems and staff and uses IAM (SigV4) authorization on every method instead of a Cognito user pool.",
    });
    Validations.of(this.api.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'AmazonAPIGatewayPushToCloudWatchLogs is the AWS managed policy of the account-level role API Gateway uses to write its logs; it only allows CloudWatch Logs actions.',
    });
  }
}
