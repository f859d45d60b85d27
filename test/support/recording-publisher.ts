/** An EventPublisher that keeps what was published, for assertions; EventBridge has no emulator here. */
import type { DomainEvent, EventType } from '../../functions/domain/events';
import type { EventPublisher } from '../../functions/domain/ports';

export class RecordingPublisher implements EventPublisher {
  readonly published: DomainEvent[] = [];

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.published.push(...events);
  }

  ofType(type: EventType, partnerId?: string): DomainEvent[] {
    return this.published.filter(
      (event) => event.type === type && (partnerId === undefined || event.detail.partnerId === partnerId),
    );
  }
}
