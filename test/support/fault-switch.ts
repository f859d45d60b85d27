/**
 * Fault points for a test: crashes the port calls it is armed for, as often as it is
 * told. Points are named `<port>.<method>:before` or `:after` (see faulty-ports.ts), e.g.
 * `attempts.settleSucceeded:after`: the settlement committed, its caller crashed.
 */
import type { FaultPoints } from './faulty-ports';

export class InjectedCrash extends Error {
  constructor(readonly point: string) {
    super(`injected crash at ${point}`);
  }
}

const POINT = /^[A-Za-z]+\.[A-Za-z]+:(before|after)$/;

export class FaultSwitch implements FaultPoints {
  private readonly armed = new Map<string, number>();
  readonly hits: string[] = [];

  /** Crash the next `times` times the point is reached (Infinity: every time). */
  arm(point: string, times = 1): void {
    if (!POINT.test(point)) throw new Error(`fault point "${point}" is not <port>.<method>:before or :after`);
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
