/**
 * Checks a parsed usage event against the world before it is debited: not dated
 * further in the future than the margin allows, and not on a hosted number of another
 * partner (docs/contract.md §4). A number this service does not host is
 * debited: the conversation happened and the platform knows the partner.
 */
import type { Rejection, UsageEvent } from './usage-event';

export interface UsageScreen {
  readonly now: Date;
  /** How far past `now` an event may be dated (clock skew between the platform and us). */
  readonly futureMarginMs: number;
  /** The partner each hosted number among the events belongs to. */
  readonly owners: ReadonlyMap<string, string>;
}

export function screenUsage(event: UsageEvent, screen: UsageScreen): Rejection | undefined {
  const latest = screen.now.getTime() + screen.futureMarginMs;
  if (event.occurredAt.getTime() > latest) {
    return {
      reason: 'occurred-in-future',
      detail: `occurredAt ${event.occurredAt.toISOString()} is later than ${new Date(latest).toISOString()} (now plus the margin of ${screen.futureMarginMs / 1000} s)`,
    };
  }
  const owner = screen.owners.get(event.channelId);
  if (owner !== undefined && owner !== event.partnerId) {
    return {
      reason: 'channel-of-another-partner',
      detail: `channel ${event.channelId} is a hosted number of partner "${owner}", not of "${event.partnerId}"`,
    };
  }
  return undefined;
}
