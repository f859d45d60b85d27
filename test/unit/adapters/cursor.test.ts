import { InvalidCursorError } from '../../../functions/domain/errors';
import { signCursor, verifyCursor } from '../../../functions/adapters/dynamodb/cursor';

const LEDGER = { key: Buffer.alloc(32, 1), listing: 'PARTNER#p-1#LEDGER' };
const POSITION = '2026-11-22T09:00:00.000Z#usage:batch-0001';
const SIGNED = signCursor(LEDGER, POSITION);

describe('Adapter: page cursors', () => {
  it('gives back the position it signed, for the same listing', () => {
    expect(verifyCursor(LEDGER, signCursor(LEDGER, POSITION))).toBe(POSITION);
  });

  it('stays short: the position and a 16-character tag', () => {
    expect(signCursor(LEDGER, POSITION).length).toBe(Buffer.from(POSITION).toString('base64url').length + 17);
  });

  it.each([
    ['another partner', { ...LEDGER, listing: 'PARTNER#p-2#LEDGER' }],
    ['another list of the partner', { ...LEDGER, listing: 'PARTNER#p-1#INVOICE' }],
    ['another deployment', { ...LEDGER, key: Buffer.alloc(32, 2) }],
  ])('refuses a cursor of %s', (_, scope) => {
    expect(() => verifyCursor(scope, signCursor(LEDGER, POSITION))).toThrow(InvalidCursorError);
  });

  it.each([
    ['the old unsigned form', Buffer.from(`v1:${POSITION}`).toString('base64url')],
    ['a position without its tag', Buffer.from(POSITION).toString('base64url')],
    ['another position under the tag', `${Buffer.from('9999').toString('base64url')}.${SIGNED.split('.')[1]}`],
    ['a tag one character off', `${SIGNED.slice(0, -1)}${SIGNED.endsWith('A') ? 'B' : 'A'}`],
    ['3,000 characters', `${'A'.repeat(2_983)}.${'A'.repeat(16)}`],
    ['an empty string', ''],
    ['v1:0', 'v1:0'],
  ])('refuses %s', (_, cursor) => {
    expect(() => verifyCursor(LEDGER, cursor)).toThrow(InvalidCursorError);
  });
});
