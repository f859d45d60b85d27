/**
 * Partner accounts whose stored data makes their work fail, written past the API the way
 * a setting accepted before the edge refused it, or a hand repair gone wrong, would be.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { partnerKey } from '../../functions/adapters/dynamodb/keys';
import type { TestTable } from './billing-table';

/**
 * 9,007,199,254.00 in micro-units: the largest whole amount whose micro-units are a safe
 * integer. With a balance below 0 the credit `-B + A` leaves the safe integers, so
 * working out the partner's charge throws AmountOutOfRangeError every time. (An amount
 * such as 9,000,000,000.00 no longer fails: the credit is capped at one card charge.)
 */
export const ABSURD_AUTO_RENEW_MICROS = 9_007_199_254_000_000;

/** Overwrites attributes of the partner's account item as they are stored. */
export async function storeOnAccount(
  table: TestTable,
  partnerId: string,
  attributes: Readonly<Record<string, unknown>>,
): Promise<void> {
  const names = Object.keys(attributes);
  await table.client.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: partnerKey(partnerId),
      UpdateExpression: `SET ${names.map((_, index) => `#a${index} = :v${index}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, index) => [`:v${index}`, attributes[name]])),
    }),
  );
}
