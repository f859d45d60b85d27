/** Builds the event relay's dependencies around a publisher: shared by Lambda, the local runtime and tests. */
import { outboxEventOfStreamRecord } from '../adapters/dynamodb/outbox-stream';
import { EventPublisher } from '../domain/ports';
import { PublishEventsDependencies } from '../handlers/publish-events';
import { PortDecorator, undecorated } from './port-decorator';

export function wirePublishEvents(
  publisher: EventPublisher,
  decorate: PortDecorator = undecorated,
): PublishEventsDependencies {
  return { publisher: decorate('publisher', publisher), outboxEventOf: outboxEventOfStreamRecord };
}
