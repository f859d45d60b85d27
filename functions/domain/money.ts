/**
 * Exact money. Amounts are integers of micro-units (10^-6 of the currency) held in a
 * branded `number`: every value is checked to be a safe integer (|x| < 2^53, i.e. about
 * 9 billion currency units), so no arithmetic can silently lose precision.
 *
 * The money range (docs/contract.md §2): a single amount on the wire is at most
 * MAX_AMOUNT, a balance at most MAX_BALANCE either side of 0, a card charge at most
 * MAX_CARD_TOTAL. Inside that range no sum this system makes can leave the safe integers:
 * a balance plus any movement is below 2 * MAX_BALANCE, and a whole usage transaction
 * (98 events of MAX_AMOUNT) is below MAX_BALANCE.
 */
import { AmountOutOfRangeError, CurrencyMismatchError, InvalidAmountError, UnsupportedCurrencyError } from './errors';

export type Micros = number & { readonly __brand: 'Micros' };

export const CURRENCIES = ['EUR', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

export interface Money {
  readonly amount: Micros;
  readonly currency: Currency;
}

export const MICROS_PER_UNIT = 1_000_000;
export const MICROS_PER_CENT = 10_000;
/** The card fee is 4% of the credited amount, billed on top. */
const CARD_FEE_PERCENT = 4;
/** The card fee's line on an invoice. */
export const CARD_FEE_DESCRIPTION = `Card fee (${CARD_FEE_PERCENT}%)`;

/** The largest amount one field on the wire may hold: 10,000,000.00. */
export const MAX_AMOUNT = micros(10_000_000 * MICROS_PER_UNIT);
/** The largest balance, either side of 0: 1,000,000,000.00. Checked where a balance is written. */
export const MAX_BALANCE = micros(1_000_000_000 * MICROS_PER_UNIT);
/** The largest card charge: Stripe's 99,999,999 minor units, 999,999.99. */
export const MAX_CARD_TOTAL = micros(99_999_999 * MICROS_PER_CENT);

/** Wire format of docs/contract.md §2: optional minus, integer part, 2 to 6 fraction digits. */
const AMOUNT_PATTERN = /^(-?)(0|[1-9][0-9]*)\.([0-9]{2,6})$/;

export const ZERO = micros(0);

/** Wraps an integer count of micro-units, refusing anything that is not exact. */
export function micros(value: number): Micros {
  if (!Number.isSafeInteger(value)) {
    throw new AmountOutOfRangeError(`${value} is not a safe integer number of micro-units`);
  }
  // -0 and 0 must not be told apart by anything downstream (Object.is, JSON).
  return (value === 0 ? 0 : value) as Micros;
}

/**
 * Reads a wire amount. `limit` is MAX_AMOUNT for a single amount; a field that carries a
 * total of many (a month's upstream invoice) may go to MAX_BALANCE.
 */
export function parseAmount(text: string, limit: Micros = MAX_AMOUNT): Micros {
  if (typeof text !== 'string' || text.length === 0) {
    throw new InvalidAmountError('amount is empty; expected a decimal string such as "0.0625" or "380.00"');
  }
  const match = AMOUNT_PATTERN.exec(text);
  if (match === null) {
    throw new InvalidAmountError(describeBadAmount(text));
  }
  const [, sign = '', whole = '0', fraction = ''] = match;
  // A long integer part is out of range before Number() could round it; below 11 digits
  // any rounding is far above every limit, so the comparison stays exact.
  const magnitude = whole.length > 10 ? Infinity : Number(whole) * MICROS_PER_UNIT + Number(fraction.padEnd(6, '0'));
  if (magnitude > limit) {
    throw new AmountOutOfRangeError(
      `amount "${text}" is out of range: at most ${formatAmount(limit)} either side of 0`,
    );
  }
  return micros(sign === '-' ? -magnitude : magnitude);
}

function describeBadAmount(text: string): string {
  if (/^-?[0-9]+\.[0-9]{7,}$/.test(text)) {
    return `amount "${text}" has more than 6 fraction digits; the smallest unit is 0.000001`;
  }
  if (/[eE]/.test(text)) {
    return `amount "${text}" uses an exponent; write it as a plain decimal such as "0.0625"`;
  }
  if (/^-?[0-9]+(\.[0-9])?$/.test(text)) {
    return `amount "${text}" needs 2 to 6 fraction digits, e.g. "${text.includes('.') ? `${text}0` : `${text}.00`}"`;
  }
  return `amount "${text}" is not a decimal string with 2 to 6 fraction digits such as "0.0625" or "-20.50"`;
}

/** Canonical wire form: at least 2 and at most 6 fraction digits, trailing zeros past the cents dropped. */
export function formatAmount(amount: Micros): string {
  const magnitude = Math.abs(amount);
  const whole = Math.floor(magnitude / MICROS_PER_UNIT);
  const fraction = String(magnitude % MICROS_PER_UNIT)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${amount < 0 ? '-' : ''}${whole}.${fraction}`;
}

export function parseCurrency(code: string): Currency {
  if (!(CURRENCIES as readonly string[]).includes(code)) {
    throw new UnsupportedCurrencyError(`currency "${code}" is not supported; use one of ${CURRENCIES.join(', ')}`);
  }
  return code as Currency;
}

/** Parses an amount on the wire that must be in the partner's contract currency. */
export function parseMoney(wire: { amount: string; currency: string }, contractCurrency: Currency): Money {
  const currency = parseCurrency(wire.currency);
  if (currency !== contractCurrency) {
    throw new CurrencyMismatchError(contractCurrency, currency);
  }
  return { amount: parseAmount(wire.amount), currency };
}

export function add(a: Micros, b: Micros): Micros {
  return micros(a + b);
}

export function subtract(a: Micros, b: Micros): Micros {
  return micros(a - b);
}

export function negate(a: Micros): Micros {
  return micros(-a);
}

export function sum(amounts: Iterable<Micros>): Micros {
  let total = ZERO;
  for (const amount of amounts) total = add(total, amount);
  return total;
}

/** Nearest cent, halves away from zero ("half up" on magnitudes, as card acquirers round). */
export function roundToCentHalfUp(amount: Micros): Micros {
  const cents = floorDiv(Math.abs(amount) + MICROS_PER_CENT / 2, MICROS_PER_CENT);
  return micros(Math.sign(amount) * cents * MICROS_PER_CENT);
}

/** Smallest whole-cent amount >= `amount`: a charge that must cover a balance never falls short of it. */
export function ceilToCent(amount: Micros): Micros {
  const belowCent = amount % MICROS_PER_CENT;
  return belowCent > 0 ? micros(amount - belowCent + MICROS_PER_CENT) : micros(amount - belowCent);
}

export function isWholeCents(amount: Micros): boolean {
  return amount % MICROS_PER_CENT === 0;
}

/**
 * 4% of the credited amount, rounded half up to the cent. 4% of x micro-units in cents
 * is x / 250,000, so the rounded fee is floor((x + 125,000) / 250,000) cents: one exact
 * integer division, no intermediate product that could exceed 2^53.
 */
export function cardFee(credited: Micros): Micros {
  if (credited < 0) {
    throw new AmountOutOfRangeError('a card fee is only charged on a positive credit');
  }
  const microsPerFeeCent = (MICROS_PER_CENT * 100) / CARD_FEE_PERCENT;
  return micros(floorDiv(credited + microsPerFeeCent / 2, microsPerFeeCent) * MICROS_PER_CENT);
}

/** Exact floor division of a non-negative safe integer: `%` on integers never rounds. */
function floorDiv(dividend: number, divisor: number): number {
  return (dividend - (dividend % divisor)) / divisor;
}

/** The largest credit one card charge can carry: its total, with the fee, is MAX_CARD_TOTAL or less. */
export const MAX_CARD_CREDIT = micros(96_153_845 * MICROS_PER_CENT);

/** Card total for a credit: the credit plus its fee, both whole cents. */
export function cardTotal(credited: Micros): Micros {
  return add(credited, cardFee(credited));
}

export function toCents(amount: Micros): number {
  if (!isWholeCents(amount)) {
    throw new AmountOutOfRangeError(`${formatAmount(amount)} is not a whole number of cents`);
  }
  return amount / MICROS_PER_CENT;
}

export function compare(a: Micros, b: Micros): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
