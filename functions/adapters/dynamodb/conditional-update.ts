/** An update that applies only if its condition holds: true if it applied, false if the condition refused it. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys';
import type { TransactItem } from './outbox';
import { cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

export interface ConditionalUpdate {
  readonly update: string;
  readonly condition: string;
  readonly values?: Record<string, unknown>;
  readonly names?: Record<string, string>;
}

export async function updateIf(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  change: ConditionalUpdate,
): Promise<boolean> {
  try {
    await client.send(new UpdateCommand(updateInput(tableName, key, change)));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The same, with more writes (an outbox event) that happen if and only if the update does. */
export async function updateIfTogether(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  change: ConditionalUpdate,
  together: readonly TransactItem[],
): Promise<boolean> {
  try {
    await retryOnContention(() =>
      client.send(
        new TransactWriteCommand({ TransactItems: [{ Update: updateInput(tableName, key, change) }, ...together] }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(cancellationReasons(error)?.[0])) return false;
    throw error;
  }
}

function updateInput(tableName: string, key: ItemKey, change: ConditionalUpdate) {
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: change.update,
    ConditionExpression: change.condition,
    ...(change.values !== undefined && { ExpressionAttributeValues: change.values }),
    ...(change.names !== undefined && { ExpressionAttributeNames: change.names }),
  };
}
