import { DynamoDbChannelRepository } from '../../../functions/adapters/dynamodb/channel-repository';
import { type TestTable, createTestTable } from '../../support/billing-table';

const at = new Date('2026-11-22T09:00:00Z');

describe('Class: DynamoDbChannelRepository', () => {
  let table: TestTable;
  let channels: DynamoDbChannelRepository;

  beforeAll(async () => {
    table = await createTestTable();
    channels = new DynamoDbChannelRepository(table.client, table.tableName);
  });

  afterAll(async () => {
    await table.drop();
  });

  describe('Method: register', () => {
    it('registers a number once, ever, whoever asks again', async () => {
      expect(await channels.register('p-1', '+4915100000001', at)).toBe('registered');
      expect(await channels.register('p-1', '+4915100000001', at)).toBe('exists');
      expect(await channels.register('p-2', '+4915100000001', at)).toBe('exists');
      expect(await channels.get('+4915100000001')).toMatchObject({ partnerId: 'p-1', status: 'active' });
    });
  });

  describe('Method: setBlocked', () => {
    it('blocks and unblocks every channel of one partner and no other', async () => {
      // Prepare
      await channels.register('p-3', '+4915100000003', at);
      await channels.register('p-3', '+4915100000004', at);
      await channels.register('p-4', '+4915100000005', at);

      // Act
      const blocked = await channels.setBlocked('p-3', true);
      const blockedAgain = await channels.setBlocked('p-3', true);

      // Assess
      expect([blocked, blockedAgain]).toEqual([2, 0]);
      expect((await channels.listForPartner('p-3')).map((channel) => channel.status)).toEqual(['blocked', 'blocked']);
      expect((await channels.get('+4915100000005'))?.status).toBe('active');
      expect(await channels.setBlocked('p-3', false)).toBe(2);
      expect((await channels.listForPartner('p-3')).map((channel) => channel.status)).toEqual(['active', 'active']);
    });
  });
});
