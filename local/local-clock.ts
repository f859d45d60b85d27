/**
 * The local runtime's test clock (like Stripe's test clocks): it stands still until it is
 * advanced, and every handler reads the time from it. It is kept in a file next to the
 * data, so a restart finds the data and the time they were written at together. What
 * happens "when the clock next moves" (a dispute the sandbox's test card holds) listens to it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Clock } from '../functions/domain/ports';

/** A year and a day: every daily run on the way is run, so one advance stays bounded. */
export const MAX_ADVANCE_DAYS = 366;

export class ClockAdvanceRefused extends Error {
  constructor(
    readonly code: 'clock-cannot-go-back' | 'advance-too-far',
    message: string,
  ) {
    super(message);
  }
}

export class LocalClock implements Clock {
  private readonly listeners: (() => void)[] = [];

  private constructor(
    private readonly file: string,
    private current: Date,
  ) {}

  /** The clock saved in `file`, or a new one at `initial` when there is none yet. */
  static open(file: string, initial: Date): LocalClock {
    const saved = readSaved(file);
    const clock = new LocalClock(file, saved ?? initial);
    if (saved === undefined) clock.save();
    return clock;
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date): void {
    this.current = new Date(to);
    this.save();
    for (const listener of this.listeners) listener();
  }

  /** `listener` is called each time the clock is set, once the new time is saved. */
  onSet(listener: () => void): void {
    this.listeners.push(listener);
  }

  private save(): void {
    // Written aside and renamed over, so a crash never leaves half a file.
    const next = `${this.file}.next`;
    writeFileSync(next, `${JSON.stringify({ now: this.current.toISOString() })}\n`);
    renameSync(next, this.file);
  }
}

function readSaved(file: string): Date | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const now = new Date((JSON.parse(text) as { now?: unknown }).now as string);
  if (Number.isNaN(now.getTime()))
    throw new Error(`${file} does not hold a clock time; delete it to start the clock from the system time`);
  return now;
}
