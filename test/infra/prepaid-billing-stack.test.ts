import { App, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BILLING_TABLE } from '../../lib/data/table-definition';
import { PrepaidBillingStack } from '../../lib/prepaid-billing-stack';

function synth(props: ConstructorParameters<typeof PrepaidBillingStack>[2] = {}) {
  const app = new App();
  const stack = new PrepaidBillingStack(app, 'Test', props);
  return { app, stack, template: Template.fromStack(stack) };
}

describe('Class: PrepaidBillingStack', () => {
  describe('Construct: BillingTable', () => {
    it('deploys the key schema and indexes of the definition the tests build their tables from', () => {
      const { template } = synth();

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
      const { template } = synth();

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

    it('is retained when the stack is deleted, unless the operator chooses a throwaway stack', () => {
      synth().template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });

      const throwaway = synth({ removalPolicy: RemovalPolicy.DESTROY }).template;
      throwaway.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
      throwaway.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      });
    });
  });

  describe('Compliance: cdk-nag AwsSolutions', () => {
    it('reports no unacknowledged error or warning', () => {
      const { app } = synth();

      const report = new AwsSolutionsChecks().validateScope(app);

      expect(report.violations).toEqual([]);
    });
  });
});
