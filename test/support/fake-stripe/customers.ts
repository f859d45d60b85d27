/**
 * Customers and the PaymentMethods saved to them, with Stripe's rules for reusing a card:
 * a card is charged again only while it is saved to the customer the charge names; a card
 * saved to another customer, or detached, is refused.
 */
import type { Clock } from '../../../functions/domain/ports';
import type { EventLog } from './events';
import { TEST_PAYMENT_METHODS, type TestPaymentMethod } from './test-payment-methods';
import { type Params, invalidRequest, missingParam, nested, noSuch, secondsAt, stripeId } from './wire';

export interface FakeCustomer {
  readonly id: string;
  readonly object: 'customer';
  readonly created: number;
  readonly email: string | null;
  readonly name: string | null;
  readonly metadata: Record<string, string>;
  readonly livemode: false;
}

export interface FakePaymentMethod {
  readonly id: string;
  readonly object: 'payment_method';
  readonly type: TestPaymentMethod['type'];
  readonly card?: Readonly<Record<string, unknown>>;
  readonly us_bank_account?: Readonly<Record<string, unknown>>;
  readonly customer: string | null;
  readonly created: number;
  readonly livemode: false;
  readonly metadata: Record<string, string>;
}

/** A PaymentMethod the fake holds, with what Stripe knows of it and does not show. */
export interface HeldMethod {
  readonly object: FakePaymentMethod;
  readonly behaviour: TestPaymentMethod;
  /** Detached from its customer: Stripe never lets it be used again. */
  readonly detached: boolean;
}

export class Customers {
  private readonly customers = new Map<string, FakeCustomer>();
  private readonly deleted = new Set<string>();
  private readonly methods = new Map<string, HeldMethod>();

  constructor(
    private readonly events: EventLog,
    private readonly clock: Clock,
  ) {}

  create(params: Params, id = stripeId('cus')): FakeCustomer {
    if (this.customers.has(id) || this.deleted.has(id)) throw new Error(`customer ${id} exists already`);
    const customer: FakeCustomer = {
      id,
      object: 'customer',
      created: secondsAt(this.clock),
      email: params.email ?? null,
      name: params.name ?? null,
      metadata: nested(params, 'metadata'),
      livemode: false,
    };
    this.customers.set(id, customer);
    this.events.record('customer.created', customer);
    return customer;
  }

  /** GET /v1/customers/:id: a deleted customer is answered as Stripe does, with `deleted: true`. */
  retrieve(id: string): unknown {
    if (this.deleted.has(id)) return { id, object: 'customer', deleted: true };
    const customer = this.customers.get(id);
    if (customer === undefined) throw noSuch('customer', id);
    return customer;
  }

  /** Deleting a customer detaches its saved PaymentMethods. */
  delete(id: string): void {
    const customer = this.customers.get(id);
    if (customer === undefined) throw new Error(`no customer ${id} to delete`);
    for (const held of this.methods.values()) if (held.object.customer === id) this.detachHeld(held);
    this.customers.delete(id);
    this.deleted.add(id);
    this.events.record('customer.deleted', customer);
  }

  /** A customer named by a request's parameter, which must exist and not be deleted. */
  existing(id: string, param = 'customer'): FakeCustomer {
    const customer = this.customers.get(id);
    if (customer === undefined) throw noSuch('customer', id, param);
    return customer;
  }

  /** GET /v1/payment_methods/:id: a test token answers with a new PaymentMethod saved to nobody, as in test mode. */
  retrieveMethod(id: string): FakePaymentMethod {
    return this.resolve(id).object;
  }

  /** POST /v1/payment_methods/:id/attach. A token makes a new PaymentMethod saved to the customer. */
  attach(id: string, params: Params): FakePaymentMethod {
    if (params.customer === undefined) throw missingParam('customer');
    const customer = this.existing(params.customer);
    const held = this.resolve(id);
    if (held.detached) {
      throw invalidRequest(
        'This PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
      );
    }
    if (held.object.customer === customer.id) return held.object;
    if (held.object.customer !== null) {
      throw invalidRequest('The payment method you provided has already been attached to a customer.');
    }
    const attached = { ...held, object: { ...held.object, customer: customer.id } };
    this.methods.set(attached.object.id, attached);
    this.events.record('payment_method.attached', attached.object);
    return attached.object;
  }

  /** POST /v1/payment_methods/:id/detach. */
  detach(id: string): FakePaymentMethod {
    const held = this.methods.get(id);
    if (held === undefined) throw noSuch('PaymentMethod', id);
    if (held.object.customer === null) {
      throw invalidRequest(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
      );
    }
    return this.detachHeld(held).object;
  }

  /**
   * The card a charge of `customer` may use, as Stripe checks it when a PaymentIntent is
   * created or confirmed. Test tokens are charged as they are (test mode allows it).
   */
  chargeable(paymentMethod: string | undefined, customer: string | null): HeldMethod {
    if (paymentMethod === undefined) throw missingParam('payment_method');
    const held = this.resolve(paymentMethod, 'payment_method');
    if (TEST_PAYMENT_METHODS.has(paymentMethod)) return held;
    if (held.detached) {
      throw invalidRequest(
        'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
      );
    }
    const owner = held.object.customer;
    if (customer !== null && owner !== customer) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${paymentMethod}. The payment method must be attached to the customer.`,
        { param: 'payment_method' },
      );
    }
    if (customer === null && owner !== null) {
      throw invalidRequest(
        `The \`payment_method\` parameter supplied ${paymentMethod} belongs to the Customer ${owner}. Please include the Customer in the \`customer\` parameter on the PaymentIntent.`,
        { param: 'payment_method' },
      );
    }
    return held;
  }

  clear(): void {
    this.customers.clear();
    this.deleted.clear();
    this.methods.clear();
  }

  /** A held PaymentMethod by id, a test token making a new one. */
  private resolve(id: string, param?: string): HeldMethod {
    const held = this.methods.get(id);
    if (held !== undefined) return held;
    const behaviour = TEST_PAYMENT_METHODS.get(id);
    if (behaviour === undefined) throw noSuch('PaymentMethod', id, param);
    const made: HeldMethod = {
      object: {
        id: stripeId('pm'),
        object: 'payment_method',
        type: behaviour.type,
        [behaviour.type]: behaviour.details,
        customer: null,
        created: secondsAt(this.clock),
        livemode: false,
        metadata: {},
      },
      behaviour,
      detached: false,
    };
    this.methods.set(made.object.id, made);
    return made;
  }

  private detachHeld(held: HeldMethod): HeldMethod {
    const detached: HeldMethod = { ...held, object: { ...held.object, customer: null }, detached: true };
    this.methods.set(detached.object.id, detached);
    this.events.record('payment_method.detached', detached.object);
    return detached;
  }
}
