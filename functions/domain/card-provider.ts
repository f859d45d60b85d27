/**
 * The card provider as the system uses it: charges (functions/domain/recharge), money that
 * comes back (functions/domain/money-back) and hosted payment pages. Stripe, the sandbox
 * and their test doubles are all three; the wirings give the one object to each port.
 */
import type { MoneyBackProvider } from './money-back/money-back-provider';
import type { PaymentPages } from './recharge/payment-pages';
import type { PaymentProvider } from './recharge/payment-provider';

export type CardProvider = PaymentProvider & MoneyBackProvider & PaymentPages;
