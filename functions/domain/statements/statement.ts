/**
 * A partner's monthly statement (docs/contract.md §15), the pure part: the month's book
 * (opening, figures, closing), the balance at the end of each day as the daily run
 * published it, and, off the balance, the month's card charges with their fees and the
 * license fees. Closing − opening is the month's net movement, to the micro-unit.
 */
import { type Day, type Snapshot, dayOf } from '../daily/daily-run-ports';
import { type Currency, type Micros, ZERO, add, sum } from '../money';
import { type Month, monthRange } from '../month';
import type { Invoice } from '../recharge/charge-attempt';
import type { UsageCategory } from '../usage/usage-event';
import { type MonthBook, type MovementKind, type Tally, netMovement, openingOf, usageTotal } from './month-figures';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The balance at the end of a day: as of the next day's 00:00 UTC cut-off. */
export interface DailyBalance {
  readonly day: Day;
  readonly balance: Micros;
  /** False where the daily run published nothing for the day's end: nothing had moved, so it is the day before's. */
  readonly published: boolean;
}

/** One card charge of the month, off the balance: what it credited, the license fee it paid, its card fee. */
export interface CardCharge {
  readonly invoiceId: string;
  readonly issuedAt: Date;
  /** `credit` (a recharge or the opening charge), `top-up`, or `license-fee`. */
  readonly purpose: 'credit' | 'top-up' | 'license-fee';
  /** The balance it credited (0 for a license fee). */
  readonly credited: Micros;
  /** The license fee it paid (0 for a credit). */
  readonly licenseFee: Micros;
  readonly cardFee: Micros;
  /** What the card was charged: the credit or the license fee, plus the card fee. */
  readonly total: Micros;
}

export interface Statement {
  readonly partnerId: string;
  readonly currency: Currency;
  readonly period: Month;
  /** The balance at the start of the month: the previous month's closing. */
  readonly opening: Micros;
  readonly closing: Micros;
  /** Closing − opening: every movement of the month, less its usage. */
  readonly netMovement: Micros;
  readonly usage: {
    readonly total: Tally;
    readonly byCategory: readonly (readonly [UsageCategory, Tally])[];
    readonly byChannel: readonly (readonly [string, Tally])[];
  };
  readonly movements: readonly (readonly [MovementKind, Tally])[];
  readonly dailyBalances: readonly DailyBalance[];
  readonly cardCharges: readonly CardCharge[];
  /** Totals of the card charges: credited, license fees, card fees, charged. */
  readonly charged: {
    readonly credited: Micros;
    readonly licenseFees: Micros;
    readonly cardFees: Micros;
    readonly total: Micros;
  };
}

/** The days of the month, first to last. */
export function daysOf(month: Month): Day[] {
  const { start, end } = monthRange(month);
  const days: Day[] = [];
  for (let time = start.getTime(); time < end.getTime(); time += DAY_MS) days.push(dayOf(new Date(time)));
  return days;
}

/**
 * The end-of-day balances: the snapshot of the next day's cut-off where the daily run
 * published one, else the day before's (nothing moved that the run had to publish). The
 * month's last day ends at the closing balance, which the month's close kept.
 */
export function dailyBalances(book: MonthBook, snapshots: readonly Snapshot[]): DailyBalance[] {
  const byCutoff = new Map(snapshots.map((snapshot) => [snapshot.day, snapshot.balance]));
  const days = daysOf(book.month);
  let balance = openingOf(book);
  return days.map((day, index) => {
    if (index === days.length - 1) return { day, balance: book.closing, published: byCutoff.has(nextDay(day)) };
    const published = byCutoff.get(nextDay(day));
    if (published !== undefined) balance = published;
    return { day, balance, published: published !== undefined };
  });
}

function nextDay(day: Day): Day {
  return dayOf(new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS));
}

export function cardChargeOf(invoice: Invoice): CardCharge {
  const amountOf = (kinds: readonly string[]) =>
    sum(invoice.lines.filter((line) => kinds.includes(line.kind)).map((line) => line.amount));
  const licenseFee = amountOf(['license-fee']);
  const topUp = invoice.lines.some((line) => line.kind === 'top-up');
  return {
    invoiceId: invoice.invoiceId,
    issuedAt: invoice.issuedAt,
    purpose: licenseFee > 0 ? 'license-fee' : topUp ? 'top-up' : 'credit',
    credited: amountOf(['credit', 'top-up']),
    licenseFee,
    cardFee: amountOf(['card-fee']),
    total: invoice.total,
  };
}

const byKey = <K extends string>(entries: Iterable<readonly [K, Tally]>) =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function buildStatement(
  book: MonthBook,
  snapshots: readonly Snapshot[],
  invoices: readonly Invoice[],
): Statement {
  const cardCharges = invoices
    .map(cardChargeOf)
    .sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime() || (a.invoiceId < b.invoiceId ? -1 : 1));
  const total = (pick: (charge: CardCharge) => Micros) => cardCharges.map(pick).reduce(add, ZERO);
  return {
    partnerId: book.partnerId,
    currency: book.currency,
    period: book.month,
    opening: openingOf(book),
    closing: book.closing,
    netMovement: netMovement(book.figures),
    usage: {
      total: usageTotal(book.figures),
      byCategory: byKey(book.figures.usageByCategory),
      byChannel: byKey(book.figures.usageByChannel),
    },
    movements: byKey(book.figures.movementsByKind),
    dailyBalances: dailyBalances(book, snapshots),
    cardCharges,
    charged: {
      credited: total((charge) => charge.credited),
      licenseFees: total((charge) => charge.licenseFee),
      cardFees: total((charge) => charge.cardFee),
      total: total((charge) => charge.total),
    },
  };
}
