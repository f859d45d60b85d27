/** Opaque page cursors: the last sort key seen, base64url-encoded so callers cannot depend on its shape. */
import { InvalidCursorError } from '../../domain/errors';

const CURSOR_PREFIX = 'v1:';

export function encodeCursor(sortKey: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${sortKey}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(CURSOR_PREFIX) || decoded.length === CURSOR_PREFIX.length) {
    throw new InvalidCursorError(`cursor "${cursor}" is not one this API returned; start again without a cursor`);
  }
  return decoded.slice(CURSOR_PREFIX.length);
}
