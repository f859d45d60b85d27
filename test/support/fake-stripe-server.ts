/**
 * Just enough of Stripe's API, over real HTTP on 127.0.0.1, for the real SDK to create
 * off-session PaymentIntents confirmed at creation: Stripe's test payment methods decide
 * the outcome, `Idempotency-Key` replays a stored answer, and tests can make the next
 * requests fail (500) or hang before or after the charge is made.
 *
 * Responses have Stripe's shapes and status codes (200 intent, 402 card_error carrying
 * the failed intent, 400 invalid_request_error / idempotency_error, 401, 500 api_error),
 * so the SDK raises its own error classes.
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FailureKind = '500' | 'timeout-after-charge' | 'timeout-before-charge';

export interface LastPaymentError {
  readonly type: 'card_error';
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
}

export interface FakePaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  readonly amount: number;
  readonly amount_received: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly payment_method: string;
  readonly description: string | null;
  readonly status: string;
  readonly last_payment_error: LastPaymentError | null;
  readonly latest_charge: string | null;
  readonly metadata: Record<string, string>;
  readonly capture_method: 'automatic';
  readonly confirmation_method: 'automatic';
  readonly created: number;
  readonly livemode: false;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey?: string;
  /** Form fields as sent, bracketed keys kept as they are (`metadata[partnerId]`). */
  readonly params: Readonly<Record<string, string>>;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

interface StoredAnswer extends Answer {
  readonly path: string;
  readonly fingerprint: string;
}

interface Decline {
  readonly code: string;
  readonly decline_code?: string;
  readonly message: string;
}

const SUCCEEDING_METHODS = new Set(['pm_card_visa', 'pm_card_mastercard']);

/** Stripe's test payment methods and the errors they raise on an off-session charge. */
const DECLINING_METHODS: ReadonlyMap<string, Decline> = new Map([
  [
    'pm_card_chargeDeclined',
    { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  ],
  [
    'pm_card_chargeDeclinedInsufficientFunds',
    { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  ],
  ['pm_card_chargeDeclinedExpiredCard', { code: 'expired_card', message: 'Your card has expired.' }],
  [
    'pm_card_authenticationRequired',
    {
      code: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
    },
  ],
]);

export class FakeStripeServer {
  /** Every PaymentIntent created, declined ones too (Stripe keeps those as well). */
  readonly intents: FakePaymentIntent[] = [];
  /** Every request received, in order, answered or not. */
  readonly requests: ReceivedRequest[] = [];

  private readonly answers = new Map<string, StoredAnswer>();
  private readonly failures: FailureKind[] = [];
  private readonly stalled = new Set<ServerResponse>();
  private nextStatus?: { status: string; lastPaymentError: LastPaymentError | null };

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeStripeServer> {
    let fake: FakeStripeServer | undefined;
    const server = createServer((request, response) => {
      fake?.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, apiError(`fake Stripe failed: ${String(error)}`));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    fake = new FakeStripeServer(server, (server.address() as AddressInfo).port);
    return fake;
  }

  /** Intents whose money was taken. */
  get charges(): FakePaymentIntent[] {
    return this.intents.filter((intent) => intent.status === 'succeeded');
  }

  /** The next `times` requests fail as told, in order, before any other behaviour. */
  failNext(times: number, kind: FailureKind): void {
    for (let index = 0; index < times; index += 1) this.failures.push(kind);
  }

  /**
   * The next PaymentIntent created ends in `status` whatever its payment method, for
   * states Stripe reaches in ways a test card does not show (e.g. `processing`).
   */
  nextIntentEndsIn(status: string, lastPaymentError: LastPaymentError | null = null): void {
    this.nextStatus = { status, lastPaymentError };
  }

  /** Stripe forgets idempotency keys after 24 hours: a replay then creates a new PaymentIntent. */
  expireIdempotencyKeys(): void {
    this.answers.clear();
  }

  reset(): void {
    this.intents.length = 0;
    this.requests.length = 0;
    this.answers.clear();
    this.failures.length = 0;
    this.nextStatus = undefined;
    for (const response of this.stalled) response.destroy();
    this.stalled.clear();
  }

  async close(): Promise<void> {
    this.reset();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const params = Object.fromEntries(new URLSearchParams(body));
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const idempotencyKey = header(request, 'idempotency-key');
    this.requests.push({
      method: request.method ?? 'GET',
      path,
      params,
      ...(idempotencyKey !== undefined && { idempotencyKey }),
    });

    if (!/^Bearer sk_test_\w+$/.test(header(request, 'authorization') ?? '')) {
      send(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }
    if (request.method === 'GET' && path === '/v1/payment_intents/search') {
      send(response, 200, this.search(new URL(request.url ?? '/', 'http://fake').searchParams.get('query') ?? ''));
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/payment_intents') {
      send(response, 404, invalidRequest(`Unrecognized request URL (${request.method}: ${path}).`));
      return;
    }

    const failure = this.failures.shift();
    if (failure === '500') {
      send(response, 500, apiError('An unknown error occurred while processing your request.'));
      return;
    }
    if (failure === 'timeout-before-charge') {
      this.stall(response);
      return;
    }

    const answer = this.createIdempotently(path, params, idempotencyKey);
    if (failure === 'timeout-after-charge') {
      this.stall(response);
      return;
    }
    send(response, answer.status, answer.body, answer.replayed ? { 'Idempotent-Replayed': 'true' } : {});
  }

  /** The Search API for `metadata['key']:'value'`, the only query the adapter sends. */
  private search(query: string) {
    const match = /^metadata\['(\w+)'\]:'([^']*)'$/.exec(query);
    const data = match === null ? [] : this.intents.filter((intent) => intent.metadata[match[1] ?? ''] === match[2]);
    return { object: 'search_result', url: '/v1/payment_intents/search', has_more: false, data };
  }

  /** As Stripe: an answer is kept per key once the request ran; validation failures are not kept. */
  private createIdempotently(
    path: string,
    params: Record<string, string>,
    key: string | undefined,
  ): Answer & { replayed: boolean } {
    const fingerprint = JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const stored = key === undefined ? undefined : this.answers.get(key);
    if (stored !== undefined) {
      if (stored.path !== path || stored.fingerprint !== fingerprint) {
        return {
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          },
          replayed: false,
        };
      }
      return { ...stored, replayed: true };
    }
    const invalid = validate(params);
    if (invalid !== undefined) return { status: 400, body: invalid, replayed: false };
    const answer = this.create(params);
    if (key !== undefined) this.answers.set(key, { ...answer, path, fingerprint });
    return { ...answer, replayed: false };
  }

  private create(params: Record<string, string>): Answer {
    const paymentMethod = params.payment_method ?? '';
    const forced = this.nextStatus;
    this.nextStatus = undefined;
    const decline = forced === undefined ? DECLINING_METHODS.get(paymentMethod) : undefined;
    const lastPaymentError: LastPaymentError | null =
      forced !== undefined
        ? forced.lastPaymentError
        : decline !== undefined
          ? {
              type: 'card_error',
              code: decline.code,
              message: decline.message,
              ...(decline.decline_code !== undefined && { decline_code: decline.decline_code }),
            }
          : null;
    const status = forced?.status ?? (decline !== undefined ? 'requires_payment_method' : 'succeeded');
    const intent: FakePaymentIntent = {
      id: stripeId('pi'),
      object: 'payment_intent',
      amount: Number(params.amount),
      amount_received: status === 'succeeded' ? Number(params.amount) : 0,
      currency: params.currency ?? '',
      customer: params.customer ?? null,
      payment_method: paymentMethod,
      description: params.description ?? null,
      status,
      last_payment_error: lastPaymentError,
      latest_charge: status === 'succeeded' || decline !== undefined ? stripeId('ch') : null,
      metadata: metadataOf(params),
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    this.intents.push(intent);
    if (decline === undefined) return { status: 200, body: intent };
    return {
      status: 402,
      body: {
        error: {
          type: 'card_error',
          code: decline.code,
          ...(decline.decline_code !== undefined && { decline_code: decline.decline_code }),
          message: decline.message,
          charge: intent.latest_charge,
          payment_intent: intent,
          doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}`,
        },
      },
    };
  }

  /** Never answers; the client gives up at its timeout, and `reset`/`close` drop the socket. */
  private stall(response: ServerResponse): void {
    this.stalled.add(response);
    response.once('close', () => this.stalled.delete(response));
  }
}

function validate(params: Record<string, string>): unknown {
  const amount = params.amount;
  if (amount === undefined || !/^[1-9][0-9]*$/.test(amount)) {
    return invalidRequest('This value must be greater than or equal to 1.', 'parameter_invalid_integer', 'amount');
  }
  if (params.currency === undefined || !/^[a-z]{3}$/.test(params.currency)) {
    return invalidRequest('Missing required param: currency.', 'parameter_missing', 'currency');
  }
  if (params.off_session !== 'true') {
    return invalidRequest(
      'Only off-session charges are served here: off_session must be true.',
      'parameter_invalid_empty',
      'off_session',
    );
  }
  if (params.confirm !== 'true') {
    return invalidRequest(
      'Only intents confirmed at creation are served here: confirm must be true.',
      'parameter_invalid_empty',
      'confirm',
    );
  }
  const paymentMethod = params.payment_method;
  if (
    paymentMethod === undefined ||
    (!SUCCEEDING_METHODS.has(paymentMethod) && !DECLINING_METHODS.has(paymentMethod))
  ) {
    return invalidRequest(`No such PaymentMethod: '${paymentMethod ?? ''}'`, 'resource_missing', 'payment_method');
  }
  return undefined;
}

function metadataOf(params: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match?.[1] !== undefined) metadata[match[1]] = value;
  }
  return metadata;
}

function invalidRequest(message: string, code?: string, param?: string): unknown {
  return {
    error: {
      type: 'invalid_request_error',
      message,
      ...(code !== undefined && { code }),
      ...(param !== undefined && { param }),
    },
  };
}

function apiError(message: string): unknown {
  return { error: { type: 'api_error', message } };
}

function stripeId(prefix: string): string {
  return `${prefix}_3${randomBytes(12).toString('hex')}`;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Request-Id': stripeId('req'),
    ...headers,
  });
  response.end(text);
}
