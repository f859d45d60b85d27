/** A pinned clock that tests move by hand. */
import type { Clock } from '../../functions/domain/ports';

export class TestClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date): void {
    this.current = new Date(to);
  }
}
