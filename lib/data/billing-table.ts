/**
 * The stateful part: the billing table, built from the definition the tests use.
 * On-demand, point-in-time recovery, deletion protection and RETAIN unless the operator
 * explicitly chooses otherwise (a dev stack), encrypted with the AWS managed key. Its
 * stream carries new images for the event relay; TTL deletes relayed outbox items.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { BILLING_TABLE, type KeyAttribute, type TableDefinition } from '../../definitions/table';

export interface BillingTableProps {
  /** RETAIN by default; DESTROY also lifts deletion protection, for throwaway stacks only. */
  readonly removalPolicy?: RemovalPolicy;
  readonly definition?: TableDefinition;
}

export class BillingTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: BillingTableProps = {}) {
    super(scope, id);
    const definition = props.definition ?? BILLING_TABLE;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new TableV2(this, 'Table', {
      partitionKey: toAttribute(definition.partitionKey),
      sortKey: toAttribute(definition.sortKey),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
      dynamoStream: StreamViewType[definition.stream],
      timeToLiveAttribute: definition.timeToLiveAttribute,
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        sortKey: toAttribute(index.sortKey),
        projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
      })),
    });
  }
}

function toAttribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}
