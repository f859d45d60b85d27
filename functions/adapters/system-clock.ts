/** The wall clock, as used in AWS; tests and the local runtime pass their own clocks. */
import type { Clock } from '../domain/ports';

export const systemClock: Clock = { now: () => new Date() };
