/** Publishes domain events on the custom bus, failing loudly when EventBridge refuses any entry. */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type DomainEvent, EVENT_SOURCE } from '../../domain/events';
import type { EventPublisher } from '../../domain/ports';

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += ENTRIES_PER_CALL) {
      const entries: PutEventsRequestEntry[] = events.slice(start, start + ENTRIES_PER_CALL).map((event) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: event.type,
        Time: event.time,
        Detail: JSON.stringify(event.detail),
      }));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if ((result.FailedEntryCount ?? 0) > 0) {
        const failures = (result.Entries ?? []).filter((entry) => entry.ErrorCode !== undefined);
        throw new Error(
          `EventBridge refused ${result.FailedEntryCount} of ${entries.length} events: ${failures.map((entry) => `${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim()).join('; ')}`,
        );
      }
    }
  }
}
