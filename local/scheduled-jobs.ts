/**
 * The jobs the EventBridge rules of the stack fire (lib/schedules): the daily run at every
 * 00:00 UTC and the monthly run at 00:00 UTC of each month's first day. When both fall on
 * the same instant the daily run goes first, so the month's license fees are charged on
 * top of an up-to-date day.
 */
export type ScheduledJobName = 'daily-run' | 'monthly-run';

export interface ScheduledJob {
  readonly job: ScheduledJobName;
  readonly at: Date;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Every job scheduled after `from` and at or before `to`, in the order they fire. */
export function scheduledJobsBetween(from: Date, to: Date): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  const firstMidnight = Math.floor(from.getTime() / DAY_MS) * DAY_MS + DAY_MS;
  for (let time = firstMidnight; time <= to.getTime(); time += DAY_MS) {
    const at = new Date(time);
    jobs.push({ job: 'daily-run', at });
    if (at.getUTCDate() === 1) jobs.push({ job: 'monthly-run', at });
  }
  return jobs;
}
