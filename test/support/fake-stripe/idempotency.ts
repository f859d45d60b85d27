/**
 * Stripe's idempotency keys, for every POST: the first answer of a request that ran is kept
 * under its key and replayed to any request with that key; the key with another endpoint or
 * other parameters is an `idempotency_error`. A request refused before it ran keeps nothing.
 */
import { type Answer, type Params, Refusal } from './wire';

interface StoredAnswer extends Answer {
  readonly path: string;
  readonly fingerprint: string;
}

export class IdempotentAnswers {
  private readonly answers = new Map<string, StoredAnswer>();

  run(key: string | undefined, path: string, params: Params, execute: () => Answer): Answer & { replayed: boolean } {
    const fingerprint = JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const stored = key === undefined ? undefined : this.answers.get(key);
    if (stored !== undefined) {
      if (stored.path !== path || stored.fingerprint !== fingerprint) {
        return {
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          },
          replayed: false,
        };
      }
      return { status: stored.status, body: stored.body, replayed: true };
    }
    let answer: Answer;
    try {
      answer = execute();
    } catch (error) {
      if (error instanceof Refusal) return { ...error.answer, replayed: false };
      throw error;
    }
    if (key !== undefined) this.answers.set(key, { ...answer, path, fingerprint });
    return { ...answer, replayed: false };
  }

  /** Stripe forgets keys after 24 hours: a replay then runs the request again. */
  forget(): void {
    this.answers.clear();
  }
}
