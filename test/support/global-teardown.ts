/** Stops the DynamoDB Local and the SQS emulator of this run, whether the tests passed or failed. */
export default async function globalTeardown(): Promise<void> {
  const running = [globalThis.dynamoDbLocal, globalThis.sqsEmulator];
  globalThis.dynamoDbLocal = undefined;
  globalThis.sqsEmulator = undefined;
  // Both are stopped even when one of them fails to stop.
  const stopped = await Promise.allSettled(running.map((service) => service?.stop()));
  const failure = stopped.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
