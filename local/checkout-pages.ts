/**
 * The sandbox's payment page, served by the local runtime (docs/contract.md §14): where a
 * top-up's `actionUrl` leads, the stand-in for Stripe Checkout in payment mode. The page
 * shows the partner and the amount, and how to answer it with curl; a POST to it, from its
 * buttons or from curl, pays it with a test card (saved for later charges) or abandons it.
 * The balance is credited through the webhook, as it is from Stripe.
 */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import * as z from 'zod';
import { DEFAULT_PAGE_CARD, type PaymentPageRefusal } from '../functions/adapters/payments/sandbox-checkout';
import type { SandboxPaymentProvider } from '../functions/adapters/payments/sandbox-payment-provider';
import { NOT_A_CARD, TEST_CARDS } from '../functions/adapters/payments/sandbox-cards';
import { problem } from '../functions/api/problems';
import { MICROS_PER_CENT, formatAmount, micros } from '../functions/domain/money';
import { readAnswer } from './card-pages';
import { escapeHtml, html, json, page, resultPage } from './page-html';

/** What the page needs of the sandbox provider. */
export type PaymentPagesProvider = Pick<SandboxPaymentProvider, 'paymentPages' | 'payPage' | 'abandonPage'>;

export const CHECKOUT_PAGES = '/local/pages/checkout';

/** `{"paymentMethod": …}` pays (the default card without one); `{"outcome": "cancel"}` abandons. */
const CheckoutAnswer = z.union([
  z.strictObject({ outcome: z.literal('pay').optional(), paymentMethod: z.string().trim().min(1).optional() }),
  z.strictObject({ outcome: z.literal('cancel') }),
]);

/** A refusal of the sandbox as the HTTP problem a client can act on. */
const REFUSALS: Readonly<Record<PaymentPageRefusal['code'], { status: number; type: string; title: string }>> = {
  'not-found': { status: 404, type: 'page-not-found', title: 'No such page' },
  paid: { status: 409, type: 'payment-page-paid', title: 'Payment page already paid' },
  expired: { status: 410, type: 'payment-page-expired', title: 'Payment page expired' },
  'card-refused': { status: 422, type: 'card-refused', title: 'Card refused' },
  'card-declined': { status: 402, type: 'card-declined', title: 'Card declined' },
};

export function addCheckoutPages(app: Router, provider: PaymentPagesProvider): void {
  app.get(`${CHECKOUT_PAGES}/:sessionId`, async ({ params }) => {
    const found = provider.paymentPages.find((candidate) => candidate.sessionId === params.sessionId);
    if (found === undefined) return refused({ code: 'not-found', detail: `no payment page ${params.sessionId}` });
    return html(200, paymentPage(found));
  });

  // The router matches a path only with its parameter: the `= ''` default is for the type alone.
  app.post(`${CHECKOUT_PAGES}/:sessionId`, async ({ params: { sessionId = '' }, req }) => {
    const answer = await readAnswer(
      req,
      CheckoutAnswer,
      '{"paymentMethod": "pm_card_visa"}, {"outcome": "cancel"}, or nothing to pay',
    );
    if (answer instanceof Response) return answer;
    const { fields, fromForm } = answer;
    if (fields.outcome === 'cancel') {
      const abandoned = provider.abandonPage(sessionId);
      if ('outcome' in abandoned) return refused(abandoned);
      return fromForm
        ? html(200, resultPage('Payment abandoned', `The page ${sessionId} expired: nothing was charged.`))
        : json(200, { outcome: 'expired', sessionId });
    }
    const paid = provider.payPage(sessionId, fields.paymentMethod);
    if ('outcome' in paid) return refused(paid);
    return fromForm
      ? html(
          200,
          resultPage(
            'Payment made',
            `${paid.paymentMethod} paid ${paid.paymentIntent}; the balance is credited shortly.`,
          ),
        )
      : json(200, { outcome: 'paid', sessionId, ...paid });
  });
}

function refused(refusal: Pick<PaymentPageRefusal, 'code' | 'detail'>): Response {
  const { status, type, title } = REFUSALS[refusal.code];
  return problem(status, type, title, refusal.detail);
}

function paymentPage(found: PaymentPagesProvider['paymentPages'][number]): string {
  const { request, status } = found;
  const amount = formatAmount(micros(request.amountCents * MICROS_PER_CENT));
  const cards = [DEFAULT_PAGE_CARD, ...[...TEST_CARDS.keys()].filter((card) => card !== DEFAULT_PAGE_CARD), NOT_A_CARD];
  const options = cards.map((card) => `<option>${escapeHtml(card)}</option>`).join('');
  const form =
    status === 'open'
      ? `<form method="post"><select name="paymentMethod">${options}</select> <button name="outcome" value="pay">Pay</button></form>
<form method="post"><button name="outcome" value="cancel">Cancel</button></form>`
      : '';
  const outcome =
    found.paid !== undefined
      ? `paid by ${escapeHtml(found.paid.paymentIntent)} with ${escapeHtml(found.paid.paymentMethod)}`
      : escapeHtml(status);
  return page(
    'Pay',
    `<p>The sandbox's stand-in for Stripe Checkout in payment mode: partner <b>${escapeHtml(request.partnerId)}</b> pays
<b>${escapeHtml(amount)} ${escapeHtml(request.currency)}</b> (${escapeHtml(request.description)}); the card is saved for later charges.</p>
<p>Session ${escapeHtml(found.sessionId)}: <b>${outcome}</b> (expires ${escapeHtml(found.expiresAt.toISOString())}).</p>
${form}
<p>From a terminal (another card: <code>{"paymentMethod":"pm_card_mastercard"}</code>; to give up: <code>{"outcome":"cancel"}</code>):</p>
<pre>curl -s -X POST '${escapeHtml(found.url)}'</pre>`,
  );
}
