/**
 * One partner's failure is its own (docs/architecture.md, "Isolation"). A run works for
 * many partners; one whose work fails in a way no retry can change
 * (`isDeterministicFailure`) is recorded and skipped, so the partners behind it are not
 * held up, and the next run comes back to it. Any other failure is rethrown: the run's
 * work item fails and is delivered again, as for a throttled or timed-out call.
 */
import { isDeterministicFailure } from './failures';

export interface PartnerFailure {
  readonly partnerId: string;
  /** What was being done for the partner, e.g. `daily-run`, `charge-retry`, `license-fee`. */
  readonly step: string;
  readonly error: unknown;
}

export type Isolated<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: PartnerFailure };

/** Runs one partner's work: its value, or the deterministic failure it ended with. */
export async function isolate<T>(partnerId: string, step: string, work: () => Promise<T>): Promise<Isolated<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (!isDeterministicFailure(error)) throw error;
    return { ok: false, failure: { partnerId, step, error } };
  }
}

/**
 * Awaits the work of a page of partners, run in parallel. A failure (transient: `isolate`
 * took the others) is rethrown only once every partner's work has ended, so none is left
 * running behind a failed work item.
 */
export async function awaitAll<T>(works: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(works);
  const results: T[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    results.push(outcome.value);
  }
  return results;
}
