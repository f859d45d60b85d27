/** An update that applies only if its condition holds: true if it applied, false if the condition refused it. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ItemKey } from './keys';

export interface ConditionalUpdate {
  readonly update: string;
  readonly condition: string;
  readonly values?: Record<string, unknown>;
  readonly names?: Record<string, string>;
}

export async function updateIf(client: DynamoDBDocumentClient, tableName: string, key: ItemKey, change: ConditionalUpdate): Promise<boolean> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: change.update,
        ConditionExpression: change.condition,
        ...(change.values !== undefined && { ExpressionAttributeValues: change.values }),
        ...(change.names !== undefined && { ExpressionAttributeNames: change.names }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
