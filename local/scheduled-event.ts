/** The event an EventBridge schedule rule hands its target, for the local scheduler. */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';

export function scheduledEvent(ruleName: string, at: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/${ruleName}`],
    detail: {},
  };
}
