/**
 * The configured card provider: Stripe with its key from Secrets Manager, or the sandbox
 * for local runs. The key is read and checked at cold start, so a blank secret stops the
 * function before it takes work; the Stripe SDK itself is loaded on the first call.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { PaymentProviderConfig } from '../../config';
import type { CardProvider } from '../../domain/card-provider';
import { LazyStripePaymentProvider } from './lazy-stripe-payment-provider';
import { SandboxPaymentProvider } from './sandbox-payment-provider';
import type { StripeClientOptions } from './stripe-client';

/**
 * How long the Stripe client waits for a request and how often it retries one, for a
 * function with less time than a charge may take (the API); the client's defaults otherwise.
 */
export type StripeBudget = Pick<StripeClientOptions, 'timeoutMs' | 'maxNetworkRetries'>;

export async function paymentProviderFrom(
  config: PaymentProviderConfig,
  budget: StripeBudget = {},
): Promise<CardProvider> {
  if (config.kind === 'sandbox') return new SandboxPaymentProvider();
  const apiKey = await getSecret(config.secretId, { maxAge: 300 });
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new Error(`secret ${config.secretId} must hold the Stripe secret key as a plain string`);
  }
  return new LazyStripePaymentProvider({ ...budget, apiKey }, config.pages);
}
