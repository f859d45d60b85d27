/** Builds the event relay's dependencies around a publisher: shared by Lambda, the local runtime and tests. */
import { outboxEventOfStreamRecord } from '../adapters/dynamodb/outbox-stream';
import type { EventPublisher } from '../domain/ports';
import type { PublishEventsDependencies } from '../handlers/publish-events';
import { type PortDecorator, undecorated } from './port-decorator';

export function wirePublishEvents(
  publisher: EventPublisher,
  decorate: PortDecorator = undecorated,
): PublishEventsDependencies {
  return { publisher: decorate('publisher', publisher), outboxEventOf: outboxEventOfStreamRecord };
}
