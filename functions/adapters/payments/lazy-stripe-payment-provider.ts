/**
 * Stripe behind the payment port, with the SDK loaded and the client created on the first
 * call to Stripe rather than at cold start. The SDK is most of what a charging function
 * would load, and many invocations never call Stripe: the API mostly reads and records,
 * the daily run starter only queues shards, a shard charges only partners with a retry due.
 *
 * The modules below are imported only for their types here, so a bundle keeps their code
 * behind the dynamic import and `require('stripe')` runs on the first call. A load that
 * fails (the Stripe layer missing from the function) throws before any request is sent,
 * so a charge attempt stays open and is resumed once the function is fixed.
 */
import type { CardPages } from '../../config';
import type { CardProvider } from '../../domain/card-provider';
import type {
  ChargeRefunds,
  MoneyBackProvider,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../domain/money-back/money-back-provider';
import type { PaymentPageRequest, PaymentPages } from '../../domain/recharge/payment-pages';
import type {
  ChargeReference,
  ChargeRequest,
  ChargeResult,
  ChargeStatus,
  PaymentMethodCheck,
  PaymentProvider,
  SavedCard,
  SetupSession,
  SetupSessionRequest,
} from '../../domain/recharge/payment-provider';
import type { StripeClientOptions } from './stripe-client';

export class LazyStripePaymentProvider implements PaymentProvider, MoneyBackProvider, PaymentPages {
  /** Known without the SDK: Stripe charges only cards saved to a customer. */
  readonly requiresCustomer = true;
  private loaded: Promise<CardProvider> | undefined;

  constructor(
    private readonly options: StripeClientOptions,
    private readonly pages: CardPages,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    return (await this.provider()).charge(request);
  }

  async createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    return (await this.provider()).createPaymentPage(request);
  }

  async chargeStatus(reference: ChargeReference): Promise<ChargeStatus> {
    return (await this.provider()).chargeStatus(reference);
  }

  async cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    return (await this.provider()).cancelCharge(reference);
  }

  async checkPaymentMethod(paymentMethod: string, customerId: string | undefined): Promise<PaymentMethodCheck> {
    return (await this.provider()).checkPaymentMethod(paymentMethod, customerId);
  }

  async createSetupSession(request: SetupSessionRequest): Promise<SetupSession> {
    return (await this.provider()).createSetupSession(request);
  }

  async savedCard(setupReference: string): Promise<SavedCard | undefined> {
    return (await this.provider()).savedCard(setupReference);
  }

  async dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    return (await this.provider()).dispute(disputeId);
  }

  async refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    return (await this.provider()).refundsOf(providerChargeId);
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    return (await this.provider()).refund(request);
  }

  /** One client per process, shared by calls that start together. */
  private provider(): Promise<CardProvider> {
    this.loaded ??= loadCardProvider(this.options, this.pages);
    return this.loaded;
  }
}

async function loadCardProvider(options: StripeClientOptions, pages: CardPages): Promise<CardProvider> {
  const [{ createStripeClient }, { StripePaymentProvider }] = await Promise.all([
    import('./stripe-client'),
    import('./stripe-payment-provider'),
  ]);
  return new StripePaymentProvider(createStripeClient(options), pages);
}
