import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { cursorKey, readOrDrawCursorKey } from '../../../functions/adapters/dynamodb/cursor';
import { CURSOR_KEY_ITEM } from '../../../functions/adapters/dynamodb/keys';
import { type TestTable, createTestTable } from '../../support/billing-table';

describe('Adapter: the page cursor key', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable();
  });

  afterAll(async () => {
    await table.drop();
  });

  it('is drawn once per table, whichever of many containers asks first, and kept in the table', async () => {
    // Act: eight containers starting at once.
    const keys = await Promise.all(Array.from({ length: 8 }, () => readOrDrawCursorKey(table.client, table.tableName)));

    // Assess
    const { Item: stored } = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: CURSOR_KEY_ITEM, ConsistentRead: true }),
    );
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(1);
    expect(keys[0]?.length).toBe(32);
    expect(stored?.key).toBe(keys[0]?.toString('base64'));
    expect((await cursorKey(table.client, table.tableName)).equals(keys[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('differs from table to table', async () => {
    const other = await createTestTable();
    try {
      const [mine, theirs] = await Promise.all([
        readOrDrawCursorKey(table.client, table.tableName),
        readOrDrawCursorKey(other.client, other.tableName),
      ]);

      expect(mine.equals(theirs)).toBe(false);
    } finally {
      await other.drop();
    }
  });
});
