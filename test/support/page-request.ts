/** A payment page as a top-up asks the provider for it (PaymentPages), with a fresh idempotency key. */
import { randomUUID } from 'node:crypto';
import type { PaymentPageRequest } from '../../functions/domain/recharge/payment-pages';

export const pageRequest = (overrides: Partial<PaymentPageRequest> = {}): PaymentPageRequest => ({
  partnerId: 'partner-1',
  customerId: 'cus_partner1',
  amountCents: 52_000,
  currency: 'EUR',
  idempotencyKey: `att-${randomUUID()}`,
  description: 'Prepaid balance top-up',
  ...overrides,
});
