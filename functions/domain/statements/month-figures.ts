/**
 * A partner's figures of one UTC month, kept up to date by the write that moves its
 * balance (docs/data-model.md, "Month figures"): usage by category and by channel
 * (conversations and their cost), and every other movement by kind (postings and their
 * signed amount). A statement or a reconciliation reads a month from these few figures,
 * whatever the month's number of events.
 */
import type { EntryKind } from '../ledger';
import { type Currency, type Micros, ZERO, add, micros, negate, subtract, sum } from '../money';
import type { Month } from '../month';
import type { UsageCategory } from '../usage/usage-event';

/** How many, and how much. */
export interface Tally {
  readonly count: number;
  readonly amount: Micros;
}

/** Every ledger kind but usage, which the figures hold by category and channel instead. */
export type MovementKind = Exclude<EntryKind, 'usage'>;

export interface MonthFigures {
  /** Conversations and their cost (positive), by category. */
  readonly usageByCategory: ReadonlyMap<UsageCategory, Tally>;
  /** Conversations and their cost (positive), by channel. */
  readonly usageByChannel: ReadonlyMap<string, Tally>;
  /** Postings and their amount, signed as in the ledger (credits positive), by kind. */
  readonly movementsByKind: ReadonlyMap<MovementKind, Tally>;
}

export const NO_FIGURES: MonthFigures = {
  usageByCategory: new Map(),
  usageByChannel: new Map(),
  movementsByKind: new Map(),
};

export function addTallies(a: Tally, b: Tally): Tally {
  return { count: a.count + b.count, amount: add(a.amount, b.amount) };
}

export const NO_TALLY: Tally = { count: 0, amount: ZERO };

function mergeMaps<K>(a: ReadonlyMap<K, Tally>, b: ReadonlyMap<K, Tally>): Map<K, Tally> {
  const merged = new Map(a);
  for (const [key, tally] of b) merged.set(key, addTallies(merged.get(key) ?? NO_TALLY, tally));
  return merged;
}

/** The figures of two parts of one month (e.g. a closed month and postings it met after). */
export function addFigures(a: MonthFigures, b: MonthFigures): MonthFigures {
  return {
    usageByCategory: mergeMaps(a.usageByCategory, b.usageByCategory),
    usageByChannel: mergeMaps(a.usageByChannel, b.usageByChannel),
    movementsByKind: mergeMaps(a.movementsByKind, b.movementsByKind),
  };
}

/** All the month's conversations and their cost: the estimate a reconciliation compares. */
export function usageTotal(figures: MonthFigures): Tally {
  return [...figures.usageByCategory.values()].reduce(addTallies, NO_TALLY);
}

/** What the month moved the balance by: every movement, less the cost of usage. */
export function netMovement(figures: MonthFigures): Micros {
  const movements = sum([...figures.movementsByKind.values()].map((tally) => tally.amount));
  return add(movements, negate(usageTotal(figures).amount));
}

export function hasFigures(figures: MonthFigures): boolean {
  return figures.usageByCategory.size + figures.usageByChannel.size + figures.movementsByKind.size > 0;
}

/**
 * Where a month stands for a partner: `open` while its figures may still move (the month
 * is not over, or the daily run has not closed it yet), `closed` once the daily run after
 * the month's last cut-off has closed it (its statement can be read, `StatementReady`),
 * `quiet` when nothing moved the balance in the month.
 */
export type MonthState = 'open' | 'closed' | 'quiet';

/** A partner's month as its figures tell it. */
export interface MonthBook {
  readonly partnerId: string;
  readonly currency: Currency;
  readonly month: Month;
  readonly state: MonthState;
  readonly figures: MonthFigures;
  /** The balance at the end of the month (for an open month: now). */
  readonly closing: Micros;
}

/** The balance at the start of the month: the previous month's closing. */
export function openingOf(book: MonthBook): Micros {
  return subtract(book.closing, netMovement(book.figures));
}

/** A tally read back from storage, refusing what is not an exact count and amount. */
export function tallyOf(count: number, amount: number): Tally {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`a count must be a whole number, got ${count}`);
  return { count, amount: micros(amount) };
}
