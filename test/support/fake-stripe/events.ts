/**
 * The events the fake Stripe would send to a webhook endpoint, one per state change, each
 * holding a snapshot of its object, and their deliveries signed as Stripe signs them, so
 * tests can deliver, repeat, reorder and forge them.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Clock } from '../../../functions/domain/ports';
import { secondsAt, stripeId } from './wire';

export interface FakeEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: string;
  readonly created: number;
  readonly api_version: string;
  readonly livemode: false;
  readonly pending_webhooks: number;
  readonly request: { readonly id: string | null; readonly idempotency_key: string | null };
  readonly data: { readonly object: unknown };
}

export interface SignedDelivery {
  /** The raw request body, as the endpoint receives it. */
  readonly payload: string;
  /** The `Stripe-Signature` header. */
  readonly signature: string;
}

export class EventLog {
  /** The endpoint's signing secret. */
  readonly webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  private readonly recorded: FakeEvent[] = [];

  constructor(private readonly clock: Clock) {}

  get events(): readonly FakeEvent[] {
    return this.recorded;
  }

  record(type: string, object: unknown): void {
    this.recorded.push({
      id: stripeId('evt'),
      object: 'event',
      type,
      created: secondsAt(this.clock),
      api_version: Stripe.API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: structuredClone(object) },
    });
  }

  /** A delivery of `event` signed at `timestamp` (seconds; now by default), with the endpoint's secret unless told. */
  signedDelivery(
    event: unknown,
    options: { readonly timestamp?: number; readonly secret?: string } = {},
  ): SignedDelivery {
    const payload = JSON.stringify(event, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.webhookSecret,
      timestamp: options.timestamp ?? secondsAt(this.clock),
    });
    return { payload, signature };
  }

  clear(): void {
    this.recorded.length = 0;
  }
}
