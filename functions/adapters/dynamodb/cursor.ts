/**
 * Page cursors. A page cursor is the position where a page ended (the last sort key
 * shown) and an HMAC-SHA256 tag, cut to 96 bits, over the listing it belongs to (the
 * partition: a partner and a kind of list) and that position. A cursor is taken back only
 * by the listing it was issued for, unchanged: a forged, truncated or edited cursor, or one
 * of another partner or another list, is an InvalidCursorError (400), never a page.
 *
 * The key is 32 random bytes the deployment draws for itself: the first page that needs
 * it puts it in the table (`CONFIG` / `CURSOR-KEY`, written once), and each container
 * reads it once. It is never in code or configuration, and API clients, who may call the
 * API but not read the table, cannot derive it (docs/architecture.md).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError } from '../../domain/errors';
import { CURSOR_KEY_ITEM } from './keys';

/** Where a cursor may be used: the deployment's key and the listing (partition key). */
export interface CursorScope {
  readonly key: Buffer;
  readonly listing: string;
}

const TAG_BYTES = 12;
/** A sort key is at most 1,024 bytes: in base64url with its tag, under this. */
const MAX_CURSOR_LENGTH = 1_400;
const CURSOR_PATTERN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16})$/;

function tagOf(scope: CursorScope, position: string): Buffer {
  return createHmac('sha256', scope.key).update(`${scope.listing}\n${position}`).digest().subarray(0, TAG_BYTES);
}

export function signCursor(scope: CursorScope, position: string): string {
  return `${Buffer.from(position, 'utf8').toString('base64url')}.${tagOf(scope, position).toString('base64url')}`;
}

/** The position a cursor names, if this listing issued it. */
export function verifyCursor(scope: CursorScope, cursor: string): string {
  const match = cursor.length <= MAX_CURSOR_LENGTH ? CURSOR_PATTERN.exec(cursor) : null;
  const [, encodedPosition = '', encodedTag = ''] = match ?? [];
  const position = Buffer.from(encodedPosition, 'base64url').toString('utf8');
  const tag = Buffer.from(encodedTag, 'base64url');
  if (match === null || tag.length !== TAG_BYTES || !timingSafeEqual(tag, tagOf(scope, position))) {
    throw new InvalidCursorError(
      'the cursor is not one this API issued for this list (cursors are kept as they are and used for the list they came from); start again without a cursor',
    );
  }
  return position;
}

const KEY_BYTES = 32;

/** Each table's key, read once per container; a failed read is tried again by the next page. */
const keys = new Map<string, Promise<Buffer>>();

export function cursorKey(client: DynamoDBDocumentClient, tableName: string): Promise<Buffer> {
  let key = keys.get(tableName);
  if (key === undefined) {
    key = readOrDrawCursorKey(client, tableName);
    keys.set(tableName, key);
    key.catch(() => keys.delete(tableName));
  }
  return key;
}

/** The table's key as stored, drawn and stored first if there is none yet; the first one stored wins. */
export async function readOrDrawCursorKey(client: DynamoDBDocumentClient, tableName: string): Promise<Buffer> {
  const stored = await readKey(client, tableName);
  if (stored !== undefined) return stored;
  const drawn = randomBytes(KEY_BYTES);
  try {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...CURSOR_KEY_ITEM, type: 'cursor-key', key: drawn.toString('base64') },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return drawn;
  } catch (error) {
    // Another container drew one first: everyone uses the first.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const first = await readKey(client, tableName);
    if (first === undefined) throw error;
    return first;
  }
}

async function readKey(client: DynamoDBDocumentClient, tableName: string): Promise<Buffer | undefined> {
  const { Item: item } = await client.send(
    new GetCommand({ TableName: tableName, Key: CURSOR_KEY_ITEM, ConsistentRead: true }),
  );
  return item === undefined ? undefined : Buffer.from(item.key as string, 'base64');
}

const CONTINUATION_PREFIX = 'v1:';

/**
 * A continuation token the system hands itself (the daily run's work messages), never a
 * client: the last key seen, base64url-encoded.
 */
export function encodeCursor(sortKey: string): string {
  return Buffer.from(`${CONTINUATION_PREFIX}${sortKey}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(CONTINUATION_PREFIX) || decoded.length === CONTINUATION_PREFIX.length) {
    throw new InvalidCursorError(`cursor "${cursor}" is not one this system issued`);
  }
  return decoded.slice(CONTINUATION_PREFIX.length);
}
