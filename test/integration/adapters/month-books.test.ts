/**
 * Month figures against DynamoDB Local: every posting adds to its month's figures in its
 * own transaction, a month reads back the same from a few items whatever it holds, and the
 * close keeps it once with its closing balance and StatementReady.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monthKey, monthsPartition, partnerKey } from '../../../functions/adapters/dynamodb/keys';
import { INLINE_CHANNELS } from '../../../functions/adapters/dynamodb/month-figure-attributes';
import { DynamoDbMonthBooks } from '../../../functions/adapters/dynamodb/month-books';
import { DynamoDbUsageLedger } from '../../../functions/adapters/dynamodb/usage-ledger';
import { type Micros, parseAmount, sum } from '../../../functions/domain/money';
import { type Month, monthOf, monthRange } from '../../../functions/domain/month';
import { statementReadyEvent } from '../../../functions/domain/statements/close-months';
import { netMovement, openingOf, usageTotal } from '../../../functions/domain/statements/month-figures';
import type { UsageCategory, UsageEvent } from '../../../functions/domain/usage/usage-event';
import { RechargeHarness } from '../../support/recharge-harness';

const NOVEMBER = '2026-11' as Month;
const DECEMBER = '2026-12' as Month;

let harness: RechargeHarness;
let books: DynamoDbMonthBooks;

beforeAll(async () => {
  harness = await RechargeHarness.start();
  books = new DynamoDbMonthBooks(harness.table.client, harness.table.tableName);
});

afterAll(async () => {
  await harness.stop();
});

function event(
  partnerId: string,
  id: string,
  cost: string,
  category: UsageCategory,
  channelId: string,
  at: Date,
): UsageEvent {
  return {
    eventId: `${partnerId}-${id}`,
    partnerId,
    channelId,
    conversationId: `c-${id}`,
    category,
    occurredAt: at,
    cost: parseAmount(cost),
    currency: 'EUR',
  };
}

/** The value, or the test fails here: the repository answered nothing where it had to. */
function known<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value, got nothing');
  return value;
}

const channel = (index: number) => `+49151000000${String(index).padStart(2, '0')}`;

async function ledgerSum(partnerId: string, month: Month): Promise<Micros> {
  const { start, end } = monthRange(month);
  const entries = (await harness.ledger.ledgerPage(partnerId, { limit: 1000 })).entries;
  return sum(entries.filter((entry) => entry.postedAt >= start && entry.postedAt < end).map((entry) => entry.amount));
}

async function partnerItem(partnerId: string) {
  const { Item: item } = await harness.table.client.send(
    new GetCommand({ TableName: harness.table.tableName, Key: partnerKey(partnerId) }),
  );
  return item ?? {};
}

describe('Class: DynamoDbMonthBooks', () => {
  describe('Method: read', () => {
    it('keeps usage by category and by channel, beyond the partner item’s channels in items of their own', async () => {
      // Prepare: 12 conversations in 3 categories over 6 channels, in one chunk and in two.
      harness.clock.set(new Date('2026-11-03T10:00:00Z'));
      await harness.open('figures-1', '500.00');
      const at = harness.clock.now();
      const categories: UsageCategory[] = ['marketing', 'utility', 'authentication'];
      const events = Array.from({ length: 12 }, (_, index) =>
        event(
          'figures-1',
          `e${index}`,
          `${index + 1}.25`,
          categories[index % 3] as UsageCategory,
          channel(index % 6),
          at,
        ),
      );
      const ledger = new DynamoDbUsageLedger(harness.table.client, harness.table.tableName);

      // Act
      await ledger.debit([{ partnerId: 'figures-1', currency: 'EUR', postedAt: at, events: events.slice(0, 5) }]);
      await ledger.debit([{ partnerId: 'figures-1', currency: 'EUR', postedAt: at, events: events.slice(5) }]);
      const book = await books.read('figures-1', NOVEMBER, { channels: true });

      // Assess: every figure, as the events add up, and the partner item keeps 4 channels.
      expect(book?.state).toBe('open');
      expect(usageTotal(known(book).figures)).toEqual({ count: 12, amount: parseAmount('81.00') });
      expect(book?.figures.usageByCategory.get('utility')).toEqual({ count: 4, amount: parseAmount('27.00') });
      for (let index = 0; index < 6; index += 1) {
        const onChannel = events.filter((candidate) => candidate.channelId === channel(index));
        expect(book?.figures.usageByChannel.get(channel(index))).toEqual({
          count: onChannel.length,
          amount: sum(onChannel.map((candidate) => candidate.cost)),
        });
      }
      expect((await partnerItem('figures-1'))[`${NOVEMBER}:cs`]?.size).toBe(INLINE_CHANNELS);
      expect(book?.closing).toBe((await harness.ledger.getPartner('figures-1'))?.liveBalance);
      // The account was opened this month: its opening entry is one of the month's movements.
      expect(openingOf(known(book))).toBe(parseAmount('0.00'));
      expect(netMovement(known(book).figures)).toBe(await ledgerSum('figures-1', NOVEMBER));
    });

    it('plans a debit again when another instance filled the partner item’s channels meanwhile', async () => {
      // Prepare: one ledger instance saw one channel; another then used three more.
      harness.clock.set(new Date('2026-11-05T10:00:00Z'));
      await harness.open('figures-5', '500.00');
      const at = harness.clock.now();
      const first = new DynamoDbUsageLedger(harness.table.client, harness.table.tableName);
      const second = new DynamoDbUsageLedger(harness.table.client, harness.table.tableName);
      const debit = (ledger: DynamoDbUsageLedger, channels: readonly number[], tag: string) =>
        ledger.debit([
          {
            partnerId: 'figures-5',
            currency: 'EUR',
            postedAt: at,
            events: channels.map((index) =>
              event('figures-5', `${tag}${index}`, '1.00', 'service', channel(index), at),
            ),
          },
        ]);
      await debit(first, [0], 'a');
      await debit(second, [1, 2, 3], 'b');

      // Act: the first instance still believes there is room for a fifth channel.
      const [result] = await debit(first, [4, 0], 'c');
      const book = await books.read('figures-5', NOVEMBER, { channels: true });

      // Assess: debited once each, the fifth channel in an item of its own.
      expect([...(result?.fates.values() ?? [])]).toEqual([{ kind: 'debited' }, { kind: 'debited' }]);
      expect(book?.figures.usageByChannel.get(channel(4))).toEqual({ count: 1, amount: parseAmount('1.00') });
      expect(book?.figures.usageByChannel.get(channel(0))).toEqual({ count: 2, amount: parseAmount('2.00') });
      expect((await partnerItem('figures-5'))[`${NOVEMBER}:cs`]?.size).toBe(INLINE_CHANNELS);
      expect(netMovement(known(book).figures)).toBe(await ledgerSum('figures-5', NOVEMBER));
    });

    it('adds every kind of posting to its month, so the figures move as the ledger does', async () => {
      // Prepare
      harness.clock.set(new Date('2026-11-04T10:00:00Z'));
      await harness.open('figures-2', '100.00');
      const postedAt = harness.clock.now();
      const posting = { partnerId: 'figures-2', currency: 'EUR' as const, postedAt };

      // Act: a payment, a debit adjustment, a refund, usage and a recharge of the card.
      await harness.ledger.postCredit({
        ...posting,
        kind: 'payment',
        idempotencyKey: 'bank-1',
        amount: parseAmount('40.00'),
      });
      await harness.ledger.post({
        ...posting,
        kind: 'adjustment',
        idempotencyKey: '2026-10',
        amount: parseAmount('-3.50'),
      });
      await harness.ledger.post({
        ...posting,
        kind: 'refund',
        idempotencyKey: 'operator:r-1',
        amount: parseAmount('-10.00'),
      });
      await harness.spend('figures-2', '90.00', 'u-1');
      await harness.recharge('figures-2');
      const book = await books.read('figures-2', NOVEMBER, { channels: false });

      // Assess
      const kinds = book?.figures.movementsByKind;
      expect(kinds?.get('opening')).toEqual({ count: 1, amount: parseAmount('100.00') });
      expect(kinds?.get('payment')).toEqual({ count: 1, amount: parseAmount('40.00') });
      expect(kinds?.get('adjustment')).toEqual({ count: 1, amount: parseAmount('-3.50') });
      expect(kinds?.get('refund')).toEqual({ count: 1, amount: parseAmount('-10.00') });
      expect(kinds?.get('recharge')?.count).toBe(1);
      expect(netMovement(known(book).figures)).toBe(await ledgerSum('figures-2', NOVEMBER));
      expect(book?.closing).toBe((await harness.ledger.getPartner('figures-2'))?.liveBalance);
    });

    it('reads a month the partner did not move in as the balance it was left with', async () => {
      // Prepare: opened in October with more than its auto-renew amount (no opening charge), moved again in December.
      harness.clock.set(new Date('2026-10-20T10:00:00Z'));
      await harness.open('figures-3', '700.00');
      harness.clock.set(new Date('2026-12-02T10:00:00Z'));
      await harness.spend('figures-3', '20.00', 'u-1');

      // Act
      const quiet = await books.read('figures-3', NOVEMBER, { channels: true });

      // Assess
      expect(quiet?.state).toBe('quiet');
      expect(quiet?.closing).toBe(parseAmount('700.00'));
      expect(openingOf(known(quiet))).toBe(parseAmount('700.00'));
    });
  });

  describe('Method: settle', () => {
    it('closes a month once: its figures leave the partner item with the closing balance and StatementReady', async () => {
      // Prepare: November's usage, and December's before the close.
      harness.clock.set(new Date('2026-11-10T10:00:00Z'));
      await harness.open('figures-4', '600.00');
      await harness.spend('figures-4', '120.00', 'u-1');
      await books.settle('figures-4', NOVEMBER, harness.clock.now(), (book) =>
        statementReadyEvent(book, harness.clock.now()),
      );
      harness.clock.set(new Date('2026-12-01T00:00:00.500Z'));
      await harness.spend('figures-4', '5.00', 'u-2');
      const before = await books.read('figures-4', NOVEMBER, { channels: true });

      // Act
      const at = new Date('2026-12-01T00:00:05Z');
      const ready = (book: Parameters<typeof statementReadyEvent>[0]) => statementReadyEvent(book, at);
      const closed = await books.settle('figures-4', DECEMBER, at, ready);
      const again = await books.settle('figures-4', DECEMBER, at, ready);
      const after = await books.read('figures-4', NOVEMBER, { channels: true });

      // Assess
      expect(before?.state).toBe('open');
      expect(closed.map((book) => book.month)).toEqual([NOVEMBER]);
      expect(again).toEqual([]);
      expect(after).toEqual({ ...before, state: 'closed' });
      expect(after?.closing).toBe(parseAmount('480.00'));
      const item = await partnerItem('figures-4');
      expect(Object.keys(item).filter((name) => name.startsWith(`${NOVEMBER}:`))).toEqual([]);
      expect(item[`${DECEMBER}:due`]).toBe(true);
      const { Items: months = [] } = await harness.table.client.send(
        new QueryCommand({
          TableName: harness.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': monthsPartition('figures-4') },
        }),
      );
      expect(months.map((month) => month.sk)).toEqual([monthKey('figures-4', NOVEMBER).sk]);
      const events = await harness.events.ofType('StatementReady', 'figures-4');
      expect(events.map((ready) => ready.detail)).toEqual([
        expect.objectContaining({ period: NOVEMBER, opening: '0.00', closing: '480.00', usage: '120.00' }),
      ]);
      expect(monthOf(known(events[0]).time)).toBe(DECEMBER);
    });
  });
});
