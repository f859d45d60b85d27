/** The EventBridge client, created once per process. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

export function createEventBridgeClient(endpoint?: string): EventBridgeClient {
  return new EventBridgeClient({
    ...(endpoint !== undefined && {
      endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      region: 'us-east-1',
    }),
    maxAttempts: 5,
  });
}
