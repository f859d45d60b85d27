import { createServer, type Server } from 'node:net';
import { startDynamoDbLocal } from '../../../local/dynamodb-local';
import { assertPortFree } from '../../../local/port-check';

describe('Start-up errors of the local runtime', () => {
  it('names the setting to change when a port is taken', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(assertPortFree(port, 'DYNAMODB_PORT')).rejects.toThrow(
        `port ${port} is taken by another program (is the system already running?); choose another with DYNAMODB_PORT=<port>`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(assertPortFree(port, 'DYNAMODB_PORT')).resolves.toBeUndefined();
  });

  it('says that Java is needed when there is none', async () => {
    await expect(startDynamoDbLocal({ java: '/nonexistent/bin/java' })).rejects.toThrow(
      'DynamoDB Local needs Java 17 or newer: "/nonexistent/bin/java" was not found (install Java, or set JAVA_HOME)',
    );
  });
});
