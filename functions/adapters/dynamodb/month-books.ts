/**
 * A partner's months on DynamoDB (docs/data-model.md, "Month figures"). An open month's
 * figures are attributes of the partner item, added to by every posting; the daily run
 * after the month's end closes it: its figures move to the month's item
 * (`PARTNER#{id}#MONTHS` / `MONTH#{YYYY-MM}`) with the closing balance, in one transaction
 * with `StatementReady`. The usage of channels the partner item does not keep is in
 * `CHANNEL#{YYYY-MM}#{channel}` items of the same partition. Reading a month is a few
 * items whatever its number of events.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '../../domain/events';
import { type Micros, micros, sum } from '../../domain/money';
import type { Month } from '../../domain/month';
import type { MonthBookReading, MonthBooks } from '../../domain/statements/month-book-ports';
import {
  type MonthBook,
  type MonthFigures,
  NO_FIGURES,
  type Tally,
  addFigures,
  hasFigures,
  netMovement,
  openingOf,
  tallyOf,
} from '../../domain/statements/month-figures';
import type { Currency } from '../../domain/money';
import { decodeCursor, encodeCursor } from './cursor';
import type { Item } from './items';
import {
  MONTH_PREFIX,
  channelMonthPrefix,
  monthDueKey,
  monthKey,
  monthsDuePartition,
  monthsPartition,
  partnerKey,
} from './keys';
import { addClauses, dueMarkName, figureAdds, figuresOn, monthAttributes, monthsOn } from './month-figure-attributes';
import { putOutboxEvent } from './outbox';
import { cancellationReasons } from './transactions';

/** Reads again when a close moved the figures between two reads; a close happens once a month. */
const READ_ROUNDS = 5;
/** Settles again when a posting of a closing month raced the close (a straggler across midnight). */
const SETTLE_ROUNDS = 5;

export class DynamoDbMonthBooks implements MonthBooks {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(partnerId: string, month: Month, reading: MonthBookReading): Promise<MonthBook | undefined> {
    for (let round = 0; round < READ_ROUNDS; round += 1) {
      const partner = await this.get(partnerKey(partnerId));
      if (partner === undefined) return undefined;
      const book = await this.bookOf(partner, month, reading);
      // A close between the partner's read and the month's moves figures from one to the
      // other: a month gone from the partner item means read again.
      const open = monthsOn(partner);
      if (open.length === 0) return book;
      const again = await this.get(partnerKey(partnerId));
      const still = new Set(again === undefined ? [] : monthsOn(again));
      if (open.every((openMonth) => still.has(openMonth))) return book;
    }
    throw new Error(`the months of partner ${partnerId} kept closing while ${month} was read`);
  }

  private async bookOf(partner: Item, month: Month, reading: MonthBookReading): Promise<MonthBook> {
    const partnerId = partner.partnerId as string;
    const currency = partner.currency as Currency;
    const inline = monthsOn(partner).includes(month) ? figuresOn(partner, month) : NO_FIGURES;
    const closed = await this.get(monthKey(partnerId, month));
    const channels = reading.channels ? await this.channelItems(partnerId, month) : NO_FIGURES;
    const figures = addFigures(addFigures(closed === undefined ? NO_FIGURES : figuresOn(closed), inline), channels);
    const base = { partnerId, currency, month, figures };
    if (closed !== undefined) {
      // A posting that raced the close is still on the partner item: it belongs to the month.
      return { ...base, state: 'closed', closing: micros((closed.closing as number) + netMovement(inline)) };
    }
    const movedLater = laterMovements(partner, month);
    if (hasFigures(inline)) return { ...base, state: 'open', closing: micros(balanceOf(partner) - movedLater) };
    // Nothing moved in the month: its closing is the opening of the next month closed, if
    // any, or else the balance before the open months after it.
    const next = await this.nextClosedMonth(partnerId, month);
    const closing =
      next === undefined
        ? micros(balanceOf(partner) - movedLater)
        : openingOf({ ...base, state: 'closed', figures: figuresOn(next), closing: micros(next.closing as number) });
    return { ...base, state: 'quiet', closing };
  }

  async settle(
    partnerId: string,
    current: Month,
    at: Date,
    ready: (book: MonthBook) => DomainEvent,
  ): Promise<readonly MonthBook[]> {
    for (let round = 0; round < SETTLE_ROUNDS; round += 1) {
      const partner = await this.get(partnerKey(partnerId));
      if (partner === undefined) return [];
      const open = monthsOn(partner);
      const toClose = open.filter((month) => month < current);
      const toList = open.filter((month) => month >= current && partner[dueMarkName(month)] === undefined);
      if (toClose.length === 0 && toList.length === 0) return [];
      const closes = await Promise.all(toClose.map((month) => this.closeOf(partner, month, at)));
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              this.partnerChange(partner, toClose, toList),
              ...closes.flatMap((close) => close.items(ready)),
              ...toList.map((month) => ({
                Put: {
                  TableName: this.tableName,
                  Item: { ...monthDueKey(partnerId, month), type: 'month-due', partnerId, month },
                },
              })),
            ],
          }),
        );
        return closes.filter((close) => close.first).map((close) => close.book);
      } catch (error) {
        // A posting moved a closing month's figures, or another run closed it first: settle again.
        if (cancellationReasons(error) === undefined) throw error;
      }
    }
    throw new Error(`the months of partner ${partnerId} could not be settled in ${SETTLE_ROUNDS} rounds`);
  }

  async duePage(shard: number, current: Month, cursor: string | undefined, limit: number) {
    const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // `{YYYY-MM}#{partnerId}` sorts before `current` exactly when its month is earlier.
        KeyConditionExpression: 'pk = :pk AND sk < :current',
        ExpressionAttributeValues: { ':pk': monthsDuePartition(shard), ':current': current },
        Limit: limit,
        ...(cursor !== undefined && { ExclusiveStartKey: JSON.parse(decodeCursor(cursor)) as Record<string, unknown> }),
      }),
    );
    return {
      partnerIds: [...new Set(items.map((item) => item.partnerId as string))],
      ...(last !== undefined && { nextCursor: encodeCursor(JSON.stringify(last)) }),
    };
  }

  /**
   * The partner's side of a settlement: the closing months' attributes removed, on the
   * condition that their figures are still those read (the channel set is only a plan
   * for debits and goes unchecked), and the listed months marked as such.
   */
  private partnerChange(partner: Item, toClose: readonly Month[], toList: readonly Month[]) {
    const removed = toClose.flatMap((month) => monthAttributes(partner, month));
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions = ['attribute_exists(pk)'];
    removed.forEach((name, index) => {
      names[`#closing${index}`] = name;
      const value = partner[name];
      if (typeof value === 'number') {
        values[`:closing${index}`] = value;
        conditions.push(`#closing${index} = :closing${index}`);
      }
    });
    toList.forEach((month, index) => {
      names[`#listed${index}`] = dueMarkName(month);
      values[':listed'] = true;
    });
    const sets = toList.map((_, index) => `#listed${index} = :listed`);
    const update = [
      ...(sets.length > 0 ? [`SET ${sets.join(', ')}`] : []),
      ...(removed.length > 0 ? [`REMOVE ${removed.map((_, index) => `#closing${index}`).join(', ')}`] : []),
    ].join(' ');
    return {
      Update: {
        TableName: this.tableName,
        Key: partnerKey(partner.partnerId as string),
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
      },
    };
  }

  /**
   * How one month is closed from the partner item as read: its closing balance is the
   * balance less what the later open months moved. The first close writes the month's
   * item with its event; a close of postings that raced the first adds to it.
   */
  private async closeOf(partner: Item, month: Month, at: Date) {
    const partnerId = partner.partnerId as string;
    const inline = figuresOn(partner, month);
    const existing = await this.get(monthKey(partnerId, month));
    const first = existing === undefined;
    const closing = first
      ? micros(balanceOf(partner) - laterMovements(partner, month))
      : micros((existing.closing as number) + netMovement(inline));
    const book: MonthBook = {
      partnerId,
      currency: partner.currency as Currency,
      month,
      state: 'closed',
      figures: first ? inline : addFigures(figuresOn(existing), inline),
      closing,
    };
    const added = addClauses(figureAdds(undefined, inline));
    const listed = partner[dueMarkName(month)] !== undefined;
    const items = (ready: (book: MonthBook) => DomainEvent) => [
      {
        Update: {
          TableName: this.tableName,
          Key: monthKey(partnerId, month),
          UpdateExpression: first
            ? `SET closing = :closing, closedAt = :at, #type = :type, partnerId = :partnerId, #month = :month${added.clauses.length > 0 ? ` ADD ${added.clauses.join(', ')}` : ''}`
            : `ADD ${['closing :net', ...added.clauses].join(', ')}`,
          ConditionExpression: first ? 'attribute_not_exists(pk)' : 'attribute_exists(pk)',
          ExpressionAttributeNames: { ...added.names, ...(first && { '#type': 'type', '#month': 'month' }) },
          ExpressionAttributeValues: {
            ...added.values,
            ...(first
              ? {
                  ':closing': closing,
                  ':at': at.toISOString(),
                  ':type': 'month',
                  ':partnerId': partnerId,
                  ':month': month,
                }
              : { ':net': netMovement(inline) }),
          },
        },
      },
      ...(first ? [putOutboxEvent(this.tableName, partnerId, ready(book))] : []),
      ...(listed ? [{ Delete: { TableName: this.tableName, Key: monthDueKey(partnerId, month) } }] : []),
    ];
    return { first, book, items };
  }

  /** The usage of the month's channels that have items of their own. */
  private async channelItems(partnerId: string, month: Month): Promise<MonthFigures> {
    const usageByChannel = new Map<string, Tally>();
    const prefix = channelMonthPrefix(month);
    let start: Record<string, unknown> | undefined;
    do {
      const { Items: items = [], LastEvaluatedKey: last } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': monthsPartition(partnerId), ':prefix': prefix },
          ConsistentRead: true,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of items) {
        usageByChannel.set(
          (item.sk as string).slice(prefix.length),
          tallyOf(item.conversations as number, item.amount as number),
        );
      }
      start = last;
    } while (start !== undefined);
    return { ...NO_FIGURES, usageByChannel };
  }

  /** The first closed month after `month`, if any. */
  private async nextClosedMonth(partnerId: string, month: Month): Promise<Item | undefined> {
    const { Items: items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // `~` sorts after every digit: the range starts right after `month` and spans every later one.
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :after AND :last',
        ExpressionAttributeValues: {
          ':pk': monthsPartition(partnerId),
          ':after': `${MONTH_PREFIX}${month}~`,
          ':last': `${MONTH_PREFIX}~`,
        },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    return items[0];
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return item;
  }
}

function balanceOf(partner: Item): Micros {
  return micros(partner.liveBalance as number);
}

/** What the open months after `month` moved the balance by, from the partner item. */
function laterMovements(partner: Item, month: Month): Micros {
  return sum(
    monthsOn(partner)
      .filter((later) => later > month)
      .map((later) => netMovement(figuresOn(partner, later))),
  );
}
