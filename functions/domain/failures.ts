/**
 * Which failures a retry cannot change. A domain rule that refused the work, or a value
 * the code cannot handle (RangeError, SyntaxError, a schema that refused stored data),
 * fails the same way every time: retrying only delays the work behind it. Everything
 * else (throttling, timeouts, the network, a 5xx from AWS or the card provider) is taken
 * as transient and retried, so an error nobody foresaw costs retries, never data.
 */
import { DomainError } from './errors';

export function isDeterministicFailure(error: unknown): boolean {
  return (
    error instanceof DomainError ||
    error instanceof RangeError ||
    error instanceof SyntaxError ||
    (error instanceof Error && error.name === 'ZodError')
  );
}
