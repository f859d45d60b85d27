/** Creates the billing table from the same definition the CDK stack deploys. */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { BILLING_TABLE, KeyAttribute, TableDefinition } from '../lib/data/table-definition';

export async function createBillingTable(client: DynamoDBClient, tableName: string, definition: TableDefinition = BILLING_TABLE): Promise<void> {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [definition.partitionKey, definition.sortKey]) attributes.set(key.name, key);
  for (const index of definition.globalSecondaryIndexes) {
    attributes.set(index.partitionKey.name, index.partitionKey);
    attributes.set(index.sortKey.name, index.sortKey);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()].map(({ name, type }) => ({ AttributeName: name, AttributeType: type })),
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      }),
    );
  } catch (error) {
    // A restart of the local runtime finds its table from the last run.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
