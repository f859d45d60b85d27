/**
 * What a Checkout Session in payment mode adds to a session: line items priced inline
 * (`price_data` with `product_data`), their total in one currency, and the PaymentIntent
 * its page makes when the partner pays, which carries `payment_intent_data` (metadata,
 * description, `setup_future_usage`: the card saved to the customer for later off-session
 * charges once it paid).
 */
import type { Customers } from './customers';
import type { CheckoutIntent, FakePaymentIntent, PaymentIntents } from './payment-intents';
import { type Params, invalidRequest, missingParam, nested } from './wire';

/** The fields of a Checkout Session that its mode fills: payment mode's, or left empty in setup mode. */
export interface PaymentFields {
  readonly customer: string | null;
  /** Lower case; in payment mode, the line items'. */
  readonly currency: string | null;
  /** Cents, in payment mode. */
  readonly amount_subtotal: number | null;
  readonly amount_total: number | null;
  /** Made when the partner first pays on the page; null before, and in setup mode. */
  readonly payment_intent: string | null;
  readonly payment_status: 'no_payment_required' | 'unpaid' | 'paid';
}

/** What paying a session on its page needs of it. */
interface PayableSession extends PaymentFields {
  readonly id: string;
  readonly allowed_payment_method_types: readonly string[] | null;
}

const FUTURE_USAGES = ['on_session', 'off_session'] as const;

export class CheckoutPayments {
  /** What each session gives the PaymentIntent its page makes, by session id. */
  private readonly intentData = new Map<string, Omit<CheckoutIntent, 'amount' | 'currency' | 'customer'>>();

  constructor(
    private readonly customers: Customers,
    private readonly paymentIntents: PaymentIntents,
  ) {}

  /** The payment fields of a new session `sessionId`, refused as Stripe refuses them. */
  open(sessionId: string, params: Params): PaymentFields {
    const items = lineItems(params);
    const [first] = items;
    if (first === undefined) throw missingParam('line_items');
    if (items.some((item) => item.currency !== first.currency)) {
      throw invalidRequest('All line items must be in the same currency.', { param: 'line_items' });
    }
    const data = nested(params, 'payment_intent_data');
    const futureUsage = data.setup_future_usage;
    if (futureUsage !== undefined && !FUTURE_USAGES.some((usage) => usage === futureUsage)) {
      throw invalidRequest(
        `Invalid payment_intent_data[setup_future_usage]: must be one of ${FUTURE_USAGES.join(' or ')}`,
        { param: 'payment_intent_data[setup_future_usage]' },
      );
    }
    const customer = params.customer === undefined ? null : this.customers.existing(params.customer).id;
    const total = items.reduce((sum, item) => sum + item.amount, 0);
    this.intentData.set(sessionId, {
      description: data.description ?? null,
      metadata: nested(params, 'payment_intent_data[metadata]'),
      setupFutureUsage: futureUsage === 'on_session' || futureUsage === 'off_session' ? futureUsage : null,
    });
    return {
      customer,
      currency: first.currency,
      amount_subtotal: total,
      amount_total: total,
      payment_intent: null,
      payment_status: 'unpaid',
    };
  }

  /** The partner pays `session` on its page with the card of `token`: its intent paid, or declined. */
  pay(session: PayableSession, token: string): FakePaymentIntent {
    const data = this.intentData.get(session.id);
    if (data === undefined || session.amount_total === null || session.currency === null) {
      throw new Error(`checkout session ${session.id} is not in payment mode`);
    }
    const method = this.customers.chargeable(token, session.customer);
    if (session.allowed_payment_method_types?.includes(method.object.type) === false) {
      throw new Error(`checkout session ${session.id} does not take ${method.object.type} payment methods`);
    }
    return this.paymentIntents.confirmOnPage(
      session.payment_intent,
      { ...data, amount: session.amount_total, currency: session.currency, customer: session.customer },
      method,
    );
  }

  /** The intent a declined card left on an expired session. */
  abandon(paymentIntentId: string): void {
    this.paymentIntents.abandon(paymentIntentId);
  }
}

interface LineItem {
  readonly currency: string;
  /** Cents: unit amount times quantity. */
  readonly amount: number;
}

/** `line_items[i][...]` as sent, each priced inline. */
function lineItems(params: Params): LineItem[] {
  const indexes = new Set<number>();
  for (const key of Object.keys(params)) {
    const match = /^line_items\[(\d+)\]/.exec(key);
    if (match?.[1] !== undefined) indexes.add(Number(match[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((index) => {
      const item = `line_items[${index}]`;
      if (params[`${item}[price]`] !== undefined) {
        throw invalidRequest('Only line items priced with price_data are served here.', { param: `${item}[price]` });
      }
      const price = nested(params, `${item}[price_data]`);
      if (price.currency === undefined || !/^[a-z]{3}$/.test(price.currency)) {
        throw missingParam(`${item}[price_data][currency]`);
      }
      if (nested(params, `${item}[price_data][product_data]`).name === undefined) {
        throw missingParam(`${item}[price_data][product_data][name]`);
      }
      const unitAmount = wholeNumber(price.unit_amount, `${item}[price_data][unit_amount]`);
      const quantity = wholeNumber(params[`${item}[quantity]`], `${item}[quantity]`);
      return { currency: price.currency, amount: unitAmount * quantity };
    });
}

function wholeNumber(value: string | undefined, param: string): number {
  if (value === undefined) throw missingParam(param);
  if (!/^[0-9]+$/.test(value))
    throw invalidRequest(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param });
  return Number(value);
}
