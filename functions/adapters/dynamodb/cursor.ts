/**
 * Page cursors. A page cursor is the position where a page ended (the last sort key
 * shown) and an HMAC-SHA256 tag, cut to 96 bits, over the listing it belongs to (the
 * partition: a partner and a kind of list) and that position. A cursor is taken back only
 * by the listing it was issued for, unchanged: a forged, truncated or edited cursor, or one
 * of another partner or another list, is an InvalidCursorError (400), never a page.
 *
 * The key is derived from the table's name, which CloudFormation generates with a unique
 * suffix per deployment: cursors of one deployment are refused by another, and the key
 * needs no secret to distribute. It is not a secret either; what a client that derives it
 * could forge is a start position inside a list it may read anyway (docs/architecture.md).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidCursorError } from '../../domain/errors';

/** Where a cursor may be used: the table (per deployment) and the listing (partition key). */
export interface CursorScope {
  readonly tableName: string;
  readonly listing: string;
}

const TAG_BYTES = 12;
/** A sort key is at most 1,024 bytes: in base64url with its tag, under this. */
const MAX_CURSOR_LENGTH = 1_400;
const CURSOR_PATTERN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16})$/;

const keys = new Map<string, Buffer>();

function keyOf(tableName: string): Buffer {
  let key = keys.get(tableName);
  if (key === undefined) {
    key = createHash('sha256').update(`prepaid-billing page cursor\n${tableName}`).digest();
    keys.set(tableName, key);
  }
  return key;
}

function tagOf(scope: CursorScope, position: string): Buffer {
  return createHmac('sha256', keyOf(scope.tableName)).update(`${scope.listing}\n${position}`).digest().subarray(0, TAG_BYTES);
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
    throw new InvalidCursorError('the cursor is not one this API issued for this list (cursors are kept as they are and used for the list they came from); start again without a cursor');
  }
  return position;
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
