/**
 * The HTTP API as the simulator's operators and partners call it: the production API
 * handler, with a 5xx retried as a client would (the API says it is safe to), so the
 * answer that counts is the one the request deserves once the faults let it through.
 */
import { lambdaContext } from '../../local/lambda-context';
import { jsonRequest } from '../support/api-harness';
import type { SimWorld } from './sim-world';

/** A client gives up after this many 5xx in a row; the faults never come close. */
export const MAX_API_TRIES = 25;

export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class SimulatedApi {
  calls = 0;
  retries = 0;

  constructor(private readonly world: SimWorld) {}

  async call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    for (let tries = 1; ; tries += 1) {
      this.calls += 1;
      const result = await this.world.handlers.api(jsonRequest(method, path, body), lambdaContext('api'));
      if (result.statusCode < 500)
        return {
          status: result.statusCode,
          body: result.body === '' ? {} : (JSON.parse(result.body) as Record<string, unknown>),
        };
      if (tries >= MAX_API_TRIES)
        throw new Error(`${method} ${path} kept failing with ${result.statusCode}: ${result.body}`);
      this.retries += 1;
    }
  }
}

/** Throws unless the API answered one of the statuses the request deserves. */
export function expectStatus(status: number, expected: readonly number[], what: string): void {
  if (!expected.includes(status)) throw new Error(`${what} was answered ${status}, expected ${expected.join(' or ')}`);
}
