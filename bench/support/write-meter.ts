/**
 * Counts the write units of every request a DynamoDB client sends, from the request
 * itself (its write plan) rather than from ConsumedCapacity: DynamoDB Local does not
 * report what transactions cost. Also counts the writes that touch a partner's balance
 * item (sk = ACCOUNT), the item every usage debit updates.
 *
 * Costs, as DynamoDB bills them: an item written in TransactWriteItems costs 2 write units
 * per started KB; PutItem, UpdateItem, DeleteItem and every item of BatchWriteItem cost 1
 * per started KB. A Put is sized from the item it writes; an Update from the item it
 * leaves behind, which the request does not show, so the caller supplies that size
 * (for partner items: a partner item read from the table once).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type WireItem, itemBytes, writeUnitsOf } from './item-size';

export type ItemKind = 'partner' | 'ledger entry' | 'usage event' | 'other';

export interface SizeTally {
  count: number;
  bytes: number;
}

export interface WriteTally {
  /** Requests sent, by command name (each attempt counts; the SDK's own retries do not). */
  readonly requests: Map<string, number>;
  writeUnits: number;
  /** Item writes whose key is a partner's balance item. */
  balanceItemWrites: number;
  /** Transactions cancelled by DynamoDB (their items still count above). */
  cancelledTransactions: number;
  /** Sizes of the items written by Put, by kind. */
  readonly putSizes: Map<ItemKind, SizeTally>;
}

/** The size of the item an Update leaves behind, given the item's key. */
export type UpdatedItemBytes = (key: WireItem) => number;

interface WritePlanInput {
  TransactItems?: {
    Put?: { Item?: WireItem };
    Update?: { Key?: WireItem };
    Delete?: { Key?: WireItem };
    ConditionCheck?: { Key?: WireItem };
  }[];
  RequestItems?: Record<string, { PutRequest?: { Item?: WireItem }; DeleteRequest?: { Key?: WireItem } }[]>;
  Item?: WireItem;
  Key?: WireItem;
}

export class WriteMeter {
  tally: WriteTally = emptyTally();

  constructor(private readonly updatedItemBytes: UpdatedItemBytes) {}

  /** Starts a new count and returns the previous one. */
  take(): WriteTally {
    const taken = this.tally;
    this.tally = emptyTally();
    return taken;
  }

  /**
   * Inspects every request of this client. The step is `build`: the document client turns
   * its input into wire items just before serializing, so only from `build` on does the
   * input look like what DynamoDB receives.
   */
  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        this.record(command, args.input as WritePlanInput);
        try {
          return await next(args);
        } catch (error) {
          if ((error as Error).name === 'TransactionCanceledException') this.tally.cancelledTransactions += 1;
          throw error;
        }
      },
      { step: 'build', name: 'writePlanMeter' },
    );
  }

  private record(command: string, input: WritePlanInput): void {
    const { tally } = this;
    tally.requests.set(command, (tally.requests.get(command) ?? 0) + 1);
    switch (command) {
      case 'TransactWriteItemsCommand':
        for (const item of input.TransactItems ?? []) {
          if (item.Put?.Item !== undefined) this.put(item.Put.Item, 2);
          else if (item.Update?.Key !== undefined)
            this.keyed(item.Update.Key, this.updatedItemBytes(item.Update.Key), 2);
          else if (item.Delete?.Key !== undefined) this.keyed(item.Delete.Key, itemBytes(item.Delete.Key), 2);
          else if (item.ConditionCheck?.Key !== undefined)
            this.keyed(item.ConditionCheck.Key, itemBytes(item.ConditionCheck.Key), 2, false);
        }
        break;
      case 'PutItemCommand':
        if (input.Item !== undefined) this.put(input.Item, 1);
        break;
      case 'UpdateItemCommand':
        if (input.Key !== undefined) this.keyed(input.Key, this.updatedItemBytes(input.Key), 1);
        break;
      case 'DeleteItemCommand':
        // The deleted item's size is not in the request: its key is a lower bound.
        if (input.Key !== undefined) this.keyed(input.Key, itemBytes(input.Key), 1);
        break;
      case 'BatchWriteItemCommand':
        for (const requests of Object.values(input.RequestItems ?? {})) {
          for (const request of requests) {
            if (request.PutRequest?.Item !== undefined) this.put(request.PutRequest.Item, 1);
            else if (request.DeleteRequest?.Key !== undefined)
              this.keyed(request.DeleteRequest.Key, itemBytes(request.DeleteRequest.Key), 1);
          }
        }
        break;
      default:
      // Reads and table operations write nothing.
    }
  }

  private put(item: WireItem, unitsPerKb: number): void {
    const bytes = itemBytes(item);
    const sizes = this.tally.putSizes;
    const kind = kindOf(item);
    const known = sizes.get(kind) ?? { count: 0, bytes: 0 };
    sizes.set(kind, { count: known.count + 1, bytes: known.bytes + bytes });
    this.keyed(item, bytes, unitsPerKb);
  }

  private keyed(key: WireItem, bytes: number, unitsPerKb: number, writes = true): void {
    this.tally.writeUnits += unitsPerKb * writeUnitsOf(bytes);
    if (writes && isBalanceItem(key)) this.tally.balanceItemWrites += 1;
  }
}

function emptyTally(): WriteTally {
  return { requests: new Map(), writeUnits: 0, balanceItemWrites: 0, cancelledTransactions: 0, putSizes: new Map() };
}

const text = (value: AttributeValue | undefined): string => value?.S ?? '';

export function isBalanceItem(key: WireItem): boolean {
  return text(key.sk) === 'ACCOUNT';
}

function kindOf(item: WireItem): ItemKind {
  const pk = text(item.pk);
  if (isBalanceItem(item)) return 'partner';
  if (pk.startsWith('EVENT#')) return 'usage event';
  if (pk.endsWith('#LEDGER')) return 'ledger entry';
  return 'other';
}

export function requestCount(tally: WriteTally, command: string): number {
  return tally.requests.get(command) ?? 0;
}

export function averageBytes(tally: WriteTally, kind: ItemKind): number | undefined {
  const sizes = tally.putSizes.get(kind);
  return sizes === undefined || sizes.count === 0 ? undefined : sizes.bytes / sizes.count;
}
