/**
 * How the month figures (functions/domain/statements/month-figures.ts) are stored: one
 * number attribute per figure, so a posting adds to them with `ADD` and no read, and no
 * map has to exist first (docs/data-model.md, "Month figures").
 *
 * A figure is named `{dimension}:{key}:{measure}`: dimension `u` usage by category, `c`
 * usage by channel, `k` movements by kind; measure `n` the count, `a` the amount in
 * micro-units (usage as its positive cost, movements signed). On the partner item, where
 * the postings of a month add to them until the daily run closes the month, each name
 * starts with the month (`2026-11:u:marketing:a`); the month's item holds them without it.
 * The partner item also holds, per open month, `{month}:cs`, the set of channels whose
 * figures it keeps (at most INLINE_CHANNELS), and `{month}:due` once the month is on its
 * shard's list of months to close.
 */
import type { LedgerEntry } from '../../domain/ledger';
import { type Month, monthOf } from '../../domain/month';
import { type MonthFigures, type MovementKind, type Tally, tallyOf } from '../../domain/statements/month-figures';
import type { UsageCategory } from '../../domain/usage/usage-event';
import type { Item } from './items';

/**
 * Channels whose figures the partner item keeps per month; the usage of further channels
 * goes to an item per channel. Most partners use a few numbers, and their figures then
 * ride on the write every debit makes anyway; a few channels keep the item under 1 KB.
 */
export const INLINE_CHANNELS = 4;

type Dimension = 'u' | 'c' | 'k';
type Measure = 'n' | 'a';

/** One figure to add to: its attribute name and how much. */
export interface FigureAdd {
  readonly name: string;
  readonly value: number;
}

const MONTH_PREFIX = /^([0-9]{4}-(?:0[1-9]|1[0-2])):/;

export function figureName(month: Month | undefined, dimension: Dimension, key: string, measure: Measure): string {
  return `${month === undefined ? '' : `${month}:`}${dimension}:${key}:${measure}`;
}

/** The partner item's set of channels whose figures it keeps in `month`. */
export const inlineChannelsName = (month: Month): string => `${month}:cs`;

/** Present on the partner item once `month` is on its shard's list of months to close. */
export const dueMarkName = (month: Month): string => `${month}:due`;

function tallyAdds(month: Month | undefined, dimension: Dimension, key: string, tally: Tally): FigureAdd[] {
  return [
    { name: figureName(month, dimension, key, 'n'), value: tally.count },
    { name: figureName(month, dimension, key, 'a'), value: tally.amount },
  ];
}

/** What a posting other than usage adds to its month's figures: one posting of its kind. */
export function movementAdds(entry: LedgerEntry): FigureAdd[] {
  if (entry.kind === 'usage') throw new RangeError('usage adds to its categories and channels, not to a kind');
  return tallyAdds(monthOf(entry.postedAt), 'k', entry.kind, { count: 1, amount: entry.amount });
}

export function categoryAdds(month: Month | undefined, category: UsageCategory, tally: Tally): FigureAdd[] {
  return tallyAdds(month, 'u', category, tally);
}

export function channelAdds(month: Month | undefined, channelId: string, tally: Tally): FigureAdd[] {
  return tallyAdds(month, 'c', channelId, tally);
}

/** Every figure of `figures`, as adds: for moving a month's figures off the partner item. */
export function figureAdds(month: Month | undefined, figures: MonthFigures): FigureAdd[] {
  return [
    ...[...figures.usageByCategory].flatMap(([category, tally]) => categoryAdds(month, category, tally)),
    ...[...figures.usageByChannel].flatMap(([channel, tally]) => channelAdds(month, channel, tally)),
    ...[...figures.movementsByKind].flatMap(([kind, tally]) => tallyAdds(month, 'k', kind, tally)),
  ];
}

/**
 * The `ADD` clauses, names and values of some figures, under placeholders of their own
 * (`#fig0`, `:fig0`, ...) so they sit beside any other part of an update expression.
 */
export function addClauses(adds: readonly FigureAdd[]): {
  readonly clauses: readonly string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const clauses = adds.map((add, index) => {
    names[`#fig${index}`] = add.name;
    values[`:fig${index}`] = add.value;
    return `#fig${index} :fig${index}`;
  });
  return { clauses, names, values };
}

/** Figures as the attributes of an item being put whole. */
export function figureItem(adds: readonly FigureAdd[]): Record<string, number> {
  return Object.fromEntries(adds.map((add) => [add.name, add.value]));
}

/** The months whose figures an item holds under a month prefix (the partner item), oldest first. */
export function monthsOn(item: Item): Month[] {
  const months = new Set<string>();
  for (const name of Object.keys(item)) {
    const match = MONTH_PREFIX.exec(name);
    if (match?.[1] !== undefined) months.add(match[1]);
  }
  return [...months].sort() as Month[];
}

/** Every attribute of `month` on the partner item: its figures, its channel set and its due mark. */
export function monthAttributes(item: Item, month: Month): string[] {
  return Object.keys(item).filter((name) => name.startsWith(`${month}:`));
}

/**
 * The figures an item holds: under `month`'s prefix on the partner item, or without a
 * prefix on the month's own item. Attributes of other kinds are left alone.
 */
export function figuresOn(item: Item, month?: Month): MonthFigures {
  const prefix = month === undefined ? '' : `${month}:`;
  const counts = new Map<string, { n?: number; a?: number }>();
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    // The key may hold colons; the dimension and the measure never do.
    const match = /^([uck]):(.+):([na])$/.exec(rest);
    if (match === null) continue;
    const [, dimension, key, measure] = match as unknown as [string, Dimension, string, Measure];
    const figure = `${dimension}:${key}`;
    counts.set(figure, { ...counts.get(figure), [measure]: value as number });
  }
  const usageByCategory = new Map<UsageCategory, Tally>();
  const usageByChannel = new Map<string, Tally>();
  const movementsByKind = new Map<MovementKind, Tally>();
  for (const [figure, { n = 0, a = 0 }] of counts) {
    const separator = figure.indexOf(':');
    const dimension = figure.slice(0, separator);
    const key = figure.slice(separator + 1);
    const tally = tallyOf(n, a);
    if (dimension === 'u') usageByCategory.set(key as UsageCategory, tally);
    else if (dimension === 'c') usageByChannel.set(key, tally);
    else movementsByKind.set(key as MovementKind, tally);
  }
  return { usageByCategory, usageByChannel, movementsByKind };
}
