import { scheduledJobsBetween } from '../../../local/scheduled-jobs';

const at = (iso: string) => new Date(iso);
const names = (from: string, to: string) =>
  scheduledJobsBetween(at(from), at(to)).map((job) => `${job.job} ${job.at.toISOString()}`);

describe('Function: scheduledJobsBetween', () => {
  it('fires the daily run at every 00:00 UTC after the start and up to and including the end', () => {
    expect(names('2026-11-22T05:00:00Z', '2026-11-24T00:00:00Z')).toEqual([
      'daily-run 2026-11-23T00:00:00.000Z',
      'daily-run 2026-11-24T00:00:00.000Z',
    ]);
  });

  it('does not fire again at the instant the clock already stands on', () => {
    expect(names('2026-11-23T00:00:00Z', '2026-11-23T23:59:59Z')).toEqual([]);
  });

  it('fires the monthly run after the daily run on the first of each month, across a year end', () => {
    expect(names('2026-12-31T12:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      'daily-run 2027-01-01T00:00:00.000Z',
      'monthly-run 2027-01-01T00:00:00.000Z',
    ]);
    expect(
      scheduledJobsBetween(at('2026-11-22T05:00:00Z'), at('2027-02-02T00:00:00Z'))
        .filter((job) => job.job === 'monthly-run')
        .map((job) => job.at.toISOString()),
    ).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
  });
});
