/** Polls a local service until one probe request succeeds, or fails with the last error after the timeout. */
export async function waitUntilAnswering(service: string, endpoint: string, probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${service} did not answer on ${endpoint} within ${timeoutMs} ms: ${reason}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
