import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher } from '../../../functions/adapters/events/eventbridge-publisher';
import type { DomainEvent } from '../../../functions/domain/events';

// EventBridge has no local emulator: this checks the shape of the calls only.
const eventBridge = mockClient(EventBridgeClient);

const event = (partnerId: string): DomainEvent => ({
  type: 'PartnerOverdue',
  time: new Date('2026-11-22T10:20:00Z'),
  detail: { partnerId, liveBalance: '-20.00', currency: 'EUR' },
});

describe('Class: EventBridgePublisher', () => {
  beforeEach(() => {
    eventBridge.reset();
  });

  it('publishes on the custom bus with source prepaid-billing and the event type as detail-type', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });

    await new EventBridgePublisher(new EventBridgeClient({}), 'billing-bus').publish([event('p-1')]);

    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'billing-bus',
          Source: 'prepaid-billing',
          DetailType: 'PartnerOverdue',
          Time: new Date('2026-11-22T10:20:00Z'),
          Detail: '{"partnerId":"p-1","liveBalance":"-20.00","currency":"EUR"}',
        },
      ],
    });
  });

  it('sends at most 10 entries per call', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });

    await new EventBridgePublisher(new EventBridgeClient({}), 'bus').publish(
      Array.from({ length: 23 }, (_, i) => event(`p-${i}`)),
    );

    expect(eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([
      10, 10, 3,
    ]);
  });

  it('fails when EventBridge refuses an entry, so the caller retries instead of losing it', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });

    await expect(new EventBridgePublisher(new EventBridgeClient({}), 'bus').publish([event('p-1')])).rejects.toThrow(
      /refused 1 of 1 events: InternalFailure try again/,
    );
  });
});
