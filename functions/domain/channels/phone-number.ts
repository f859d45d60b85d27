/**
 * Hosted numbers are E.164 (`+` and up to 15 digits, no leading 0 in the country code).
 * Numbers of the regions in docs/contract.md §8 are refused. Country codes are prefix-free,
 * so a prefix match is exact: `+53…` is always Cuba, while `+96…` is Syria only as `+963`.
 */
import { DomainError } from '../errors';

/** An E.164 number as this service hosts it: every schema checks a number with this pattern. */
export const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;
export const E164_RULE = 'must be an E.164 number such as +4915112345678';

export const BLOCKED_REGIONS: readonly { readonly prefix: string; readonly region: string }[] = [
  { prefix: '+7978', region: 'Crimea' },
  { prefix: '+7856', region: 'Donetsk' },
  { prefix: '+7857', region: 'Luhansk' },
  { prefix: '+53', region: 'Cuba' },
  { prefix: '+98', region: 'Iran' },
  { prefix: '+850', region: 'North Korea' },
  { prefix: '+963', region: 'Syria' },
];

export class InvalidPhoneNumberError extends DomainError {
  readonly code = 'invalid-phone-number';
}

export class BlockedRegionError extends DomainError {
  readonly code = 'blocked-region';

  constructor(
    readonly phoneNumber: string,
    readonly region: string,
  ) {
    super(`${phoneNumber} is a number of ${region}, where hosting numbers is not allowed`);
  }
}

/** Refuses what cannot be a number at all, before it is looked up. */
export function assertE164(phoneNumber: string): string {
  if (!E164_PATTERN.test(phoneNumber)) {
    const shown = phoneNumber.length > 40 ? `${phoneNumber.slice(0, 40)}...` : phoneNumber;
    throw new InvalidPhoneNumberError(
      `"${shown}" is not an E.164 number: write it as + and 7 to 15 digits, e.g. +4915112345678`,
    );
  }
  return phoneNumber;
}

export function assertHostableNumber(phoneNumber: string): string {
  assertE164(phoneNumber);
  const blocked = BLOCKED_REGIONS.find((region) => phoneNumber.startsWith(region.prefix));
  if (blocked !== undefined) throw new BlockedRegionError(phoneNumber, blocked.region);
  return phoneNumber;
}
