/**
 * The local stand-in for the EventBridge bus: each event is appended, in the shape a rule
 * on the bus would receive, to a JSON-lines file next to the data, and told on the
 * console, so a walk-through can watch a partner go overdue, blocked and unblocked.
 */
import { appendFileSync } from 'node:fs';
import { type DomainEvent, EVENT_SOURCE } from '../functions/domain/events';
import type { EventPublisher } from '../functions/domain/ports';

export class EventLog implements EventPublisher {
  constructor(
    private readonly file: string,
    private readonly tell: (line: string) => void,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const lines = events.map((event) =>
      JSON.stringify({
        source: EVENT_SOURCE,
        'detail-type': event.type,
        time: event.time.toISOString(),
        detail: event.detail,
      }),
    );
    appendFileSync(this.file, `${lines.join('\n')}\n`);
    for (const event of events) this.tell(`event ${event.type} ${JSON.stringify(event.detail)}`);
  }
}
