/**
 * Crashes the handlers at the fault points of their ports (`<port>.<method>:before` and
 * `:after`, see test/support/faulty-ports.ts) by chance, but a chance that depends only on
 * the seed, the step, the point and how often the point was reached in the step: not on
 * the order in which concurrent invocations reach it. So a seed replays the same crashes,
 * and the figures count them by point.
 */
import { InjectedCrash } from '../support/fault-switch';
import type { FaultPoints } from '../support/faulty-ports';
import { chanceOf } from './prng';

export class RandomFaults implements FaultPoints {
  private step = 0;
  private readonly reachedInStep = new Map<string, number>();
  readonly reachedTotal = new Map<string, number>();
  readonly injected = new Map<string, number>();
  private enabled = true;

  /** `name` tells apart injectors of concurrent invocations, each with its own sequence of reaches. */
  constructor(
    private readonly seed: number,
    private readonly rate: number,
    private readonly name: string,
  ) {}

  beginStep(step: number): void {
    this.step = step;
    this.reachedInStep.clear();
  }

  /** The final drain runs without faults, as a system does once the weather clears. */
  disable(): void {
    this.enabled = false;
  }

  reached(point: string): void {
    const index = this.reachedInStep.get(point) ?? 0;
    this.reachedInStep.set(point, index + 1);
    this.reachedTotal.set(point, (this.reachedTotal.get(point) ?? 0) + 1);
    if (!this.enabled || chanceOf(`${this.seed}/${this.name}/${this.step}/${point}/${index}`) >= this.rate) return;
    this.injected.set(point, (this.injected.get(point) ?? 0) + 1);
    throw new InjectedCrash(point);
  }
}
