import { parseMonth } from '../../../functions/domain/month';
import { MAX_CATCH_UP_MONTHS, monthsToRun } from '../../../functions/domain/monthly/monthly-run';

const months = (...texts: string[]) => texts.map(parseMonth);

describe('Function: monthsToRun', () => {
  it('runs the month alone on the first run, and after the month before it completed', () => {
    expect(monthsToRun(undefined, parseMonth('2026-12'))).toEqual(months('2026-12'));
    expect(monthsToRun(parseMonth('2026-11'), parseMonth('2026-12'))).toEqual(months('2026-12'));
  });

  it('catches up every month whose run never completed since the last one that did, oldest first, across a year', () => {
    expect(monthsToRun(parseMonth('2026-10'), parseMonth('2027-02'))).toEqual(
      months('2026-11', '2026-12', '2027-01', '2027-02'),
    );
  });

  it('runs the month alone when it or a later month completed already (a month run again by hand)', () => {
    expect(monthsToRun(parseMonth('2026-12'), parseMonth('2026-12'))).toEqual(months('2026-12'));
    expect(monthsToRun(parseMonth('2027-03'), parseMonth('2026-12'))).toEqual(months('2026-12'));
  });

  it(`catches up at most ${MAX_CATCH_UP_MONTHS} months, the month itself included`, () => {
    const caughtUp = monthsToRun(parseMonth('2020-01'), parseMonth('2026-12'));

    expect(caughtUp).toHaveLength(MAX_CATCH_UP_MONTHS);
    expect(caughtUp[0]).toBe('2026-01');
    expect(caughtUp.at(-1)).toBe('2026-12');
  });
});
