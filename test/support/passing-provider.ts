/** A card provider that passes every call to another: test doubles extend it and change one answer. */
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
