/**
 * Stripe's side of the webhook, locally: each event the sandbox provider emits is signed
 * with the local endpoint's secret as Stripe signs it (`Stripe-Signature`, HMAC-SHA256 of
 * the timestamp and the raw body) and delivered to the endpoint after the call that
 * caused it has returned. A delivery answered with anything but 2xx, or not answered, is
 * tried again after a growing pause, re-signed each time; after the last retry it is
 * given up and told on the console (Stripe retries for up to 3 days; locally, seconds).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Stripe from 'stripe';
import { systemClock } from '../functions/adapters/system-clock';
import type { Clock } from '../functions/domain/ports';

/** The endpoint's answer to one delivery. */
export interface DeliveryAnswer {
  readonly status: number;
  readonly body: string;
}

export interface WebhookDeliveryOptions {
  /** The endpoint's signing secret (`whsec_…`). */
  readonly secret: string;
  /** Posts a signed raw body to the endpoint, as Stripe's POST with a `Stripe-Signature` header. */
  readonly post: (rawBody: string, signature: string) => Promise<DeliveryAnswer>;
  /** The pause before each retry: as many retries as pauses. */
  readonly retryDelaysMs?: readonly number[];
  /**
   * The time a signature is made at: the network's, the system clock, which is what the
   * endpoint checks it against (the test clock only dates the events themselves).
   */
  readonly signingClock?: Clock;
  readonly tell: (line: string) => void;
}

/** Doubling pauses, about 15 s from the first try to the last: a walk-through sees a failing endpoint given up. */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

/** What a delivery needs of an event: Stripe's envelope. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
}

export class WebhookDeliveries {
  private waiting = 0;
  private ended = 0;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private readonly retryDelaysMs: readonly number[];
  private readonly signingClock: Clock;

  constructor(private readonly options: WebhookDeliveryOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.signingClock = options.signingClock ?? systemClock;
  }

  /**
   * Queues the event (the sandbox provider's `onEvent`): it is delivered once the current
   * turn of the event loop is over, so never inside the call that emitted it.
   */
  send(event: WebhookEvent): void {
    if (this.stopped) return;
    // Stripe posts the event pretty-printed; the signature covers these exact bytes.
    const rawBody = JSON.stringify(event, null, 2);
    this.waiting += 1;
    this.later(0, () => this.attempt(event, rawBody, 0));
  }

  /** Deliveries queued and not yet answered with 2xx or given up. */
  get pending(): number {
    return this.waiting;
  }

  /** Deliveries answered with 2xx or given up since the start: a change says that deliveries happened. */
  get endedCount(): number {
    return this.ended;
  }

  /** Resolves true once no delivery is pending, or false when `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.waiting === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Stops delivering: the delivery in progress ends, the ones still waiting are dropped (and told). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.inFlight);
    if (this.waiting > 0)
      this.options.tell(`stripe webhook: ${this.waiting} deliveries dropped at the stop (a Stripe event is not kept)`);
    this.waiting = 0;
    this.wakeIdleWaiters();
  }

  private later(delayMs: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const running = work().finally(() => this.inFlight.delete(running));
      this.inFlight.add(running);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(event: WebhookEvent, rawBody: string, retriesBefore: number): Promise<void> {
    // Signed at each try with the time of the try, as Stripe does: a receiver refuses stale signatures.
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: rawBody,
      secret: this.options.secret,
      timestamp: Math.floor(this.signingClock.now().getTime() / 1000),
    });
    const answer = await this.options.post(rawBody, signature).catch(
      (error: unknown): DeliveryAnswer => ({
        status: 0,
        body: error instanceof Error ? error.message : String(error),
      }),
    );
    const what = `stripe webhook: ${event.type} ${event.id}`;
    if (answer.status >= 200 && answer.status < 300) {
      this.options.tell(`${what} delivered: ${outcomeOf(answer.body)}`);
      this.end();
      return;
    }
    const pause = this.retryDelaysMs[retriesBefore];
    const failure = `${answer.status === 0 ? 'no answer' : `answered ${answer.status}`} (${answer.body.slice(0, 200)})`;
    if (pause === undefined || this.stopped) {
      this.options.tell(`${what} ${failure}; given up after ${retriesBefore + 1} tries`);
      this.end();
      return;
    }
    this.options.tell(`${what} ${failure}; tried again in ${pause / 1000} s`);
    this.later(pause, () => this.attempt(event, rawBody, retriesBefore + 1));
  }

  private end(): void {
    this.waiting -= 1;
    this.ended += 1;
    if (this.waiting === 0) this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** The endpoint answers `{"received": true, "outcome": …}`; anything else is shown as it came. */
function outcomeOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { outcome?: unknown };
    if (typeof parsed.outcome === 'string') return parsed.outcome;
  } catch {
    // Not JSON: shown as it came.
  }
  return body.slice(0, 200);
}

/**
 * The local endpoint's signing secret, made on the first start with a data folder and kept
 * in it: a tester's script that signs events keeps working across restarts, and no secret
 * is written in the source, where it could be taken for one to deploy.
 */
export function localWebhookSecret(file: string): string {
  try {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved.startsWith('whsec_')) return saved;
    throw new Error(`${file} does not hold a webhook signing secret (whsec_…); delete it to make a new one`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = `whsec_local_${randomBytes(24).toString('hex')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
