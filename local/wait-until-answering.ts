/**
 * Polls a local service until one probe request succeeds, or fails with the last error
 * after the timeout. An aborted `signal` ends the polling at once (the service's process
 * is gone), so no probe or timer outlives the start that gave up on it.
 */
export async function waitUntilAnswering(
  service: string,
  endpoint: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    try {
      await probe();
      return;
    } catch (error) {
      signal?.throwIfAborted();
      if (Date.now() > deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${service} did not answer on ${endpoint} within ${timeoutMs} ms: ${reason}`, { cause: error });
      }
      await pause(50, signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
