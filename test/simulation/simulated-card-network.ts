/**
 * The card provider as the simulator plays it: the sandbox provider (test cards succeed
 * or decline, idempotency keys answer the same charge forever), told to lose the answer
 * of a first call now and then, with the card charged or not. Whether a call times out
 * depends on the seed, the partner and the call's number for that partner, so it does
 * not matter which of two partners' concurrent charges reaches the provider first.
 */
import { SandboxPaymentProvider } from '../../functions/adapters/payments/sandbox-payment-provider';
import type { ChargeRequest, ChargeResult, PaymentProvider } from '../../functions/domain/recharge/payment-provider';
import { chanceOf } from './prng';

export class SimulatedCardNetwork implements PaymentProvider {
  readonly sandbox = new SandboxPaymentProvider();
  private readonly callsByPartner = new Map<string, number>();
  private readonly charged = new Set<string>();
  readonly timeouts = { afterCharge: 0, beforeCharge: 0 };

  constructor(
    private readonly seed: number,
    private timeoutRate: number,
  ) {}

  /** The final drain runs with a provider that answers every call. */
  calm(): void {
    this.timeoutRate = 0;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const key = request.idempotencyKey;
    // Recharge attempt ids are random: count a partner's calls instead, which run one after another.
    const call = this.callsByPartner.get(request.partnerId) ?? 0;
    this.callsByPartner.set(request.partnerId, call + 1);
    // The sandbox replays a known key without looking at its faults: lose only answers of new charges.
    if (!this.charged.has(key)) {
      const draw = chanceOf(`${this.seed}/card/${request.partnerId}/${call}`);
      if (draw < this.timeoutRate / 2) {
        this.sandbox.failNext('timeout-before-charge');
        this.timeouts.beforeCharge += 1;
      } else if (draw < this.timeoutRate) {
        this.sandbox.failNext('timeout-after-charge');
        this.timeouts.afterCharge += 1;
      }
    }
    const result = await this.sandbox.charge(request);
    if (result.outcome !== 'unknown' || this.sandbox.charges.some((charge) => charge.request.idempotencyKey === key))
      this.charged.add(key);
    return result;
  }
}
