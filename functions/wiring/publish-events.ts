/** Builds the event relay's dependencies around a publisher: shared by Lambda, the local runtime and tests. */
import { outboxEventOfStreamRecord } from '../adapters/dynamodb/outbox-stream';
import { EventPublisher } from '../domain/ports';
import { PublishEventsDependencies } from '../handlers/publish-events';

export function wirePublishEvents(publisher: EventPublisher): PublishEventsDependencies {
  return { publisher, outboxEventOf: outboxEventOfStreamRecord };
}
