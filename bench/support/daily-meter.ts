/**
 * Counts what the daily run costs in DynamoDB units, request by request:
 *
 * - Read units from what DynamoDB (Local) reports: every command that can is sent with
 *   `ReturnConsumedCapacity: 'TOTAL'`, and the reported `ConsumedCapacity` is summed.
 *   DynamoDB Local reports an empty Query as 0 where DynamoDB bills at least 0.5 (1 if
 *   consistent); those are counted apart so the report can add them.
 * - Write units from the write plan, as DynamoDB bills them: 1 per started KB of each
 *   item of PutItem, UpdateItem and DeleteItem, 2 per started KB of each item of
 *   TransactWriteItems (DynamoDB Local's figure for transactions is not reliable). A Put
 *   is sized from its request; an Update from the item it leaves behind, which the
 *   request does not show: the keys are kept and sized after the run (`updatedKeys`).
 *   Each update that takes a partner out of the sparse attention index also deletes
 *   its index entry: 1 more unit (its KEYS_ONLY projection is far under 1 KB).
 * - Partner items read (GetItem of a `PARTNER#…/ACCOUNT` key) and requests by command.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemBytes, writeUnitsOf } from './item-size';

type Key = Record<string, unknown>;

export interface CapacityTally {
  /** Requests sent, by command name (each attempt counts; the SDK's own retries do not). */
  readonly requests: Map<string, number>;
  /** Read units as reported. */
  readUnits: number;
  /** Queries reported at 0 units, by whether they were consistent. */
  emptyQueries: { consistent: number; eventual: number };
  /** Write units of Puts and index deletes, known from the request. */
  writeUnits: number;
  /** Updates and deletes, sized later: key, units per started KB, and how often. */
  readonly updatedKeys: Map<string, { key: Key; unitsPerKb: number; times: number }>;
  indexDeletes: number;
  partnerReads: number;
  /** Requests DynamoDB refused: failed conditions, cancelled transactions. */
  refused: number;
}

const SUPPORTS_CONSUMED_CAPACITY = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'TransactGetItemsCommand',
  'TransactWriteItemsCommand',
]);

const READS = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);

interface Capacity {
  CapacityUnits?: number;
}

interface CommandInput {
  Key?: Key;
  Item?: Key;
  ConsistentRead?: boolean;
  UpdateExpression?: string;
  TransactItems?: {
    Put?: { Item?: Key };
    Update?: { Key?: Key; UpdateExpression?: string };
    Delete?: { Key?: Key };
    ConditionCheck?: { Key?: Key };
  }[];
}

export class CapacityMeter {
  tally: CapacityTally = emptyTally();

  /** Starts a new count and returns the previous one. */
  take(): CapacityTally {
    const taken = this.tally;
    this.tally = emptyTally();
    return taken;
  }

  /**
   * At `initialize`, before the document client marshalls the input: the capacity option
   * is added to the input there, and the input is still in its plain form.
   */
  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const input = args.input as CommandInput;
        const tally = this.tally;
        tally.requests.set(command, (tally.requests.get(command) ?? 0) + 1);
        if (command === 'GetItemCommand' && input.Key?.sk === 'ACCOUNT') tally.partnerReads += 1;
        this.planWrites(command, input);
        const reported = SUPPORTS_CONSUMED_CAPACITY.has(command);
        try {
          const result = await next(
            reported ? { ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } } : args,
          );
          if (reported && READS.has(command)) {
            const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
            const units = (Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]).reduce(
              (total, used) => total + (used.CapacityUnits ?? 0),
              0,
            );
            tally.readUnits += units;
            if (command === 'QueryCommand' && units === 0)
              tally.emptyQueries[input.ConsistentRead === true ? 'consistent' : 'eventual'] += 1;
          }
          return result;
        } catch (error) {
          const name = (error as Error).name;
          if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') tally.refused += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'dailyCapacityMeter' },
    );
  }

  private planWrites(command: string, input: CommandInput): void {
    switch (command) {
      case 'TransactWriteItemsCommand':
        for (const item of input.TransactItems ?? []) {
          if (item.Put?.Item !== undefined) this.put(item.Put.Item, 2);
          else if (item.Update?.Key !== undefined) this.update(item.Update.Key, 2, item.Update.UpdateExpression);
          else if (item.Delete?.Key !== undefined) this.update(item.Delete.Key, 2);
          else if (item.ConditionCheck?.Key !== undefined) this.update(item.ConditionCheck.Key, 2);
        }
        break;
      case 'PutItemCommand':
        if (input.Item !== undefined) this.put(input.Item, 1);
        break;
      case 'UpdateItemCommand':
        if (input.Key !== undefined) this.update(input.Key, 1, input.UpdateExpression);
        break;
      case 'DeleteItemCommand':
        if (input.Key !== undefined) this.update(input.Key, 1);
        break;
      default:
      // The run sends no BatchWriteItem; reads write nothing.
    }
  }

  private put(item: Key, unitsPerKb: number): void {
    this.tally.writeUnits += unitsPerKb * writeUnitsOf(itemBytes(marshall(item, { removeUndefinedValues: true })));
  }

  private update(key: Key, unitsPerKb: number, expression?: string): void {
    const id = `${String(key.pk)}|${String(key.sk)}|${unitsPerKb}`;
    const known = this.tally.updatedKeys.get(id);
    if (known === undefined) this.tally.updatedKeys.set(id, { key, unitsPerKb, times: 1 });
    else known.times += 1;
    if (expression !== undefined && /REMOVE[^=]*\battentionPk\b/.test(expression)) {
      this.tally.indexDeletes += 1;
      this.tally.writeUnits += 1;
    }
  }
}

/**
 * Write units of the updates of a tally, given the size of each updated item as it is
 * now (read back after the run), and the largest of those items.
 */
export function updateUnits(
  tally: CapacityTally,
  bytesOf: (key: Key) => number,
): { units: number; largestBytes: number } {
  let units = 0;
  let largestBytes = 0;
  for (const { key, unitsPerKb, times } of tally.updatedKeys.values()) {
    const bytes = bytesOf(key);
    largestBytes = Math.max(largestBytes, bytes);
    units += times * unitsPerKb * writeUnitsOf(bytes);
  }
  return { units, largestBytes };
}

export function requestCount(tally: CapacityTally, command: string): number {
  return tally.requests.get(command) ?? 0;
}

function emptyTally(): CapacityTally {
  return {
    requests: new Map(),
    readUnits: 0,
    emptyQueries: { consistent: 0, eventual: 0 },
    writeUnits: 0,
    updatedKeys: new Map(),
    indexDeletes: 0,
    partnerReads: 0,
    refused: 0,
  };
}
