/**
 * What every Lambda that moves money builds at cold start from its configuration: the
 * DynamoDB client, the card provider (its secret read once, the
 * Stripe SDK loaded on the first call) and the system clock.
 */
import { createDocumentClient } from '../adapters/dynamodb/client';
import { type StripeBudget, paymentProviderFrom } from '../adapters/payments/payment-provider-from-config';
import { systemClock } from '../adapters/system-clock';
import type { RechargeConfig } from '../config';
import type { RechargeWiring } from '../wiring/recharge';

export async function rechargeWiringFrom(config: RechargeConfig, stripeBudget?: StripeBudget): Promise<RechargeWiring> {
  return {
    dynamoDb: createDocumentClient({
      ...(config.endpoints.dynamoDb !== undefined && { endpoint: config.endpoints.dynamoDb }),
    }),
    tableName: config.tableName,
    provider: await paymentProviderFrom(config.payments, stripeBudget),
    clock: systemClock,
  };
}
