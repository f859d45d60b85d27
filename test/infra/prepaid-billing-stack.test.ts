import { App, type CfnElement, RemovalPolicy } from 'aws-cdk-lib';
import { AuthorizationType, MockIntegration } from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import Stripe from 'stripe';
import { putOutboxEvent } from '../../functions/adapters/dynamodb/outbox';
import { readDeploymentSettings } from '../../definitions/deployment-settings';
import {
  CHARGE_UNRESOLVED_METRIC,
  DISPUTES_LOST_METRIC,
  DISPUTES_OPENED_METRIC,
  DISPUTES_WON_METRIC,
  OPERATOR_REFUNDS_METRIC,
  TOP_UPS_SUCCEEDED_METRIC,
  TOP_UP_AMOUNT_METRIC,
  PROVIDER_REFUNDS_METRIC,
  WEBHOOK_FAILED_METRIC,
  WEBHOOK_REFUSED_METRIC,
} from '../../definitions/service';
import { BILLING_TABLE, OUTBOX_ITEM_TYPE } from '../../definitions/table';
import {
  EVENT_BUS_NAME_OUTPUT,
  OPERATED_QUEUES,
  TABLE_NAME_OUTPUT,
  queueOutputs,
} from '../../definitions/stack-outputs';
import { type BillingEntry, type BillingFunction, ENTRY_ENVIRONMENTS } from '../../lib/functions/billing-function';
import { PrepaidBillingStack, type PrepaidBillingStackProps } from '../../lib/prepaid-billing-stack';

const OPERATOR: PrepaidBillingStackProps = {
  operatorName: '360dialog',
  licenseFees: { EUR: '25.00', USD: '27.00' },
  cardReturnUrl: 'https://billing.example.com/cards/done',
  cardCancelUrl: 'https://billing.example.com/cards/cancelled',
};
const EXISTING_QUEUE_ARN = 'arn:aws:sqs:eu-central-1:123456789012:platform-usage';

function synth(props: Partial<PrepaidBillingStackProps> = {}) {
  // No bundling in tests: the functions' code is not needed to check the template.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PrepaidBillingStack(app, 'Test', { ...OPERATOR, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

const { stack: defaultStack, template } = synth();
const ref = (construct: { node: { defaultChild?: unknown } }) => ({
  Ref: defaultStack.getLogicalId(construct.node.defaultChild as never),
});
const arnOf = (construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [defaultStack.getLogicalId(construct.node.defaultChild as never), 'Arn'],
});

/** The IAM policy statements attached to a function's role. */
function statementsOf(fn: { role?: { node: { defaultChild?: unknown } } | undefined }): Array<Record<string, unknown>> {
  if (fn.role === undefined) throw new Error('the function has no role');
  const roleId = defaultStack.getLogicalId(fn.role.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}
const actionsOf = (statement: Record<string, unknown>): string[] => [statement.Action as string | string[]].flat();
const chargingFunctions = () => {
  const { recharges, scheduledRuns, api, stripeWebhook } = defaultStack;
  return [
    recharges.handler,
    scheduledRuns.dailyStarter,
    scheduledRuns.dailyShard,
    scheduledRuns.monthlyStarter,
    scheduledRuns.monthlyShard,
    api.handler,
    stripeWebhook.handler,
  ];
};
const variablesOf = (fn: { function: { node: { defaultChild?: unknown } } }): Record<string, unknown> =>
  template.toJSON().Resources[defaultStack.getLogicalId(fn.function.node.defaultChild as never)].Properties.Environment
    .Variables;
const streamArn = () => ({
  'Fn::GetAtt': [defaultStack.getLogicalId(defaultStack.data.table.node.defaultChild as never), 'StreamArn'],
});

describe('Class: PrepaidBillingStack', () => {
  describe('Construct: BillingTable', () => {
    it('deploys the key schema and indexes of the definition the tests build their tables from', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: BILLING_TABLE.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: BILLING_TABLE.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: BILLING_TABLE.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      });
    });

    it('is on-demand, encrypted, recoverable to a point in time and protected from deletion', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      });
    });

    it('streams new images for the event relay and expires items by the TTL attribute of the definition', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: BILLING_TABLE.timeToLiveAttribute, Enabled: true },
      });
      expect(BILLING_TABLE).toMatchObject({ stream: 'NEW_IMAGE', timeToLiveAttribute: 'expiresAt' });
    });

    it('is retained when the stack is deleted, unless the operator chooses a throwaway stack', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });

      const throwaway = synth({ removalPolicy: RemovalPolicy.DESTROY }).template;
      throwaway.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
      throwaway.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      });
    });
  });

  describe('Construct: BillingFunction', () => {
    it('runs every function on Node.js 22, ARM, with active tracing, Powertools settings and a log group with retention', () => {
      const functions = template.findResources('AWS::Lambda::Function');
      expect(Object.keys(functions)).toHaveLength(9);
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: expect.anything() },
          Environment: {
            Variables: expect.objectContaining({
              POWERTOOLS_LOG_LEVEL: 'INFO',
              NODE_OPTIONS: '--enable-source-maps',
            }),
          },
        });
      }
      template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 9);
    });

    it('points each function at its entry export and gives it its configuration', () => {
      const { ingestion, recharges, scheduledRuns, api } = defaultStack;
      const env = (fn: { function: { node: { defaultChild?: unknown } } }) =>
        template.toJSON().Resources[defaultStack.getLogicalId(fn.function.node.defaultChild as never)].Properties;

      expect(env(ingestion.handler).Handler).toBe('index.handler');
      expect(Object.keys(env(ingestion.handler).Environment.Variables)).toEqual(
        expect.arrayContaining([
          'TABLE_NAME',
          'USAGE_DEAD_LETTER_QUEUE_URL',
          'RECHARGE_QUEUE_URL',
          'EVENT_BUS_NAME',
          'USAGE_FUTURE_MARGIN_SECONDS',
        ]),
      );
      expect(env(ingestion.handler).Environment.Variables.USAGE_FUTURE_MARGIN_SECONDS).toBe('86400');
      expect(env(recharges.handler).Environment.Variables).toMatchObject({
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_ID: expect.anything(),
      });
      expect(env(recharges.handler).Timeout).toBe(120);
      expect(env(scheduledRuns.dailyStarter).Handler).toBe('index.startHandler');
      expect(env(scheduledRuns.dailyShard).Handler).toBe('index.shardHandler');
      expect(env(scheduledRuns.dailyShard).Environment.Variables).toMatchObject({
        DAILY_WORK_QUEUE_URL: expect.anything(),
        PAYMENT_PROVIDER: 'stripe',
      });
      expect(env(scheduledRuns.dailyShard).Timeout).toBe(900);
      expect(env(scheduledRuns.monthlyStarter).Handler).toBe('index.startHandler');
      expect(env(scheduledRuns.monthlyShard).Handler).toBe('index.shardHandler');
      expect(env(scheduledRuns.monthlyShard).Timeout).toBe(900);
      for (const monthly of [scheduledRuns.monthlyStarter, scheduledRuns.monthlyShard]) {
        expect(env(monthly).Environment.Variables).toMatchObject({
          LICENSE_FEES: JSON.stringify(OPERATOR.licenseFees),
          MONTHLY_WORK_QUEUE_URL: ref(scheduledRuns.monthlyWork.queue),
        });
      }
      expect(env(api.handler).Environment.Variables).toMatchObject({
        OPERATOR_NAME: '360dialog',
        PAYMENT_PROVIDER: 'stripe',
        RECHARGE_QUEUE_URL: ref(recharges.requests.queue),
        TOP_UP_MINIMUM: '10.00',
        TOP_UP_MAXIMUM: '100000.00',
      });
    });

    it('gives every function that charges cards the card pages of the deployment settings', () => {
      for (const fn of chargingFunctions()) {
        expect(variablesOf(fn)).toMatchObject({
          CARD_RETURN_URL: 'https://billing.example.com/cards/done',
          CARD_CANCEL_URL: 'https://billing.example.com/cards/cancelled',
        });
      }
      for (const fn of [defaultStack.ingestion.handler, defaultStack.eventRelay.handler]) {
        expect(variablesOf(fn)).not.toHaveProperty('CARD_RETURN_URL');
      }
    });

    it('refuses card pages that are not https URLs, naming the setting', () => {
      expect(() => synth({ cardReturnUrl: 'http://billing.example.com/cards/done' })).toThrow(
        /cardReturnUrl must be an https URL/,
      );
      expect(() => synth({ cardCancelUrl: 'cards/cancelled' })).toThrow(/cardCancelUrl must be an https URL/);
    });

    it('gives the API the top-up bounds of the deployment settings, and refuses bounds out of order', () => {
      const { stack, template: bounded } = synth({ topUpMinimum: '25.00', topUpMaximum: '5000.00' });
      const fn = stack.api.handler.function.node.defaultChild as never;
      const variables = bounded.toJSON().Resources[stack.getLogicalId(fn)].Properties.Environment.Variables;
      expect(variables).toMatchObject({ TOP_UP_MINIMUM: '25.00', TOP_UP_MAXIMUM: '5000.00' });
      expect(() => synth({ topUpMinimum: '500.00', topUpMaximum: '100.00' })).toThrow(
        /topUpMinimum must be at most topUpMaximum/,
      );
    });
    it('sets each function the variables its schema names, all of them, and no others (the local endpoint overrides aside)', () => {
      const { ingestion, recharges, scheduledRuns, api, eventRelay, stripeWebhook } = defaultStack;
      const functions: Array<[BillingEntry, BillingFunction]> = [
        ['ingest-usage', ingestion.handler],
        ['recharge', recharges.handler],
        ['daily-run', scheduledRuns.dailyStarter],
        ['daily-run', scheduledRuns.dailyShard],
        ['monthly-run', scheduledRuns.monthlyStarter],
        ['monthly-run', scheduledRuns.monthlyShard],
        ['api', api.handler],
        ['publish-events', eventRelay.handler],
        ['stripe-webhook', stripeWebhook.handler],
      ];
      for (const [entry, fn] of functions) {
        const set = Object.keys(variablesOf(fn)).filter(
          (name) => !name.startsWith('POWERTOOLS_') && name !== 'NODE_OPTIONS',
        );
        const named = Object.keys(ENTRY_ENVIRONMENTS[entry].shape).filter((name) => !name.endsWith('_ENDPOINT'));
        expect({ entry, variables: set.sort() }).toEqual({ entry, variables: named.sort() });
      }
    });
  });

  describe('Construct: PackageLayer', () => {
    it('is one layer for the Stripe SDK and one for pdf-lib, for Node.js 22 on ARM, with the versions the tests run', () => {
      template.resourceCountIs('AWS::Lambda::LayerVersion', 2);
      const described = (description: string) => ({
        CompatibleRuntimes: ['nodejs22.x'],
        CompatibleArchitectures: ['arm64'],
        Description: Match.stringLikeRegexp(description),
      });
      template.hasResourceProperties('AWS::Lambda::LayerVersion', {
        ...described(`^Stripe SDK ${Stripe.PACKAGE_VERSION} `),
        LicenseInfo: 'MIT',
      });
      const pdfLibVersion = jest.requireActual<{ version: string }>('pdf-lib/package.json').version;
      template.hasResourceProperties(
        'AWS::Lambda::LayerVersion',
        described(`^PDF library ${pdfLibVersion} \\(pdf-lib `),
      );
      expect(defaultStack.stripeSdk.version).toBe(Stripe.PACKAGE_VERSION);
      expect(defaultStack.pdfLib.version).toBe(pdfLibVersion);
    });

    it("attaches the Stripe SDK to exactly the functions that charge cards, pdf-lib to the API's alone, neither to the others", () => {
      const stripeLayer = ref(defaultStack.stripeSdk.layer);
      const pdfLibLayer = ref(defaultStack.pdfLib.layer);
      const functions = template.findResources('AWS::Lambda::Function');
      const idOf = (fn: { function: { node: { defaultChild?: unknown } } }) =>
        defaultStack.getLogicalId(fn.function.node.defaultChild as never);
      const layersOf = (id: string): unknown[] => functions[id]?.Properties.Layers ?? [];
      const carrying = (layer: unknown) =>
        Object.keys(functions)
          .filter((id) => layersOf(id).some((attached) => JSON.stringify(attached) === JSON.stringify(layer)))
          .sort();

      expect(carrying(stripeLayer)).toEqual(chargingFunctions().map(idOf).sort());
      expect(carrying(pdfLibLayer)).toEqual([idOf(defaultStack.api.handler)]);
      expect(layersOf(idOf(defaultStack.api.handler))).toEqual([stripeLayer, pdfLibLayer]);
      expect(
        Object.keys(functions)
          .filter((id) => layersOf(id).length === 0)
          .sort(),
      ).toEqual([idOf(defaultStack.ingestion.handler), idOf(defaultStack.eventRelay.handler)].sort());
    });
  });

  describe('Construct: UsageIngestion', () => {
    it('consumes the usage queue in batches of 100 with partial batch responses and bounded concurrency', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(defaultStack.ingestion.usage.queue),
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
    });

    it('gives an existing usage queue of the operator its own event source mapping with the same settings', () => {
      const { template: withExisting } = synth({ existingUsageQueueArns: [EXISTING_QUEUE_ARN] });

      withExisting.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: EXISTING_QUEUE_ARN,
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
      withExisting.resourceCountIs('AWS::Lambda::EventSourceMapping', 6);
    });

    it('gives ingestion the usage future margin of the deployment settings', () => {
      const { stack, template: withMargin } = synth({ usageFutureMarginSeconds: 3600 });
      const fn = stack.ingestion.handler.function.node.defaultChild as never;
      const variables = withMargin.toJSON().Resources[stack.getLogicalId(fn)].Properties.Environment.Variables;
      expect(variables.USAGE_FUTURE_MARGIN_SECONDS).toBe('3600');
    });

    it('scopes the ingestion policy to the table, its queues and the bus: no "*" for DynamoDB, SQS or events', () => {
      const statements = statementsOf(defaultStack.ingestion.handler.function);
      const table = arnOf(defaultStack.data.table);

      const dynamo = statements.filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
      );
      expect(dynamo.length).toBeGreaterThan(0);
      for (const statement of dynamo) {
        expect(statement.Resource).not.toEqual('*');
        expect(JSON.stringify(statement.Resource)).toContain(JSON.stringify(table['Fn::GetAtt']));
      }
      for (const statement of statements) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/^[a-z0-9-]+:\*$|^\*$/);
        if (statement.Resource === '*')
          expect(actionsOf(statement).every((action) => action.startsWith('xray:'))).toBe(true);
      }
      const sends = statements.filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
      expect(sends.map((statement) => statement.Resource)).toEqual(
        expect.arrayContaining([
          arnOf(defaultStack.ingestion.usage.deadLetterQueue),
          arnOf(defaultStack.recharges.requests.queue),
        ]),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: 'events:PutEvents', Resource: arnOf(defaultStack.events.bus) }),
      );
    });

    it('lets only the functions that charge cards read the Stripe secret', () => {
      const readers = chargingFunctions();
      for (const reader of readers) {
        expect(statementsOf(reader.function)).toContainEqual(
          expect.objectContaining({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: ref(defaultStack.stripeSecret as never),
          }),
        );
      }
      const ingestion = statementsOf(defaultStack.ingestion.handler.function);
      expect(
        ingestion.some((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:'))),
      ).toBe(false);
    });
  });

  describe('Queues', () => {
    const queues = () => template.findResources('AWS::SQS::Queue');
    const timeoutOf = (fn: { timeout: { toSeconds(): number } }) => fn.timeout.toSeconds();

    it('encrypts every queue with SQS-managed keys and denies requests without TLS', () => {
      for (const queue of Object.values(queues())) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
      const tlsDenied = policies.flatMap((policy) => policy.Properties.Queues).length;
      expect(tlsDenied).toBe(Object.keys(queues()).length);
    });

    it('redrives each work queue to its dead-letter queue after 5 receives, kept for 14 days', () => {
      for (const work of [
        defaultStack.ingestion.usage,
        defaultStack.recharges.requests,
        defaultStack.scheduledRuns.dailyWork,
        defaultStack.scheduledRuns.monthlyWork,
      ]) {
        template.hasResourceProperties('AWS::SQS::Queue', {
          RedrivePolicy: { deadLetterTargetArn: arnOf(work.deadLetterQueue), maxReceiveCount: 5 },
        });
        const dlq = queues()[defaultStack.getLogicalId(work.deadLetterQueue.node.defaultChild as never)];
        expect(dlq?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
    });

    it('keeps a message invisible for at least 6 times its consumer timeout', () => {
      const pairs = [
        [defaultStack.ingestion.usage, defaultStack.ingestion.handler],
        [defaultStack.recharges.requests, defaultStack.recharges.handler],
        [defaultStack.scheduledRuns.dailyWork, defaultStack.scheduledRuns.dailyShard],
        [defaultStack.scheduledRuns.monthlyWork, defaultStack.scheduledRuns.monthlyShard],
      ] as const;
      for (const [work, consumer] of pairs) {
        const queue = queues()[defaultStack.getLogicalId(work.queue.node.defaultChild as never)];
        expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeoutOf(consumer));
      }
    });

    it('consumes recharges in batches of 10 and daily shards and monthly pieces one at a time, with partial batch responses', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(defaultStack.recharges.requests.queue),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(defaultStack.scheduledRuns.dailyWork.queue),
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      // A few pieces at once: each charges a page of partners at once, within the card provider's rate limit.
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(defaultStack.scheduledRuns.monthlyWork.queue),
        FunctionName: ref(defaultStack.scheduledRuns.monthlyShard.function),
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 3 },
      });
    });

    it('lets only the starter and the worker of each run send to its work queue, and nothing else', () => {
      const { scheduledRuns } = defaultStack;
      const sendsTo = (fn: BillingFunction, queue: { node: { defaultChild?: unknown } }) =>
        statementsOf(fn.function).some(
          (statement) =>
            actionsOf(statement).includes('sqs:SendMessage') &&
            JSON.stringify(statement.Resource) === JSON.stringify(arnOf(queue)),
        );
      const runs = [
        [scheduledRuns.dailyWork.queue, [scheduledRuns.dailyStarter, scheduledRuns.dailyShard]],
        [scheduledRuns.monthlyWork.queue, [scheduledRuns.monthlyStarter, scheduledRuns.monthlyShard]],
      ] as const;
      for (const [queue, senders] of runs) {
        for (const fn of [...senders]) expect(sendsTo(fn, queue)).toBe(true);
        for (const fn of chargingFunctions().filter(
          (other) => !(senders as readonly BillingFunction[]).includes(other),
        ))
          expect(sendsTo(fn, queue)).toBe(false);
      }
    });
  });

  describe('Construct: ScheduledRuns', () => {
    it('starts the daily run at 00:00 UTC and the monthly run on the 1st, with retries and a dead-letter queue', () => {
      const dlq = { Arn: arnOf(defaultStack.scheduledRuns.scheduleDeadLetterQueue) };
      const target = (fn: { function: { node: { defaultChild?: unknown } } }) =>
        Match.objectLike({
          Arn: arnOf(fn.function),
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }),
          DeadLetterConfig: dlq,
        });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 0 * * ? *)',
        Targets: [target(defaultStack.scheduledRuns.dailyStarter)],
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 0 1 * ? *)',
        Targets: [target(defaultStack.scheduledRuns.monthlyStarter)],
      });
    });
  });

  describe('Construct: BillingEventBus', () => {
    it('is a custom bus named prepaid-billing', () => {
      template.hasResourceProperties('AWS::Events::EventBus', { Name: 'prepaid-billing' });
    });

    it('lets only ingestion and the event relay put events on the bus, and gives only them its name', () => {
      const { ingestion, eventRelay } = defaultStack;
      const putsEvents = (fn: { function: { role?: { node: { defaultChild?: unknown } } | undefined } }) =>
        statementsOf(fn.function).some((statement) =>
          actionsOf(statement).some((action) => action.startsWith('events:')),
        );

      for (const fn of chargingFunctions()) {
        expect(putsEvents(fn)).toBe(false);
        expect(variablesOf(fn)).not.toHaveProperty('EVENT_BUS_NAME');
      }
      for (const fn of [ingestion.handler, eventRelay.handler]) {
        expect(statementsOf(fn.function)).toContainEqual(
          expect.objectContaining({ Action: 'events:PutEvents', Resource: arnOf(defaultStack.events.bus) }),
        );
        expect(variablesOf(fn)).toMatchObject({ EVENT_BUS_NAME: ref(defaultStack.events.bus) });
      }
    });
  });

  describe('Construct: EventRelay', () => {
    const mapping = () => {
      const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { EventSourceArn: streamArn() },
      });
      expect(Object.keys(mappings)).toHaveLength(1);
      return Object.values(mappings)[0]?.Properties;
    };

    it('reads the table stream from its oldest record, passing only inserted outbox items to the relay', () => {
      expect(mapping()).toMatchObject({
        FunctionName: ref(defaultStack.eventRelay.handler.function),
        StartingPosition: 'TRIM_HORIZON',
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['INSERT'],
                dynamodb: { NewImage: { type: { S: ['outbox-event'] } } },
              }),
            },
          ],
        },
      });
    });

    it('filters on the type the outbox writes into its items', () => {
      const put = putOutboxEvent('billing', 'partner-42', {
        type: 'PartnerOverdue',
        time: new Date('2026-11-22T10:15:00Z'),
        detail: { partnerId: 'partner-42' },
      });

      expect(put.Put?.Item?.type).toBe(OUTBOX_ITEM_TYPE);
      expect(JSON.parse(mapping()?.FilterCriteria.Filters[0].Pattern).dynamodb.NewImage.type.S).toEqual([
        put.Put?.Item?.type,
      ]);
    });

    it('reports failed records, bisects a failing batch and bounds retries and record age', () => {
      expect(mapping()).toMatchObject({
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 6 * 3600,
      });
      // Below the stream's 24 hours: a discarded record's position is recorded while it can still be read.
      expect(mapping()?.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
    });

    it('records batches it gives up on in an encrypted failure queue kept for 14 days', () => {
      const { failureQueue } = defaultStack.eventRelay;
      expect(mapping()?.DestinationConfig).toEqual({ OnFailure: { Destination: arnOf(failureQueue) } });
      const queue = template.toJSON().Resources[defaultStack.getLogicalId(failureQueue.node.defaultChild as never)];
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      expect(queue.DeletionPolicy).toBe('Retain');
    });

    it('runs publish-events with the bus name as its only configuration', () => {
      const { handler } = defaultStack.eventRelay;
      const fn =
        template.toJSON().Resources[defaultStack.getLogicalId(handler.function.node.defaultChild as never)].Properties;
      expect(fn.Handler).toBe('index.handler');
      expect(fn.Timeout).toBe(30);
      expect(
        Object.keys(variablesOf(handler)).filter((name) => !name.startsWith('POWERTOOLS_') && name !== 'NODE_OPTIONS'),
      ).toEqual(['EVENT_BUS_NAME']);
    });

    it('may put events on the bus, read the stream and send to its failure queue, and nothing more', () => {
      const statements = statementsOf(defaultStack.eventRelay.handler.function);
      const allowed = [
        { actions: ['events:PutEvents'], resource: arnOf(defaultStack.events.bus) },
        {
          actions: [
            'dynamodb:ListStreams',
            'dynamodb:DescribeStream',
            'dynamodb:GetRecords',
            'dynamodb:GetShardIterator',
          ],
          resource: streamArn(),
        },
        {
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          resource: arnOf(defaultStack.eventRelay.failureQueue),
        },
        { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resource: '*' },
      ];

      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        const grant = allowed.find(
          (candidate) => JSON.stringify(statement.Resource) === JSON.stringify(candidate.resource),
        );
        expect(grant).toBeDefined();
        for (const action of actionsOf(statement)) expect(grant?.actions).toContain(action);
      }
      for (const grant of allowed) {
        const granted = statements
          .filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(grant.resource))
          .flatMap(actionsOf);
        expect(granted.sort()).toEqual([...grant.actions].sort());
      }
    });
  });

  describe('Construct: StripeWebhook', () => {
    const { handler } = defaultStack.stripeWebhook;

    it('runs stripe-webhook within 20 s with the table, both secrets, the recharge queue and the card pages', () => {
      const fn = template.toJSON().Resources[defaultStack.getLogicalId(handler.function.node.defaultChild as never)];
      expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Timeout: 20 });
      expect(variablesOf(handler)).toMatchObject({
        TABLE_NAME: ref(defaultStack.data.table),
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_ID: ref(defaultStack.stripeSecret as never),
        STRIPE_WEBHOOK_SECRET_ID: ref(defaultStack.stripeWebhookSecret as never),
        RECHARGE_QUEUE_URL: ref(defaultStack.recharges.requests.queue),
        CARD_RETURN_URL: OPERATOR.cardReturnUrl,
        CARD_CANCEL_URL: OPERATOR.cardCancelUrl,
      });
    });

    it('may read and write the table, read both secrets and send to the recharge queue, and nothing more', () => {
      const table = arnOf(defaultStack.data.table);
      const tableAndIndexes = [table, { 'Fn::Join': ['', [table, '/index/*']] }];
      const secretRead = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
      const allowed = [
        { resource: tableAndIndexes, prefix: 'dynamodb:' },
        { resource: ref(defaultStack.stripeSecret as never), actions: secretRead },
        { resource: ref(defaultStack.stripeWebhookSecret as never), actions: secretRead },
        {
          resource: arnOf(defaultStack.recharges.requests.queue),
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        },
        { resource: '*', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] },
      ];
      const statements = statementsOf(handler.function);

      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        const grant = allowed.find(
          (candidate) => JSON.stringify(statement.Resource) === JSON.stringify(candidate.resource),
        );
        expect({ resource: statement.Resource, allowed: grant !== undefined }).toEqual({
          resource: statement.Resource,
          allowed: true,
        });
        for (const action of actionsOf(statement)) {
          if (grant?.prefix !== undefined) expect(action.startsWith(grant.prefix)).toBe(true);
          else expect(grant?.actions).toContain(action);
        }
      }
      for (const grant of allowed) {
        expect(
          statements.some((statement) => JSON.stringify(statement.Resource) === JSON.stringify(grant.resource)),
        ).toBe(true);
      }
      const writes = statements.filter(
        (statement) => JSON.stringify(statement.Resource) === JSON.stringify(tableAndIndexes),
      );
      expect(writes.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem']));
      expect(writes.flatMap(actionsOf)).not.toContain('dynamodb:DeleteTable');
    });
  });

  describe('Construct: OperatorApi', () => {
    const methods = () => template.findResources('AWS::ApiGateway::Method');
    const webhookMethodId = () =>
      defaultStack.getLogicalId(defaultStack.api.stripeWebhookMethod.node.defaultChild as never);
    const webhookResourceId = () =>
      defaultStack.getLogicalId(
        defaultStack.api.api.root.resourceForPath('/webhooks/stripe').node.defaultChild as never,
      );

    it('requires IAM authorization on every method but the Stripe webhook', () => {
      const others = Object.entries(methods()).filter(([id]) => id !== webhookMethodId());
      expect(others.length).toBeGreaterThanOrEqual(2);
      for (const [, method] of others) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
      const unauthorized = Object.entries(methods()).filter(
        ([, method]) => method.Properties.AuthorizationType !== 'AWS_IAM',
      );
      expect(unauthorized.map(([id]) => id)).toEqual([webhookMethodId()]);
    });

    it('sends POST /webhooks/stripe, without authorization, to the webhook function and nothing else there', () => {
      expect(methods()[webhookMethodId()]?.Properties).toMatchObject({
        HttpMethod: 'POST',
        AuthorizationType: 'NONE',
        ResourceId: { Ref: webhookResourceId() },
        Integration: { Type: 'AWS_PROXY' },
      });
      expect(JSON.stringify(methods()[webhookMethodId()]?.Properties.Integration.Uri)).toContain(
        JSON.stringify(arnOf(defaultStack.stripeWebhook.handler.function)),
      );
      expect(methods()[webhookMethodId()]?.Properties).not.toHaveProperty('AuthorizerId');
      const onTheRoute = Object.values(methods()).filter(
        (method) => JSON.stringify(method.Properties.ResourceId) === JSON.stringify({ Ref: webhookResourceId() }),
      );
      expect(onTheRoute).toHaveLength(1);
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'webhooks' });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'stripe' });
    });

    it('passes a statement’s PDF on as binary: the function answers it base64-encoded', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['application/pdf'] });
    });

    it('throttles the webhook route on its own, and logs and measures it like the stage', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([
          {
            ResourcePath: '/~1webhooks~1stripe',
            HttpMethod: 'POST',
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
            LoggingLevel: 'ERROR',
            MetricsEnabled: true,
            DataTraceEnabled: false,
          },
        ]),
      });
    });

    it('refuses, before the function, a webhook request without a Stripe-Signature header or without an event', () => {
      const method = methods()[webhookMethodId()]?.Properties;
      expect(method.RequestParameters).toEqual({ 'method.request.header.Stripe-Signature': true });
      const validators = template.findResources('AWS::ApiGateway::RequestValidator');
      expect(validators[method.RequestValidatorId.Ref]?.Properties).toMatchObject({
        ValidateRequestBody: true,
        ValidateRequestParameters: true,
      });
      // $default: the model applies whatever the content type, charset and all.
      expect(Object.keys(method.RequestModels)).toEqual(['$default']);
      const models = template.findResources('AWS::ApiGateway::Model');
      expect(models[method.RequestModels.$default.Ref]?.Properties.Schema).toMatchObject({
        type: 'object',
        required: ['id', 'type'],
      });
      for (const type of ['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS']) {
        const response = Object.values(
          template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } }),
        )[0]?.Properties;
        expect(response).toMatchObject({
          StatusCode: '400',
          ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        });
        expect(response.ResponseTemplates['application/json']).toContain(
          '"type":"urn:prepaid-billing:problem:validation-failed"',
        );
      }
    });

    it('lets the API hand charges to the recharge queue', () => {
      expect(statementsOf(defaultStack.api.handler.function)).toContainEqual(
        expect.objectContaining({
          Action: expect.arrayContaining(['sqs:SendMessage']),
          Resource: arnOf(defaultStack.recharges.requests.queue),
        }),
      );
    });

    it('logs access to a log group and throttles the stage', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            ResourcePath: '/*',
            HttpMethod: '*',
            ThrottlingRateLimit: 100,
            ThrottlingBurstLimit: 200,
          }),
        ]),
      });
    });
  });

  describe('Construct: Observability', () => {
    const alarms = () =>
      Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);

    it('has a dashboard with the business and dead-letter widgets', () => {
      const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
      expect(Object.keys(dashboards)).toHaveLength(1);
      const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
      for (const metric of [
        'UsageIngested',
        'UsageRejected',
        'IngestionBatchLatency',
        'ApproximateNumberOfMessagesVisible',
        'ChargesSucceeded',
        'ChargesDeclined',
        'ChargedAmount',
        'PartnersOverdue',
        'PartnersBlocked',
        'DailyRunDuration',
        'DailyRunCompleted',
        'PartnerWorkFailed',
        'EventsPublished',
        'IteratorAge',
        WEBHOOK_REFUSED_METRIC,
        WEBHOOK_FAILED_METRIC,
        CHARGE_UNRESOLVED_METRIC,
        'ChargesUnknownOutcome',
        'ChargesActionRequired',
        'ChargesFailed',
        'LicenseFeesCharged',
        'LicenseFeesDeclined',
        'LicenseFeesUnknownOutcome',
        'MonthlyRunDuration',
        'MonthlyWorkItems',
        'MonthlyRunsStarted',
        'MonthlyRunCompleted',
        'MonthlyRunCatchUpMonths',
      ]) {
        expect(body).toContain(metric);
      }
    });

    it('charts money back per hour in a row of its own right below the charges, without alarming it', () => {
      // The body is a join of JSON text and tokens (the region, queue names): tokens become a plain string.
      const parts = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody[
        'Fn::Join'
      ][1] as unknown[];
      const widgets = (
        JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'token')).join('')) as {
          widgets: { y: number; properties: { title?: string; metrics?: unknown[][] } }[];
        }
      ).widgets;
      const moneyBack = widgets.filter((widget) => widget.properties.title?.startsWith('Money back'));
      const charted = moneyBack.flatMap((widget) => widget.properties.metrics ?? []);
      const counts = [
        DISPUTES_OPENED_METRIC,
        DISPUTES_WON_METRIC,
        DISPUTES_LOST_METRIC,
        PROVIDER_REFUNDS_METRIC,
        OPERATOR_REFUNDS_METRIC,
      ];

      expect(charted).toEqual(
        counts.map((metric) => ['PrepaidBilling', metric, 'service', 'prepaid-billing', { period: 3600, stat: 'Sum' }]),
      );
      const chargesRow = widgets.find((widget) => widget.properties.title?.startsWith('Charges succeeded'))?.y ?? 0;
      const nextRow = Math.min(...widgets.map((widget) => widget.y).filter((y) => y > chargesRow));
      expect(moneyBack.map((widget) => widget.y)).toEqual([nextRow, nextRow]);
      expect(alarms().filter((alarm) => counts.includes(String(alarm.MetricName)))).toEqual([]);
    });

    it('charts top-ups, counted and summed, in the widgets of the charges', () => {
      const parts = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody[
        'Fn::Join'
      ][1] as unknown[];
      const widgets = (
        JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'token')).join('')) as {
          widgets: { y: number; properties: { title?: string; metrics?: unknown[][] } }[];
        }
      ).widgets;
      const charted = (title: string) =>
        JSON.stringify(widgets.find((widget) => widget.properties.title?.startsWith(title))?.properties.metrics);

      expect(charted('Charges succeeded')).toContain(TOP_UPS_SUCCEEDED_METRIC);
      expect(charted('Charges succeeded')).toContain('ChargesSucceeded');
      expect(charted('Charged amount')).toContain(TOP_UP_AMOUNT_METRIC);
      expect(charted('Charged amount')).toContain('ChargedAmount');
    });

    it("charts the webhook route's requests, 4xx and 5xx from API Gateway's metrics of that method", () => {
      const body = JSON.stringify(
        Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody,
      );
      for (const metric of ['Count', '4XXError', '5XXError']) {
        expect(body).toContain(
          JSON.stringify(
            `["AWS/ApiGateway","${metric}","ApiName","prepaid-billing","Method","POST","Resource","/webhooks/stripe","Stage","`,
          ).slice(1, -1),
        );
      }
    });

    it('alarms on webhook deliveries refused (5 in 5 minutes) or failed, and on charges unresolved after an hour', () => {
      const business = (metricName: string) =>
        alarms().find((alarm) => alarm.MetricName === metricName && alarm.Namespace === 'PrepaidBilling');
      const common = {
        Dimensions: [{ Name: 'service', Value: 'prepaid-billing' }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      };
      expect(business(WEBHOOK_REFUSED_METRIC)).toMatchObject({ ...common, Threshold: 5 });
      expect(business(WEBHOOK_FAILED_METRIC)).toMatchObject({ ...common, Threshold: 1 });
      expect(business(CHARGE_UNRESOLVED_METRIC)).toMatchObject({ ...common, Threshold: 1 });
      expect(business(WEBHOOK_REFUSED_METRIC)?.AlarmDescription).toMatch(/signing secret/);
    });

    it('alarms when any dead-letter queue or the event relay failure queue holds a message', () => {
      const dlqAlarms = alarms().filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible');
      expect(dlqAlarms).toHaveLength(6);
      for (const alarm of dlqAlarms)
        expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const queueName = {
        'Fn::GetAtt': [
          defaultStack.getLogicalId(defaultStack.eventRelay.failureQueue.node.defaultChild as never),
          'QueueName',
        ],
      };
      expect(dlqAlarms).toContainEqual(
        expect.objectContaining({ Dimensions: [{ Name: 'QueueName', Value: queueName }] }),
      );
    });

    it('alarms when the event relay is more than 5 minutes behind the table stream', () => {
      expect(alarms()).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'IteratorAge',
          Dimensions: [{ Name: 'FunctionName', Value: ref(defaultStack.eventRelay.handler.function) }],
          Statistic: 'Maximum',
          Threshold: 5 * 60 * 1000,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        }),
      );
    });

    it('alarms when no daily run completed in 25 hours, missing data included', () => {
      expect(alarms()).toContainEqual(
        expect.objectContaining({
          MetricName: 'DailyRunCompleted',
          Namespace: 'PrepaidBilling',
          Period: 3600,
          EvaluationPeriods: 25,
          DatapointsToAlarm: 25,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        }),
      );
    });

    it('alarms on errors and throttles of every function', () => {
      for (const metric of ['Errors', 'Throttles']) {
        const found = alarms().filter((alarm) => alarm.MetricName === metric && alarm.Namespace === 'AWS/Lambda');
        expect(found).toHaveLength(9);
        for (const fn of [defaultStack.eventRelay.handler, defaultStack.stripeWebhook.handler]) {
          expect(found).toContainEqual(
            expect.objectContaining({ Dimensions: [{ Name: 'FunctionName', Value: ref(fn.function) }] }),
          );
        }
        for (const alarm of found)
          expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      }
    });

    it('alarms when more than half of the charges are declined', () => {
      const rate = alarms().find((alarm) => JSON.stringify(alarm.Metrics ?? []).includes('ChargesSucceeded'));
      expect(rate).toMatchObject({ Threshold: 0.5, ComparisonOperator: 'GreaterThanThreshold' });
      expect(JSON.stringify(rate?.Metrics)).toContain('ChargesSucceeded');
      expect(JSON.stringify(rate?.Metrics)).toContain('ChargesDeclinedTotal');
      template.resourcePropertiesCountIs(
        'AWS::Logs::MetricFilter',
        {
          FilterPattern: '{ $.ChargesDeclined >= 0 }',
          MetricTransformations: [
            Match.objectLike({ MetricName: 'ChargesDeclinedTotal', MetricValue: '$.ChargesDeclined' }),
          ],
        },
        2,
      );
    });

    it('alarms when a daily, recharge, monthly or ingestion run skips a partner whose work failed', () => {
      const skipped = alarms().find((alarm) => JSON.stringify(alarm.Metrics ?? []).includes('PartnerWorkFailed'));
      expect(skipped).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      const metrics = skipped?.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } };
      }[];
      expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe(
        'FILL(daily, 0) + FILL(recharge, 0) + FILL(monthly, 0) + FILL(ingestion, 0)',
      );
      for (const run of ['daily', 'recharge', 'monthly', 'ingestion']) {
        expect(metrics.find((metric) => metric.Id === run)?.MetricStat?.Metric).toEqual({
          Namespace: 'PrepaidBilling',
          MetricName: 'PartnerWorkFailed',
          Dimensions: expect.arrayContaining([
            { Name: 'service', Value: 'prepaid-billing' },
            { Name: 'run', Value: run },
          ]),
        });
      }
    });

    it('sends every alarm to the alarm topic, which an e-mail address can subscribe to', () => {
      for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([ref(defaultStack.observability.topic)]);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      synth({ alarmEmail: 'billing-alerts@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'billing-alerts@example.com',
      });
    });
  });

  describe('Stripe secret', () => {
    it('creates a retained placeholder secret when the operator names none', () => {
      template.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ Name: 'prepaid-billing/stripe-secret-key' }),
      });
    });

    it('uses the operator secret when named, and creates none', () => {
      const named = synth({ stripeSecretName: 'stripe/live-key' }).template;
      named.resourcePropertiesCountIs('AWS::SecretsManager::Secret', { Name: 'prepaid-billing/stripe-secret-key' }, 0);
    });
  });

  describe('Stripe webhook signing secret', () => {
    it('creates a retained placeholder the webhook function refuses, not a whsec_ secret, when the operator names none', () => {
      const placeholders = template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: 'prepaid-billing/stripe-webhook-secret' },
      });
      const placeholder = Object.values(placeholders);
      expect(placeholder).toHaveLength(1);
      expect(placeholder[0]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(placeholder[0]?.Properties.SecretString).toEqual(expect.any(String));
      expect(placeholder[0]?.Properties.SecretString).not.toMatch(/^whsec_/);
      expect(placeholder[0]?.Properties).not.toHaveProperty('GenerateSecretString');
    });

    it('uses the operator secret when named: the webhook function reads that one, and no secret is created', () => {
      const { stack, template: named } = synth({
        stripeSecretName: 'stripe/live-key',
        stripeWebhookSecretName: 'stripe/webhook-signing-secret',
      });
      named.resourceCountIs('AWS::SecretsManager::Secret', 0);
      const fn = stack.stripeWebhook.handler.function.node.defaultChild as never;
      const variables = named.toJSON().Resources[stack.getLogicalId(fn)].Properties.Environment.Variables;
      expect(JSON.stringify(variables.STRIPE_WEBHOOK_SECRET_ID)).toContain(':secret:stripe/webhook-signing-secret');
    });
  });

  describe('Deployment settings', () => {
    const context = (values: Record<string, unknown>) => (key: string) => values[key.replace('prepaid-billing:', '')];
    const settings = { operatorName: '360dialog', licenseFees: { EUR: '25.00' } };
    const pages = { cardReturnUrl: OPERATOR.cardReturnUrl, cardCancelUrl: OPERATOR.cardCancelUrl };

    it('refuses a card page that is not an https URL, naming the key', () => {
      expect(() =>
        readDeploymentSettings(context({ ...settings, ...pages, cardReturnUrl: 'http://billing.example.com/done' })),
      ).toThrow(/context prepaid-billing:cardReturnUrl must be an https URL/);
      expect(() => readDeploymentSettings(context({ ...settings, cardReturnUrl: OPERATOR.cardReturnUrl }))).toThrow(
        /prepaid-billing:cardCancelUrl/,
      );
    });

    it('takes a webhook secret name only in the form Secrets Manager allows', () => {
      expect(
        readDeploymentSettings(context({ ...settings, ...pages, stripeWebhookSecretName: 'stripe/whsec' })),
      ).toMatchObject({ stripeWebhookSecretName: 'stripe/whsec' });
      expect(() =>
        readDeploymentSettings(context({ ...settings, ...pages, stripeWebhookSecretName: 'stripe webhook' })),
      ).toThrow(/prepaid-billing:stripeWebhookSecretName must be the name of a Secrets Manager secret/);
    });
  });

  describe('Outputs', () => {
    it('tells the operator where to send usage, the API, the secrets to fill, the webhook URL, the bus, the relay failures, the alarm topic and the dashboard', () => {
      const { ingestion } = defaultStack;
      template.hasOutput('UsageQueueUrl', { Value: ref(ingestion.usage.queue) });
      template.hasOutput('UsageDeadLetterQueueUrl', { Value: ref(ingestion.usage.deadLetterQueue) });
      template.hasOutput('EventRelayFailureQueueUrl', { Value: ref(defaultStack.eventRelay.failureQueue) });
      template.hasOutput('StripeSecretName', { Value: Match.anyValue() });
      const outputs = template.findOutputs('*');
      expect(JSON.stringify(outputs.StripeWebhookSecretName?.Value)).toContain(
        JSON.stringify(ref(defaultStack.stripeWebhookSecret as never)),
      );
      template.hasOutput('StripeWebhookUrl', {
        Value: { 'Fn::Join': ['', Match.arrayWith([ref(defaultStack.api.api), '/webhooks/stripe'])] },
      });
      expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
        [
          'AlarmTopicArn',
          'DashboardUrl',
          'EventBusName',
          'EventRelayFailureQueueUrl',
          defaultStack.getLogicalId(defaultStack.api.api.node.findChild('Endpoint') as CfnElement),
          'StripeSecretName',
          'StripeWebhookSecretName',
          'StripeWebhookUrl',
          'TableName',
          ...OPERATED_QUEUES.flatMap((queue) => Object.values(queueOutputs(queue))),
        ].sort(),
      );
      template.hasOutput('DashboardUrl', {
        Value: {
          'Fn::Join': ['', Match.arrayWith(['#dashboards/dashboard/', ref(defaultStack.observability.dashboard)])],
        },
      });
    });
  });

  describe('Outputs the operator command line reads', () => {
    it('names the table, the bus, and each queue it redrives with its dead-letter queue', () => {
      const { ingestion, recharges, scheduledRuns } = defaultStack;
      const queues = {
        usage: ingestion.usage,
        recharge: recharges.requests,
        'daily-work': scheduledRuns.dailyWork,
        'monthly-work': scheduledRuns.monthlyWork,
      };
      for (const queue of OPERATED_QUEUES) {
        const names = queueOutputs(queue);
        template.hasOutput(names.queueUrl, { Value: ref(queues[queue].queue) });
        template.hasOutput(names.deadLetterQueueUrl, { Value: ref(queues[queue].deadLetterQueue) });
      }
      template.hasOutput(TABLE_NAME_OUTPUT, { Value: ref(defaultStack.data.table) });
      template.hasOutput(EVENT_BUS_NAME_OUTPUT, { Value: ref(defaultStack.events.bus) });
    });
  });

  describe('Compliance: cdk-nag AwsSolutions', () => {
    it('reports no unacknowledged error or warning', () => {
      const { app } = synth();

      const report = new AwsSolutionsChecks().validateScope(app);

      expect(report.violations).toEqual([]);
    });

    it('reports none either with every option set', () => {
      const { app } = synth({
        alarmEmail: 'billing-alerts@example.com',
        stripeSecretName: 'stripe/live-key',
        stripeWebhookSecretName: 'stripe/webhook-signing-secret',
        existingUsageQueueArns: [EXISTING_QUEUE_ARN],
        removalPolicy: RemovalPolicy.DESTROY,
      });

      expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    });

    it('acknowledges a method without authorization on the webhook route alone', () => {
      const { app, stack } = synth();
      // Prepare: a second public method, which nothing acknowledges.
      stack.api.api.root
        .addResource('open')
        .addMethod('GET', new MockIntegration(), { authorizationType: AuthorizationType.NONE });

      // Act
      const report = new AwsSolutionsChecks().validateScope(app);

      // Assess
      expect(report.violations.map((violation) => violation.ruleName).sort()).toEqual([
        'AwsSolutions-APIG4',
        'AwsSolutions-COG4',
      ]);
      for (const violation of report.violations) {
        expect(violation.violatingResources).toHaveLength(1);
        const resource = JSON.stringify(violation.violatingResources[0]);
        expect(resource).toMatch(/open/i);
        expect(resource).not.toMatch(/webhook/i);
      }
    });
  });
});
