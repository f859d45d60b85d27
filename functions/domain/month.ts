/**
 * Calendar months in UTC, as used by reconciliation and the monthly license fee: a month
 * is written `YYYY-MM` and runs from 00:00 UTC of its first day (inclusive) to 00:00 UTC
 * of the next month's first day (exclusive).
 */
import { DomainError } from './errors';

/** A UTC month, `YYYY-MM`. */
export type Month = string & { readonly __brand: 'Month' };

export interface MonthRange {
  /** 00:00 UTC of the first day: the first instant of the month. */
  readonly start: Date;
  /** 00:00 UTC of the next month's first day: the first instant after the month. */
  readonly end: Date;
}

export class InvalidPeriodError extends DomainError {
  readonly code = 'invalid-period';
}

/** `YYYY-MM`: a year and a month 01 to 12. */
export const MONTH_PATTERN = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

export function parseMonth(text: string): Month {
  if (typeof text !== 'string' || !MONTH_PATTERN.test(text)) {
    throw new InvalidPeriodError(`period "${text}" is not a month written YYYY-MM, such as "2026-11"`);
  }
  return text as Month;
}

/** The UTC month a moment belongs to. */
export function monthOf(time: Date): Month {
  return time.toISOString().slice(0, 7) as Month;
}

export function monthRange(month: Month): MonthRange {
  const [, year = '', monthNumber = ''] = MONTH_PATTERN.exec(month) ?? [];
  const start = new Date(Date.UTC(Number(year), Number(monthNumber) - 1, 1));
  const end = new Date(Date.UTC(Number(year), Number(monthNumber), 1));
  return { start, end };
}

/** True once the month is over at `now`: nothing can be posted into it any more. */
export function isClosed(month: Month, now: Date): boolean {
  return monthRange(month).end.getTime() <= now.getTime();
}

/** "November 2026": for invoice lines and memos. */
export function monthName(month: Month): string {
  const start = monthRange(month).start;
  return `${MONTH_NAMES[start.getUTCMonth()] ?? ''} ${start.getUTCFullYear()}`;
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
