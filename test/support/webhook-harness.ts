/**
 * The Stripe webhook handler over the recharge harness's table and sandbox provider,
 * wired as in Lambda: the real signature check (StripeEventReader) with a test secret and
 * the harness clock, the provider event log, and a real recharge queue on the SQS
 * emulator. Deliveries are signed as Stripe signs them, and can be forged, aged or
 * encoded as a test needs.
 */
import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import Stripe from 'stripe';
import { StripeEventReader } from '../../functions/adapters/payments/stripe-event-reader';
import type { CardProvider } from '../../functions/domain/card-provider';
import { createStripeWebhookHandler } from '../../functions/handlers/stripe-webhook';
import { wireStripeWebhook } from '../../functions/wiring/stripe-webhook';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';
import type { RechargeHarness } from './recharge-harness';
import { type TestQueues, createTestQueues } from './usage-queues';

export interface WebhookAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  /** Every header, by its lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

export interface DeliveryOptions {
  /** When it was signed, in Unix seconds; the harness clock's now by default. */
  readonly signedAt?: number;
  /** Signed with another secret than the endpoint's. */
  readonly secret?: string;
  /** The name the header arrives under; API Gateway keeps the client's spelling. */
  readonly headerName?: string;
  /** No signature header at all. */
  readonly unsigned?: boolean;
  /** The body is changed after it was signed. */
  readonly tamper?: (payload: string) => string;
  /** API Gateway passes the body base64-encoded (binary media types). */
  readonly base64?: boolean;
  readonly method?: string;
}

export interface WebhookHarnessOptions {
  /** Another card provider than the harness's sandbox (the Stripe adapter against the fake Stripe). */
  readonly provider?: CardProvider;
  /** The endpoint's signing secret; a new one by default. */
  readonly secret?: string;
}

export class WebhookHarness {
  /** The endpoint's signing secret, as Stripe's dashboard shows it. */
  readonly secret: string;
  private readonly handler: ReturnType<typeof createStripeWebhookHandler>;

  private constructor(
    readonly recharge: RechargeHarness,
    readonly queue: TestQueues,
    options: WebhookHarnessOptions,
  ) {
    this.secret = options.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    this.handler = createStripeWebhookHandler(
      wireStripeWebhook({
        ...recharge.wiring,
        ...(options.provider !== undefined && { provider: options.provider }),
        reader: new StripeEventReader(this.secret, undefined, recharge.clock),
        sqs: queue.client,
        rechargeQueueUrl: queue.queueUrl,
      }),
    );
  }

  static async start(recharge: RechargeHarness, options: WebhookHarnessOptions = {}): Promise<WebhookHarness> {
    return new WebhookHarness(recharge, await createTestQueues(), options);
  }

  async stop(): Promise<void> {
    await this.queue.drop();
  }

  /** Posts `event` to the endpoint as Stripe does: pretty-printed, signed over those exact bytes. */
  async deliver(event: unknown, options: DeliveryOptions = {}): Promise<WebhookAnswer> {
    const payload = JSON.stringify(event, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.secret,
      timestamp: options.signedAt ?? Math.floor(this.recharge.clock.now().getTime() / 1000),
    });
    return this.deliverSigned({ payload, signature }, options);
  }

  /** Posts a delivery signed elsewhere (by the fake Stripe), with the same options for how it arrives. */
  async deliverSigned(
    delivery: { readonly payload: string; readonly signature: string },
    options: DeliveryOptions = {},
  ): Promise<WebhookAnswer> {
    const { payload, signature } = delivery;
    const body = options.tamper?.(payload) ?? payload;
    return this.post({
      method: options.method ?? 'POST',
      body: options.base64 === true ? Buffer.from(body, 'utf8').toString('base64') : body,
      isBase64Encoded: options.base64 === true,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(options.unsigned !== true && { [options.headerName ?? 'Stripe-Signature']: signature }),
      },
    });
  }

  async post(request: {
    readonly method: string;
    readonly body: string | null;
    readonly isBase64Encoded?: boolean;
    readonly headers: Record<string, string>;
  }): Promise<WebhookAnswer> {
    const event: APIGatewayProxyEvent = {
      ...apiGatewayEvent({
        method: request.method,
        path: '/webhooks/stripe',
        query: {},
        headers: { 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', ...request.headers },
        body: request.body,
      }),
      isBase64Encoded: request.isBase64Encoded ?? false,
    };
    const result = await this.handler(event, lambdaContext('stripe-webhook'));
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    return {
      status: result.statusCode,
      contentType: headers['content-type'],
      headers,
      body: JSON.parse(result.body) as Record<string, unknown>,
    };
  }

  /** The bodies of the recharge requests on the queue, taken off it. */
  async queuedRequests(): Promise<Record<string, unknown>[]> {
    const bodies: Record<string, unknown>[] = [];
    for (;;) {
      const { Messages: messages = [] } = await this.queue.client.send(
        new ReceiveMessageCommand({ QueueUrl: this.queue.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (messages.length === 0) return bodies;
      bodies.push(...messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>));
    }
  }
}
