/** Lambda entry of the event relay: the bus client at cold start, then the shared handler. */
import { createEventBridgeClient } from '../adapters/events/client';
import { EventBridgePublisher } from '../adapters/events/eventbridge-publisher';
import { readPublishEventsConfig } from '../config';
import { createPublishEventsHandler } from '../handlers/publish-events';
import { wirePublishEvents } from '../wiring/publish-events';

const config = readPublishEventsConfig();

export const handler = createPublishEventsHandler(
  wirePublishEvents(
    new EventBridgePublisher(createEventBridgeClient(config.endpoints.eventBridge), config.eventBusName),
  ),
);
