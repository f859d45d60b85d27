/**
 * Starts one in-memory DynamoDB Local and one SQS emulator for the whole integration run.
 * Test workers find them through DYNAMODB_ENDPOINT and SQS_ENDPOINT; each test file creates
 * its own table and queues on them.
 */
// Jest's setupFiles reach the test workers only; this runs in jest's own process.
import './quiet-observability';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';
import { type RunningSqsEmulator, startSqsEmulator } from '../../local/sqs-emulator';

declare global {
  // eslint-disable-next-line no-var
  var dynamoDbLocal: RunningDynamoDbLocal | undefined;
  // eslint-disable-next-line no-var
  var sqsEmulator: RunningSqsEmulator | undefined;
}

export default async function globalSetup(): Promise<void> {
  const [dynamoDb, sqs] = await Promise.allSettled([startDynamoDbLocal(), startSqsEmulator()]);
  if (dynamoDb.status === 'fulfilled') {
    const { pid } = dynamoDb.value;
    // If jest dies before its teardown runs, the JVM must not outlive it. The SQS emulator
    // runs inside this process and ends with it.
    process.once('exit', () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already stopped by the teardown.
      }
    });
  }
  if (dynamoDb.status === 'rejected' || sqs.status === 'rejected') {
    // Jest runs no teardown after a failed setup: stop whichever did start.
    await Promise.allSettled(
      [dynamoDb, sqs].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)),
    );
    const reasons = [dynamoDb, sqs].flatMap((started) =>
      started.status === 'rejected' ? [started.reason as unknown] : [],
    );
    throw reasons.length === 1 ? reasons[0] : new Error(reasons.map((reason) => String(reason)).join('\n'));
  }
  globalThis.dynamoDbLocal = dynamoDb.value;
  globalThis.sqsEmulator = sqs.value;
  process.env.DYNAMODB_ENDPOINT = dynamoDb.value.endpoint;
  process.env.SQS_ENDPOINT = sqs.value.endpoint;
}
