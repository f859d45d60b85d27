/**
 * Stripe behind the payment port, with the SDK loaded and the client created on the first
 * charge rather than at cold start. The SDK is most of what a charging function would load,
 * and many invocations never charge: the API mostly reads and records, the daily run
 * starter only queues shards, a shard charges only partners with a retry due.
 *
 * The modules below are imported only for their types here, so a bundle keeps their code
 * behind the dynamic import and `require('stripe')` runs on the first charge. A load that
 * fails (the Stripe layer missing from the function) throws before any request is sent,
 * so the charge attempt stays open and is resumed once the function is fixed.
 */
import type { ChargeRequest, ChargeResult, PaymentProvider } from '../../domain/recharge/payment-provider';
import type { StripeClientOptions } from './stripe-client';

export class LazyStripePaymentProvider implements PaymentProvider {
  private provider: Promise<PaymentProvider> | undefined;

  constructor(private readonly options: StripeClientOptions) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    // One client per process, shared by charges that start together.
    this.provider ??= loadStripeProvider(this.options);
    return (await this.provider).charge(request);
  }
}

async function loadStripeProvider(options: StripeClientOptions): Promise<PaymentProvider> {
  const [{ createStripeClient }, { StripePaymentProvider }] = await Promise.all([
    import('./stripe-client'),
    import('./stripe-payment-provider'),
  ]);
  return new StripePaymentProvider(createStripeClient(options));
}
