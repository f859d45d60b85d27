/**
 * Creates the billing table from the same definition the CDK stack deploys: keys, the
 * attention index, the stream the event relay reads and the time to live of outbox items.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { BILLING_TABLE, type KeyAttribute, type TableDefinition } from '../definitions/table';

export async function createBillingTable(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition = BILLING_TABLE,
): Promise<void> {
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
        AttributeDefinitions: [...attributes.values()].map(({ name, type }) => ({
          AttributeName: name,
          AttributeType: type,
        })),
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
        StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream },
      }),
    );
  } catch (error) {
    // A restart of the local runtime finds its table from the last run; one created
    // before the table had a stream gets it now, so the event relay has one to read.
    if (!(error instanceof ResourceInUseException)) throw error;
    await enableStream(client, tableName, definition);
  }
  await enableTimeToLive(client, tableName, definition);
}

async function enableStream(client: DynamoDBClient, tableName: string, definition: TableDefinition): Promise<void> {
  const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const stream = table?.StreamSpecification;
  if (stream?.StreamEnabled === true && stream.StreamViewType === definition.stream) return;
  // A stream of another view type has to be switched off before the new one is switched on.
  if (stream?.StreamEnabled === true) {
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  }
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream },
    }),
  );
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string, definition: TableDefinition): Promise<void> {
  // Enabling it again is refused ("already enabled"), so a restart asks first.
  const { TimeToLiveDescription: current } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (current?.TimeToLiveStatus === 'ENABLED' && current.AttributeName === definition.timeToLiveAttribute) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: definition.timeToLiveAttribute },
    }),
  );
}
