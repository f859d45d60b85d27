import fc from 'fast-check';
import {
  MAX_AMOUNT,
  MAX_BALANCE,
  MAX_CARD_CREDIT,
  MAX_CARD_TOTAL,
  MICROS_PER_CENT,
  type Micros,
  add,
  cardFee,
  cardTotal,
  ceilToCent,
  formatAmount,
  micros,
  parseAmount,
  parseMoney,
  roundToCentHalfUp,
  subtract,
  sum,
} from '../../../functions/domain/money';
import {
  AmountOutOfRangeError,
  CurrencyMismatchError,
  InvalidAmountError,
  UnsupportedCurrencyError,
} from '../../../functions/domain/errors';

/** Any balance a partner could hold: the money range, MAX_BALANCE either way. */
const anyBalance = fc.integer({ min: -MAX_BALANCE, max: MAX_BALANCE }).map(micros);
/** Any amount a field on the wire may hold. */
const anyWireAmount = fc.integer({ min: -MAX_AMOUNT, max: MAX_AMOUNT }).map(micros);
const anyCredit = fc.integer({ min: 0, max: MAX_BALANCE }).map(micros);
/** Integers past the range's edges, where overflow and rounding would show. */
const beyondWireRange = fc.oneof(
  fc.integer({ min: MAX_AMOUNT + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER), max: 10n ** 40n }),
);

/** Reference: 4% in cents, half up, computed with BigInt so no float is involved. */
function referenceFee(credited: Micros): bigint {
  const hundredthsOfMicros = BigInt(credited) * 4n; // credited * 4 / 100 micro-units, times 100
  const oneCentInHundredths = 10_000n * 100n;
  const cents = hundredthsOfMicros / oneCentInHundredths;
  const rest = hundredthsOfMicros % oneCentInHundredths;
  return (rest * 2n >= oneCentInHundredths ? cents + 1n : cents) * 10_000n;
}

describe('Module: money', () => {
  describe('Function: parseAmount', () => {
    it.each([
      ['0.0625', 62_500],
      ['380.00', 380_000_000],
      ['-20.50', -20_500_000],
      ['0.000001', 1],
      ['-0.00', 0],
      ['1234567.891011', 1_234_567_891_011],
    ])('reads "%s" as %d micro-units', (text, expected) => {
      expect(parseAmount(text)).toBe(expected);
    });

    it.each([
      ['', /empty/],
      ['1.1234567', /more than 6 fraction digits/],
      ['1e3', /exponent/],
      ['1.5e2', /exponent/],
      ['NaN', /not a decimal string/],
      ['Infinity', /not a decimal string/],
      ['12', /2 to 6 fraction digits, e.g. "12.00"/],
      ['12.5', /2 to 6 fraction digits, e.g. "12.50"/],
      ['+1.00', /not a decimal string/],
      ['01.00', /not a decimal string/],
      ['1,00', /not a decimal string/],
      [' 1.00', /not a decimal string/],
      ['.50', /not a decimal string/],
    ])('refuses "%s" with a clear error', (text, message) => {
      expect(() => parseAmount(text)).toThrow(InvalidAmountError);
      expect(() => parseAmount(text)).toThrow(message);
    });

    it('refuses an amount beyond the exact integer range', () => {
      expect(() => parseAmount('9007199254.740993')).toThrow(AmountOutOfRangeError);
    });

    it('reads both edges of the wire range and refuses one micro-unit beyond either', () => {
      expect(parseAmount('10000000.00')).toBe(MAX_AMOUNT);
      expect(parseAmount('-10000000.000000')).toBe(-MAX_AMOUNT);
      expect(() => parseAmount('10000000.000001')).toThrow(AmountOutOfRangeError);
      expect(() => parseAmount('-10000000.000001')).toThrow(/out of range: at most 10000000.00 either side of 0/);
    });

    it('reads a total up to the balance limit when asked to, and no further', () => {
      expect(parseAmount('1000000000.00', MAX_BALANCE)).toBe(MAX_BALANCE);
      expect(() => parseAmount('1000000000.000001', MAX_BALANCE)).toThrow(/at most 1000000000.00 either side of 0/);
      expect(() => parseAmount('12000000.00')).toThrow(AmountOutOfRangeError);
    });

    it('refuses every amount beyond the wire range, however long its integer part', () => {
      fc.assert(
        fc.property(
          beyondWireRange,
          fc.boolean(),
          fc.integer({ min: 0, max: 999_999 }),
          (units, negative, fraction) => {
            const text = `${negative ? '-' : ''}${units}.${String(fraction).padStart(6, '0')}`;
            expect(() => parseAmount(text)).toThrow(AmountOutOfRangeError);
          },
        ),
      );
    });
  });

  describe('The money range', () => {
    it('adds or subtracts any movement within the range to any balance within it without leaving the exact integers', () => {
      fc.assert(
        fc.property(anyBalance, anyBalance, (balance, movement) => {
          const exact = BigInt(balance) + BigInt(movement);
          return (
            BigInt(add(balance, movement)) === exact &&
            BigInt(subtract(balance, movement)) === BigInt(balance) - BigInt(movement)
          );
        }),
      );
    });

    it('keeps the sum of a whole usage transaction (98 events) of wire amounts below the balance limit', () => {
      fc.assert(
        fc.property(fc.array(anyWireAmount, { minLength: 98, maxLength: 98 }), (amounts) => {
          const total = sum(amounts);
          return (
            BigInt(total) === amounts.reduce((exact, amount) => exact + BigInt(amount), 0n) &&
            Math.abs(total) <= MAX_BALANCE
          );
        }),
      );
    });

    it('fits the largest card credit, with its fee, in one card charge, and not a cent more', () => {
      expect(cardTotal(MAX_CARD_CREDIT)).toBeLessThanOrEqual(MAX_CARD_TOTAL);
      expect(cardTotal(micros(MAX_CARD_CREDIT + MICROS_PER_CENT))).toBeGreaterThan(MAX_CARD_TOTAL);
      expect(formatAmount(MAX_CARD_TOTAL)).toBe('999999.99');
    });

    it('computes the card total of any credit up to the balance limit exactly', () => {
      fc.assert(
        fc.property(
          anyCredit,
          (credit) =>
            BigInt(cardTotal(ceilToCent(credit))) === BigInt(ceilToCent(credit)) + referenceFee(ceilToCent(credit)),
        ),
      );
    });
  });

  describe('Function: formatAmount', () => {
    it.each([
      [62_500, '0.0625'],
      [380_000_000, '380.00'],
      [-20_500_000, '-20.50'],
      [1, '0.000001'],
      [0, '0.00'],
      [-62_500, '-0.0625'],
    ])('writes %d micro-units as "%s"', (value, expected) => {
      expect(formatAmount(micros(value))).toBe(expected);
    });

    it('round-trips every amount through its wire form', () => {
      fc.assert(fc.property(anyWireAmount, (amount) => parseAmount(formatAmount(amount)) === amount));
    });

    it('keeps the wire form canonical: formatting a parsed string gives it back when it has no padding zeros', () => {
      const canonical = anyWireAmount.map(formatAmount);
      fc.assert(fc.property(canonical, (text) => formatAmount(parseAmount(text)) === text));
    });
  });

  describe('Function: parseMoney', () => {
    it('accepts an amount in the contract currency', () => {
      expect(parseMoney({ amount: '0.0625', currency: 'EUR' }, 'EUR')).toEqual({ amount: 62_500, currency: 'EUR' });
    });

    it('refuses another currency without converting it', () => {
      expect(() => parseMoney({ amount: '1.00', currency: 'USD' }, 'EUR')).toThrow(CurrencyMismatchError);
      expect(() => parseMoney({ amount: '1.00', currency: 'USD' }, 'EUR')).toThrow(/contract currency is EUR/);
    });

    it.each(['GBP', 'eur', ''])('refuses the unsupported currency "%s"', (currency) => {
      expect(() => parseMoney({ amount: '1.00', currency }, 'EUR')).toThrow(UnsupportedCurrencyError);
    });
  });

  describe('Function: cardFee', () => {
    it('charges 4% of 300.00 as 12.00, so the card pays 312.00', () => {
      expect(formatAmount(cardFee(parseAmount('300.00')))).toBe('12.00');
      expect(formatAmount(cardTotal(parseAmount('300.00')))).toBe('312.00');
    });

    it.each([
      ['0.12', '0.00'], // 0.0048 rounds down
      ['0.13', '0.01'], // 0.0052 rounds up
      ['0.125', '0.01'], // exactly half a cent rounds up
      ['0.124999', '0.00'],
      ['380.00', '15.20'],
      ['520.00', '20.80'],
    ])('rounds the fee on %s half up to %s', (credit, fee) => {
      expect(formatAmount(cardFee(parseAmount(credit)))).toBe(fee);
    });

    it('matches an integer reference for every credit', () => {
      fc.assert(fc.property(anyCredit, (credit) => BigInt(cardFee(credit)) === referenceFee(credit)));
    });

    it('is always whole cents', () => {
      fc.assert(fc.property(anyCredit, (credit) => cardFee(credit) % 10_000 === 0));
    });
  });

  describe('Function: roundToCentHalfUp', () => {
    it('rounds to the nearest cent, halves away from zero', () => {
      fc.assert(
        fc.property(anyBalance, (amount) => {
          const exact = BigInt(amount);
          const magnitude = exact < 0n ? -exact : exact;
          const cents = (magnitude + 5_000n) / 10_000n;
          const expected = (exact < 0n ? -cents : cents) * 10_000n;
          return BigInt(roundToCentHalfUp(amount)) === expected;
        }),
      );
    });
  });

  describe('Function: ceilToCent', () => {
    it('gives the smallest whole-cent amount not below the input', () => {
      fc.assert(
        fc.property(anyBalance, (amount) => {
          const rounded = ceilToCent(amount);
          return rounded % 10_000 === 0 && rounded >= amount && rounded - amount < 10_000;
        }),
      );
    });
  });
});
