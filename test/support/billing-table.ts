/** A fresh billing table on the run's DynamoDB Local, one per test file, built from the deployed definition. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client';
import { createBillingTable } from '../../local/create-tables';

export interface TestTable {
  readonly client: DynamoDBDocumentClient;
  readonly endpoint: string;
  readonly tableName: string;
  drop(): Promise<void>;
}

export async function createTestTable(): Promise<TestTable> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (endpoint === undefined) throw new Error('DYNAMODB_ENDPOINT is not set: run integration tests through jest');
  const client = createDocumentClient({ endpoint });
  const tableName = `billing-${randomUUID()}`;
  await createBillingTable(client, tableName);
  return {
    client,
    endpoint,
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
