/** DynamoDB Local as `npm start` runs it: Ctrl-C in the terminal leaves it to the runtime to stop. */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from '../../../local/dynamodb-local';

describe('Function: startDynamoDbLocal', () => {
  let dynamoDb: RunningDynamoDbLocal | undefined;

  afterEach(async () => {
    await dynamoDb?.stop();
    dynamoDb = undefined;
  });

  it('keeps answering after a SIGINT when told to ignore interrupts, and stops when asked', async () => {
    // Prepare
    dynamoDb = await startDynamoDbLocal({ ignoreInterrupt: true });
    const client = new DynamoDBClient({
      endpoint: dynamoDb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act
    process.kill(dynamoDb.pid, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const answered = await client.send(new ListTablesCommand({}));
    await dynamoDb.stop();

    // Assess
    expect(answered.TableNames).toEqual([]);
    expect(() => process.kill(dynamoDb?.pid ?? -1, 0)).toThrow();
    client.destroy();
  });
});
