import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../functions/adapters/dynamodb/client';
import { BILLING_TABLE } from '../../../definitions/table';
import { createBillingTable } from '../../../local/create-tables';

describe('Function: createBillingTable', () => {
  let client: DynamoDBDocumentClient;
  const tables: string[] = [];

  beforeAll(() => {
    client = createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT ?? '' });
  });

  afterAll(async () => {
    for (const tableName of tables) await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  });

  const describeTable = async (tableName: string) => ({
    stream: (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.StreamSpecification,
    timeToLive: (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription,
  });

  it('creates the table with the stream the event relay reads and the time to live of outbox items', async () => {
    // Prepare
    const tableName = `billing-${randomUUID()}`;
    tables.push(tableName);

    // Act
    await createBillingTable(client, tableName);

    // Assess
    expect(await describeTable(tableName)).toEqual({
      stream: { StreamEnabled: true, StreamViewType: BILLING_TABLE.stream },
      timeToLive: { TimeToLiveStatus: 'ENABLED', AttributeName: BILLING_TABLE.timeToLiveAttribute },
    });
  });

  it('gives a table kept from a run before streams its stream and time to live, and leaves them on a later restart', async () => {
    // Prepare: the table as created before it had a stream
    const tableName = `billing-${randomUUID()}`;
    tables.push(tableName);
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );

    // Act
    await createBillingTable(client, tableName);
    const streamArn = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn;
    await createBillingTable(client, tableName);

    // Assess
    expect(await describeTable(tableName)).toEqual({
      stream: { StreamEnabled: true, StreamViewType: BILLING_TABLE.stream },
      timeToLive: { TimeToLiveStatus: 'ENABLED', AttributeName: BILLING_TABLE.timeToLiveAttribute },
    });
    expect((await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn).toBe(
      streamArn,
    );
  });
});
