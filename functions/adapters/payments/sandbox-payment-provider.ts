/**
 * The card provider of local runs and tests: honours Stripe's test payment method ids
 * (docs/contract.md §5) and Stripe's idempotency (a key answers the same charge forever), and
 * can be told to lose the answer of its next calls, with or without charging, to play
 * the provider timeouts a real system meets.
 */
import type { ChargeRequest, ChargeResult, PaymentProvider } from '../../domain/recharge/payment-provider';

const SUCCEEDING = new Set(['pm_card_visa', 'pm_card_mastercard']);
const DECLINING: Readonly<Record<string, string>> = {
  pm_card_chargeDeclined: 'generic_decline',
  pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_chargeDeclinedExpiredCard: 'expired_card',
  pm_card_authenticationRequired: 'authentication_required',
};

/** `timeout-after-charge`: the card is charged but the answer is lost; `timeout-before-charge`: nothing happens. */
export type SandboxFault = 'timeout-after-charge' | 'timeout-before-charge';

export interface SandboxCharge {
  readonly chargeId: string;
  readonly request: ChargeRequest;
  readonly result: ChargeResult;
}

export class SandboxPaymentProvider implements PaymentProvider {
  private readonly byKey = new Map<string, SandboxCharge>();
  private readonly lostAnswers: SandboxFault[] = [];
  private sequence = 0;

  /** Every call that reached the card network, successful or declined, in order. */
  get charges(): readonly SandboxCharge[] {
    return [...this.byKey.values()];
  }

  /** The next calls lose their answers, in this order. */
  failNext(...losses: SandboxFault[]): void {
    this.lostAnswers.push(...losses);
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const earlier = this.byKey.get(request.idempotencyKey);
    if (earlier !== undefined) return this.replay(earlier, request);
    const fault = this.lostAnswers.shift();
    if (fault === 'timeout-before-charge')
      return { outcome: 'unknown', reason: 'sandbox: timed out before the charge' };
    const charge = this.decide(request);
    this.byKey.set(request.idempotencyKey, charge);
    if (fault === 'timeout-after-charge') return { outcome: 'unknown', reason: 'sandbox: timed out after the charge' };
    return charge.result;
  }

  private decide(request: ChargeRequest): SandboxCharge {
    this.sequence += 1;
    const chargeId = `pi_sandbox_${String(this.sequence).padStart(6, '0')}`;
    if (SUCCEEDING.has(request.paymentMethod))
      return { chargeId, request, result: { outcome: 'succeeded', providerChargeId: chargeId } };
    const declineCode = DECLINING[request.paymentMethod] ?? 'unknown_test_payment_method';
    return { chargeId, request, result: { outcome: 'declined', declineCode, providerChargeId: chargeId } };
  }

  /** Stripe answers a replayed key with the first result, and refuses the key with other parameters. */
  private replay(earlier: SandboxCharge, request: ChargeRequest): ChargeResult {
    const same =
      earlier.request.amountCents === request.amountCents &&
      earlier.request.currency === request.currency &&
      earlier.request.paymentMethod === request.paymentMethod;
    return same
      ? earlier.result
      : {
          outcome: 'unknown',
          reason: `sandbox: idempotency key ${request.idempotencyKey} reused with other parameters`,
        };
  }
}
