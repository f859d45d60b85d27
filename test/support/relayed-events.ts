/**
 * The events a test table's outbox puts on the bus: its stream read by the local stream
 * relay into the relay's own Lambda handler, recorded instead of sent to EventBridge.
 * Reading them first catches the relay up, so a test sees every committed event.
 */
import type { EventType } from '../../functions/domain/events';
import { createPublishEventsHandler } from '../../functions/handlers/publish-events';
import { wirePublishEvents } from '../../functions/wiring/publish-events';
import { type StreamRelay, startStreamRelay } from '../../local/stream-relay';
import type { TestTable } from './billing-table';
import { RecordingPublisher } from './recording-publisher';

export class RelayedEvents {
  readonly recorded = new RecordingPublisher();
  private relay?: Promise<StreamRelay>;

  constructor(private readonly table: TestTable) {}

  async ofType(type: EventType, partnerId?: string) {
    await this.catchUp();
    return this.recorded.ofType(type, partnerId);
  }

  async catchUp(): Promise<void> {
    this.relay ??= startStreamRelay({
      endpoint: this.table.endpoint,
      tableName: this.table.tableName,
      handler: createPublishEventsHandler(wirePublishEvents(this.recorded)),
      from: 'TRIM_HORIZON',
      background: false,
    });
    await (await this.relay).catchUp();
  }

  async stop(): Promise<void> {
    if (this.relay !== undefined) await (await this.relay).stop();
  }
}
