/**
 * Card providers that pass every call to another: test doubles extend one and change one
 * answer. `PassingProvider` forwards the payment port; `PassingMoneyBackProvider` forwards
 * disputes and refunds as well, for doubles of a provider that answers both;
 * `PassingPaymentPagesProvider` forwards the hosted payment page too, for doubles of a
 * provider that also serves one (Stripe, the sandbox).
 */
import type {
  ChargeRefunds,
  MoneyBackProvider,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../functions/domain/money-back/money-back-provider';
import type { PaymentPageRequest, PaymentPages } from '../../functions/domain/recharge/payment-pages';
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
} from '../../functions/domain/recharge/payment-provider';

export class PassingProvider implements PaymentProvider {
  constructor(protected readonly real: PaymentProvider) {}

  get requiresCustomer(): boolean {
    return this.real.requiresCustomer;
  }

  charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.real.charge(request);
  }

  chargeStatus(reference: ChargeReference): Promise<ChargeStatus> {
    return this.real.chargeStatus(reference);
  }

  cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    return this.real.cancelCharge(reference);
  }

  checkPaymentMethod(paymentMethod: string, customerId: string | undefined): Promise<PaymentMethodCheck> {
    return this.real.checkPaymentMethod(paymentMethod, customerId);
  }

  createSetupSession(request: SetupSessionRequest): Promise<SetupSession> {
    return this.real.createSetupSession(request);
  }

  savedCard(setupReference: string): Promise<SavedCard | undefined> {
    return this.real.savedCard(setupReference);
  }
}

export class PassingMoneyBackProvider extends PassingProvider implements MoneyBackProvider {
  constructor(protected override readonly real: PaymentProvider & MoneyBackProvider) {
    super(real);
  }

  dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    return this.real.dispute(disputeId);
  }

  refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    return this.real.refundsOf(providerChargeId);
  }

  refund(request: RefundRequest): Promise<RefundResult> {
    return this.real.refund(request);
  }
}

export class PassingPaymentPagesProvider extends PassingMoneyBackProvider implements PaymentPages {
  constructor(protected override readonly real: PaymentProvider & MoneyBackProvider & PaymentPages) {
    super(real);
  }

  createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    return this.real.createPaymentPage(request);
  }
}
