/**
 * Item sizes as DynamoDB bills them, from the marshalled (wire) form of an item: the
 * UTF-8 length of every attribute name plus the size of its value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type WireItem = Record<string, AttributeValue>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * A number takes about 1 byte per 2 significant digits plus 1; leading and trailing zeros
 * do not count.
 */
export function numberBytes(text: string): number {
  const mantissa = text.replace(/^[-+]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((total, text) => total + utf8(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((total, text) => total + numberBytes(text), 0);
  if (value.BS !== undefined) return value.BS.reduce((total, bytes) => total + bytes.byteLength, 0);
  // Lists and maps: 3 bytes of overhead, and 1 byte per element.
  if (value.L !== undefined) return 3 + value.L.reduce((total, element) => total + 1 + valueBytes(element), 0);
  if (value.M !== undefined)
    return (
      3 + Object.entries(value.M).reduce((total, [name, element]) => total + 1 + utf8(name) + valueBytes(element), 0)
    );
  return 0;
}

export function itemBytes(item: WireItem): number {
  return Object.entries(item).reduce((total, [name, value]) => total + utf8(name) + valueBytes(value), 0);
}

/** Write units of one item: 1 per started KB (a transactional write costs twice that). */
export function writeUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}
