/**
 * The ingestion use case: debits a batch of parsed usage events exactly once, grouped
 * per partner and currency so each partner's balance is written once per chunk, then
 * follows up on the balances the batch moved (threshold, overdue clock, recharge).
 */
import { isDeterministicFailure } from '../failures';
import type { ChannelOwners, Clock, EventFate, UsageChunk, UsageLedger } from '../ports';
import type { BalanceFollowUp } from './balance-follow-up';
import { type Rejection, type UsageEvent, usageDigest } from './usage-event';
import { screenUsage } from './usage-screen';

export interface ReceivedUsage {
  /** The SQS message id: outcomes are per message, and one event id may arrive in several. */
  readonly recordId: string;
  readonly event: UsageEvent;
}

export type RecordOutcome =
  | { readonly kind: 'debited' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  /** A transient failure: the record goes back to the queue and is tried again. */
  | { readonly kind: 'retry'; readonly error: Error };

export interface IngestUsageDependencies {
  readonly usageLedger: UsageLedger;
  readonly channelOwners: ChannelOwners;
  readonly followUp: BalanceFollowUp;
  /** How far in the future an event may be dated; later ones are refused. */
  readonly futureMarginMs: number;
  readonly clock: Clock;
  readonly chunkSize: number;
}

export interface IngestionSummary {
  readonly outcomes: ReadonlyMap<string, RecordOutcome>;
  /** Debited micro-units per currency, for the metrics. */
  readonly debited: ReadonlyMap<string, number>;
  /**
   * A follow-up that failed in a way a retry cannot change. The debits stand and their
   * records are acknowledged; the daily run starts a missed overdue clock and charge.
   */
  readonly followUpFailure?: { readonly partnerIds: readonly string[]; readonly error: Error };
}

export async function ingestUsage(
  received: readonly ReceivedUsage[],
  deps: IngestUsageDependencies,
): Promise<IngestionSummary> {
  const { firsts, repeats } = splitRepeats(received);
  const fates = new Map<string, EventFate | { kind: 'retry'; error: Error }>();
  const debited = new Map<string, number>();
  const postedAt = deps.clock.now();
  const accepted: ReceivedUsage[] = [];
  try {
    const owners = await deps.channelOwners.ownersOf([...new Set(firsts.map(({ event }) => event.channelId))]);
    for (const record of firsts) {
      const rejection = screenUsage(record.event, { now: postedAt, futureMarginMs: deps.futureMarginMs, owners });
      if (rejection === undefined) accepted.push(record);
      else fates.set(record.event.eventId, { kind: 'rejected', rejection });
    }
  } catch (error) {
    for (const { event } of firsts) fates.set(event.eventId, failureFate(error));
  }
  const groups = [...groupByAccount(accepted).values()];
  const chunks: UsageChunk[] = groups.flatMap((events) => {
    const [{ partnerId, currency }] = events as [UsageEvent, ...UsageEvent[]];
    const split: UsageChunk[] = [];
    for (let start = 0; start < events.length; start += deps.chunkSize) {
      split.push({ partnerId, currency, events: events.slice(start, start + deps.chunkSize), postedAt });
    }
    return split;
  });
  try {
    const results = await deps.usageLedger.debit(chunks);
    for (const result of results) {
      for (const [eventId, fate] of result.fates) fates.set(eventId, fate);
      for (const entry of result.entries)
        debited.set(entry.currency, (debited.get(entry.currency) ?? 0) - entry.amount);
    }
  } catch (error) {
    // Whatever was debited already is safe: the retry finds it as duplicates.
    for (const { event } of accepted) fates.set(event.eventId, failureFate(error));
  }
  // Also after a batch of pure duplicates: a crash after the debit and before the
  // follow-up is healed by the redelivery.
  const settledByPartner = new Map<string, UsageEvent[]>();
  for (const { event } of firsts) {
    const kind = fates.get(event.eventId)?.kind;
    if (kind !== 'debited' && kind !== 'duplicate') continue;
    const settled = settledByPartner.get(event.partnerId);
    if (settled === undefined) settledByPartner.set(event.partnerId, [event]);
    else settled.push(event);
  }
  let followUpFailure: IngestionSummary['followUpFailure'];
  try {
    await deps.followUp.afterDebits([...settledByPartner.keys()]);
  } catch (error) {
    if (isDeterministicFailure(error)) {
      followUpFailure = { partnerIds: [...settledByPartner.keys()], error: error as Error };
    } else {
      for (const events of settledByPartner.values()) {
        for (const event of events) fates.set(event.eventId, { kind: 'retry', error: error as Error });
      }
    }
  }
  const outcomes = new Map<string, RecordOutcome>();
  for (const { recordId, event } of firsts) outcomes.set(recordId, fates.get(event.eventId) ?? missingFate(event));
  for (const { recordId, event, first } of repeats)
    outcomes.set(recordId, outcomeOfRepeat(event, first, outcomes.get(first.recordId)));
  return { outcomes, debited, ...(followUpFailure !== undefined && { followUpFailure }) };
}

/** A failure a retry cannot change is refused with its reason (kept in the dead-letter queue); others are retried. */
function failureFate(error: unknown): EventFate | { kind: 'retry'; error: Error } {
  if (!isDeterministicFailure(error)) return { kind: 'retry', error: error as Error };
  return { kind: 'rejected', rejection: { reason: 'processing-failed', detail: (error as Error).message } };
}

/** The first record of each event id in the batch is debited; later ones follow its fate. */
function splitRepeats(received: readonly ReceivedUsage[]) {
  const firstById = new Map<string, ReceivedUsage>();
  const repeats: (ReceivedUsage & { first: ReceivedUsage })[] = [];
  for (const record of received) {
    const first = firstById.get(record.event.eventId);
    if (first === undefined) firstById.set(record.event.eventId, record);
    else repeats.push({ ...record, first });
  }
  return { firsts: [...firstById.values()], repeats };
}

function groupByAccount(received: readonly ReceivedUsage[]): Map<string, UsageEvent[]> {
  const groups = new Map<string, UsageEvent[]>();
  for (const { event } of received) {
    const key = `${event.partnerId} ${event.currency}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [event]);
    else group.push(event);
  }
  return groups;
}

function outcomeOfRepeat(
  event: UsageEvent,
  first: ReceivedUsage,
  firstOutcome: RecordOutcome | undefined,
): RecordOutcome {
  if (firstOutcome === undefined) return missingFate(event);
  if (usageDigest(event) !== usageDigest(first.event)) {
    // Only a first record that was debited, or found debited, tells what the stored content is.
    if (firstOutcome.kind === 'debited' || firstOutcome.kind === 'duplicate') {
      return {
        kind: 'rejected',
        rejection: {
          reason: 'conflicting-repeat',
          detail: `event "${event.eventId}" arrived twice in one batch with different content`,
        },
      };
    }
    // The first was refused (e.g. itself a conflict with what was debited before): this
    // record may be a plain redelivery. SQS brings it back alone, to meet the stored event.
    return {
      kind: 'retry',
      error: new Error(`event "${event.eventId}" arrived twice in one batch and the first was not debited`),
    };
  }
  return firstOutcome.kind === 'debited' ? { kind: 'duplicate' } : firstOutcome;
}

function missingFate(event: UsageEvent): RecordOutcome {
  return { kind: 'retry', error: new Error(`no outcome was recorded for event "${event.eventId}"`) };
}
