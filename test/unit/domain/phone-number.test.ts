import {
  BLOCKED_REGIONS,
  BlockedRegionError,
  InvalidPhoneNumberError,
  assertHostableNumber,
} from '../../../functions/domain/channels/phone-number';

describe('Function: assertHostableNumber', () => {
  it.each([
    ['+79781234567', 'Crimea'],
    ['+78561234567', 'Donetsk'],
    ['+78571234567', 'Luhansk'],
    ['+5351234567', 'Cuba'],
    ['+5399123456', 'Cuba'],
    ['+989121234567', 'Iran'],
    ['+8502123456', 'North Korea'],
    ['+963111234567', 'Syria'],
  ])('refuses %s, a number of %s', (phoneNumber, region) => {
    expect(() => assertHostableNumber(phoneNumber)).toThrow(BlockedRegionError);
    expect(() => assertHostableNumber(phoneNumber)).toThrow(region);
  });

  it('has a refusing case above for every blocked prefix', () => {
    expect(BLOCKED_REGIONS.map((region) => region.prefix).sort()).toEqual(
      ['+53', '+7856', '+7857', '+7978', '+850', '+963', '+98'].sort(),
    );
  });

  it.each([
    ['+74951234567', 'Moscow'],
    ['+79161234567', 'a Russian mobile'],
    ['+78551234567', 'Russia, +7855 is not Donetsk'],
    ['+966501234567', 'Saudi Arabia, +96 but not +963'],
    ['+9611234567', 'Lebanon'],
    ['+97150123456', 'the UAE'],
    ['+8521234567', 'Hong Kong, +85 but not +850'],
    ['+5211234567890', 'Mexico, +5 but not +53'],
    ['+9123456789', 'India, +9 but not +98'],
    ['+4915112345678', 'Germany'],
    ['+14155552671', 'the US'],
  ])('accepts %s (%s)', (phoneNumber) => {
    expect(assertHostableNumber(phoneNumber)).toBe(phoneNumber);
  });

  it.each(['4915112345678', '+04915112345678', '+49 151 12345678', '+4915112345678901', '+123', '', '+49-151-1234'])(
    'refuses "%s", which is not E.164',
    (phoneNumber) => {
      expect(() => assertHostableNumber(phoneNumber)).toThrow(InvalidPhoneNumberError);
    },
  );
});
