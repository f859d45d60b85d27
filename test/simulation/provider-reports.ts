/**
 * The card network's reports on their way to the webhook, as Stripe delivers them: late
 * (seconds to 30 hours), some more than once under the same event id, and so in any order.
 * A delivery the endpoint did not take (the handler crashed, or the charge had no clear
 * answer, which is not recorded) is delivered again with a growing back-off, for up to
 * three days; after that Stripe gives up and the daily run is what settles the charge.
 * Delays and repeats depend on the seed and the event id only.
 */
import type { Clock } from '../../functions/domain/ports';
import type { ProviderEvent } from '../../functions/domain/recharge/provider-events';
import { chanceOf } from './prng';

export interface ReportDelivery {
  readonly deliveryId: string;
  readonly report: ProviderEvent;
  readonly firstDueAt: number;
  dueAt: number;
  tries: number;
}

const MINUTE_MS = 60_000;
/** Stripe retries a delivery for up to three days. */
const GIVE_UP_AFTER_MS = 3 * 24 * 60 * MINUTE_MS;
const MAX_BACKOFF_MS = 12 * 60 * MINUTE_MS;
/** Chance that a report is delivered a second (and third) time, as Stripe may. */
const REPEATED = 0.2;

export class ProviderReports {
  private readonly pending = new Map<string, ReportDelivery>();
  readonly counts = { reports: 0, deliveries: 0, repeats: 0, redelivered: 0, givenUp: 0 };
  readonly outcomes = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly clock: Clock,
  ) {}

  get depth(): number {
    return this.pending.size;
  }

  /** A report the network just sent: one delivery, sometimes more. */
  add(report: ProviderEvent): void {
    this.counts.reports += 1;
    const copies =
      chanceOf(`${this.seed}/report-copies/${report.eventId}`) < REPEATED ? 2 + this.copiesBeyond(report) : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      if (copy > 0) this.counts.repeats += 1;
      const delay = this.delayOf(chanceOf(`${this.seed}/report-delay/${report.eventId}/${copy}`));
      const dueAt = this.clock.now().getTime() + delay;
      const deliveryId = `${report.eventId}#${copy}`;
      this.pending.set(deliveryId, { deliveryId, report, firstDueAt: dueAt, dueAt, tries: 0 });
    }
  }

  /** Deliveries due now, in an order fixed by the seed and the step. */
  due(step: number, limit: number): ReportDelivery[] {
    const now = this.clock.now().getTime();
    return [...this.pending.values()]
      .filter((delivery) => delivery.dueAt <= now)
      .sort(
        (a, b) =>
          chanceOf(`${this.seed}/${step}/report-order/${a.deliveryId}`) -
          chanceOf(`${this.seed}/${step}/report-order/${b.deliveryId}`),
      )
      .slice(0, limit);
  }

  /** Every delivery still to come, soonest first: the end of a run delivers them all. */
  all(): ReportDelivery[] {
    return [...this.pending.values()].sort((a, b) => a.dueAt - b.dueAt || a.deliveryId.localeCompare(b.deliveryId));
  }

  /** Whether a delivery of a report like this is still to come: what it reports may not be booked yet. */
  inFlight(match: (report: ProviderEvent) => boolean): boolean {
    for (const delivery of this.pending.values()) if (match(delivery.report)) return true;
    return false;
  }

  /** The endpoint answered 2xx: Stripe is done with this delivery. */
  taken(delivery: ReportDelivery, outcome: string): void {
    delivery.tries += 1;
    this.counts.deliveries += 1;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    this.pending.delete(delivery.deliveryId);
  }

  /** The endpoint failed or the charge stayed unclear: delivered again later, unless three days have passed. */
  notTaken(delivery: ReportDelivery): void {
    delivery.tries += 1;
    this.counts.deliveries += 1;
    const next = this.clock.now().getTime() + Math.min(MINUTE_MS * 2 ** delivery.tries, MAX_BACKOFF_MS);
    if (next - delivery.firstDueAt > GIVE_UP_AFTER_MS) {
      this.counts.givenUp += 1;
      this.pending.delete(delivery.deliveryId);
      return;
    }
    this.counts.redelivered += 1;
    delivery.dueAt = next;
  }

  private copiesBeyond(report: ProviderEvent): number {
    return chanceOf(`${this.seed}/report-third-copy/${report.eventId}`) < 0.25 ? 1 : 0;
  }

  /** Half the reports arrive within half a minute, 40% within the hour, a tenth 1 to 30 hours late. */
  private delayOf(draw: number): number {
    if (draw < 0.5) return Math.floor(draw * 60) * 1000;
    if (draw < 0.9) return Math.floor((draw - 0.5) * 150) * MINUTE_MS;
    return Math.floor(60 + ((draw - 0.9) / 0.1) * 29 * 60) * MINUTE_MS;
  }
}
