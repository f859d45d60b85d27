/** A card provider that passes every call to another: test doubles extend it and change one answer. */
import type { CardProvider } from '../../functions/domain/card-provider';
import type {
  ChargeRefunds,
  ProviderDispute,
  RefundRequest,
  RefundResult,
} from '../../functions/domain/money-back/money-back-provider';
import type { PaymentPageRequest } from '../../functions/domain/recharge/payment-pages';
import type {
  ChargeReference,
  ChargeRequest,
  ChargeResult,
  ChargeStatus,
  PaymentMethodCheck,
  SavedCard,
  SetupSession,
  SetupSessionRequest,
} from '../../functions/domain/recharge/payment-provider';

export class PassingProvider implements CardProvider {
  constructor(protected readonly real: CardProvider) {}

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

  dispute(disputeId: string): Promise<ProviderDispute | undefined> {
    return this.real.dispute(disputeId);
  }

  refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    return this.real.refundsOf(providerChargeId);
  }

  refund(request: RefundRequest): Promise<RefundResult> {
    return this.real.refund(request);
  }

  createPaymentPage(request: PaymentPageRequest): Promise<ChargeResult> {
    return this.real.createPaymentPage(request);
  }
}
