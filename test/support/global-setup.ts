/**
 * Starts one in-memory DynamoDB Local for the whole integration run. Test workers find
 * it through DYNAMODB_ENDPOINT; each test file creates its own table on it.
 */
import { RunningDynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';

declare global {
  // eslint-disable-next-line no-var
  var dynamoDbLocal: RunningDynamoDbLocal | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dynamoDb = await startDynamoDbLocal();
  globalThis.dynamoDbLocal = dynamoDb;
  process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
  // If jest dies before its teardown runs, the JVM must not outlive it.
  process.once('exit', () => {
    try {
      process.kill(dynamoDb.pid, 'SIGKILL');
    } catch {
      // Already stopped by the teardown.
    }
  });
}
