/** A FaultInjector that crashes at the named points it is armed for, as often as it is told. */
import { FaultInjector } from '../../functions/domain/ports';

export class InjectedCrash extends Error {
  constructor(readonly point: string) {
    super(`injected crash at ${point}`);
  }
}

export class FaultSwitch implements FaultInjector {
  private readonly armed = new Map<string, number>();
  readonly hits: string[] = [];

  /** Crash the next `times` times the point is reached (Infinity: every time). */
  arm(point: string, times = 1): void {
    this.armed.set(point, times);
  }

  disarm(): void {
    this.armed.clear();
  }

  reached(point: string): void {
    const remaining = this.armed.get(point) ?? 0;
    if (remaining <= 0) return;
    this.armed.set(point, remaining - 1);
    this.hits.push(point);
    throw new InjectedCrash(point);
  }
}
