/**
 * The API and the webhook endpoint with the Stripe adapter and the real Stripe SDK against
 * the fake Stripe (test/support/fake-stripe-server.ts), on the recharge harness's table and
 * clock, with a real recharge queue: the adapter has the API function's client settings
 * unless told (no retries, a short timeout), and the webhook takes the fake's signatures.
 */
import { type StripeClientOptions, createStripeClient } from '../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../functions/adapters/payments/stripe-payment-provider';
import { ApiHarness } from './api-harness';
import { FakeStripeServer } from './fake-stripe-server';
import { RechargeHarness } from './recharge-harness';
import { type TestQueues, createTestQueues } from './usage-queues';
import { WebhookHarness } from './webhook-harness';

export const CARD_PAGES = {
  returnUrl: 'https://billing.example/cards/done',
  cancelUrl: 'https://billing.example/cards/left',
};

/** The API's client settings; a hung request is given up quickly, a local answer comes far sooner. */
const API_CLIENT: Pick<StripeClientOptions, 'timeoutMs' | 'maxNetworkRetries'> = {
  timeoutMs: 400,
  maxNetworkRetries: 0,
};

export class StripeApiHarness {
  private constructor(
    readonly recharge: RechargeHarness,
    readonly fake: FakeStripeServer,
    readonly queue: TestQueues,
    readonly provider: StripePaymentProvider,
    readonly api: ApiHarness,
    readonly webhook: WebhookHarness,
  ) {}

  /** `client`: other settings of the SDK's client than the API's (`{}` for the SDK's own). */
  static async start(
    options: { readonly client?: Pick<StripeClientOptions, 'timeoutMs' | 'maxNetworkRetries'> } = {},
  ): Promise<StripeApiHarness> {
    const recharge = await RechargeHarness.start();
    const [fake, queue] = await Promise.all([FakeStripeServer.start({ clock: recharge.clock }), createTestQueues()]);
    const provider = new StripePaymentProvider(
      createStripeClient({
        apiKey: 'sk_test_fake',
        host: '127.0.0.1',
        port: fake.port,
        protocol: 'http',
        ...(options.client ?? API_CLIENT),
      }),
      CARD_PAGES,
      recharge.clock,
    );
    const api = new ApiHarness(recharge, { queue, provider });
    const webhook = await WebhookHarness.start(recharge, { provider, secret: fake.webhookSecret });
    return new StripeApiHarness(recharge, fake, queue, provider, api, webhook);
  }

  /** Takes off the recharge queues what a test left there. */
  async drainQueues(): Promise<void> {
    await Promise.all([this.api.queuedRequests(), this.webhook.queuedRequests()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.fake.close(), this.queue.drop(), this.webhook.stop()]);
    await this.recharge.stop();
  }
}
