/**
 * The Charge a PaymentIntent makes when it is paid, as Stripe shows it in the events about
 * money that comes back (`charge.refunded`): what of it was refunded, and whether it is
 * disputed. Stripe copies the intent's metadata to the charge when the intent is confirmed.
 */
import type { Clock } from '../../../functions/domain/ports';
import { secondsAt } from './wire';

export interface FakeCharge {
  readonly id: string;
  readonly object: 'charge';
  readonly amount: number;
  readonly amount_captured: number;
  /** Refunds that left or are leaving (pending ones too); a refund that fails gives its amount back. */
  readonly amount_refunded: number;
  readonly captured: true;
  readonly currency: string;
  readonly customer: string | null;
  readonly disputed: boolean;
  readonly metadata: Record<string, string>;
  readonly paid: true;
  readonly payment_intent: string;
  readonly payment_method: string | null;
  /** Refunded in full. */
  readonly refunded: boolean;
  readonly status: 'succeeded';
  readonly created: number;
  readonly livemode: false;
}

/** What a paid intent gives its charge. */
export interface PaidIntent {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly payment_method: string | null;
  readonly metadata: Record<string, string>;
}

export class Charges {
  private readonly byIntent = new Map<string, FakeCharge>();

  constructor(private readonly clock: Clock) {}

  /** The charge `chargeId` of an intent that was just paid. */
  pay(intent: PaidIntent, chargeId: string): FakeCharge {
    const charge: FakeCharge = {
      id: chargeId,
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: 0,
      captured: true,
      currency: intent.currency,
      customer: intent.customer,
      disputed: false,
      metadata: { ...intent.metadata },
      paid: true,
      payment_intent: intent.id,
      payment_method: intent.payment_method,
      refunded: false,
      status: 'succeeded',
      created: secondsAt(this.clock),
      livemode: false,
    };
    this.byIntent.set(intent.id, charge);
    return charge;
  }

  /** The paid charge of an intent, if it was paid. */
  ofIntent(paymentIntentId: string): FakeCharge | undefined {
    return this.byIntent.get(paymentIntentId);
  }

  /** Moves `amount_refunded` by `cents` (negative when a refund fails), and `refunded` with it. */
  refund(paymentIntentId: string, cents: number): FakeCharge {
    const charge = this.paid(paymentIntentId);
    const amountRefunded = charge.amount_refunded + cents;
    return this.save({ ...charge, amount_refunded: amountRefunded, refunded: amountRefunded === charge.amount });
  }

  markDisputed(paymentIntentId: string): FakeCharge {
    return this.save({ ...this.paid(paymentIntentId), disputed: true });
  }

  clear(): void {
    this.byIntent.clear();
  }

  private paid(paymentIntentId: string): FakeCharge {
    const charge = this.byIntent.get(paymentIntentId);
    if (charge === undefined) throw new Error(`payment intent ${paymentIntentId} has no paid charge`);
    return charge;
  }

  private save(charge: FakeCharge): FakeCharge {
    this.byIntent.set(charge.payment_intent, charge);
    return charge;
  }
}
