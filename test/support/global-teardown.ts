/** Stops the DynamoDB Local of this run, whether the tests passed or failed. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.dynamoDbLocal?.stop();
  globalThis.dynamoDbLocal = undefined;
}
