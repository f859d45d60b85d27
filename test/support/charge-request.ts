/** A recharge's card charge as the recharge use case asks the provider for it, with a fresh idempotency key. */
import { randomUUID } from 'node:crypto';
import type { ChargeRequest } from '../../functions/domain/recharge/payment-provider';

export const chargeRequest = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  partnerId: 'partner-1',
  customerId: 'cus_partner1',
  paymentMethod: 'pm_card_visa',
  amountCents: 52_000,
  currency: 'EUR',
  idempotencyKey: `att-${randomUUID()}`,
  description: 'Prepaid balance recharge',
  ...overrides,
});
