/**
 * The sandbox's stand-in for Stripe's dashboard (docs/contract.md §11, §13), served by the
 * local runtime: a partner's PaymentIntents, disputes and refunds as Stripe lists them, a
 * refund of a PaymentIntent as the operator makes it there, and a dispute closed won or lost
 * as the cardholder's bank decides it. Answers are Stripe's objects (amounts in cents, as
 * Stripe writes them); what follows in billing, a chargeback or a refund booked, comes
 * through the signed webhook, as it does from Stripe.
 */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import * as z from 'zod';
import type {
  DisputeCloseRefusal,
  RefundRefusal,
  SandboxDispute,
  SandboxRefund,
} from '../functions/adapters/payments/sandbox-money-back';
import type { SandboxPaymentIntent } from '../functions/adapters/payments/sandbox-payment-provider';
import { problem, validationProblem } from '../functions/api/problems';
import { isWholeCents, toCents } from '../functions/domain/money';
import { AmountSchema } from '../functions/schemas/amount-schema';
import { readAnswer } from './card-pages';

/** What the dashboard needs of the sandbox provider. */
export interface StripeDashboardProvider {
  readonly paymentIntents: readonly SandboxPaymentIntent[];
  readonly disputes: readonly SandboxDispute[];
  readonly refunds: readonly SandboxRefund[];
  refundFromDashboard(paymentIntentId: string, amountCents?: number): SandboxRefund | RefundRefusal;
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): SandboxDispute | DisputeCloseRefusal;
}

export const STRIPE_DASHBOARD = '/local/stripe';

const ListQuery = z.strictObject({ partnerId: z.string().min(1).optional() });
const RefundAnswer = z.strictObject({
  amount: AmountSchema.refine(isWholeCents, 'cards are refunded in whole cents: use at most 2 fraction digits')
    .refine((amount) => amount > 0, 'must be more than 0.00')
    .optional(),
});
const CloseAnswer = z.strictObject({ outcome: z.enum(['won', 'lost']) });

/** Stripe's refusal as the HTTP problem a client can act on; the detail is Stripe's message. */
const REFUSALS: Readonly<
  Record<RefundRefusal['code'] | DisputeCloseRefusal['code'], { status: number; type: string; title: string }>
> = {
  resource_missing: { status: 404, type: 'stripe-object-not-found', title: 'No such object at the sandbox' },
  parameter_invalid_integer: { status: 400, type: 'validation-failed', title: 'Request is not valid' },
  payment_intent_unexpected_state: { status: 409, type: 'payment-not-refundable', title: 'Payment not refundable' },
  charge_disputed: { status: 409, type: 'charge-disputed', title: 'Charge disputed' },
  charge_already_refunded: { status: 409, type: 'charge-already-refunded', title: 'Charge already refunded' },
  amount_too_large: { status: 422, type: 'refund-amount-too-large', title: 'Refund amount too large' },
  dispute_already_closed: { status: 409, type: 'dispute-already-closed', title: 'Dispute already closed' },
};

export function addStripeDashboard(app: Router, provider: StripeDashboardProvider): void {
  app.get(`${STRIPE_DASHBOARD}/payment-intents`, async ({ req }) => {
    const partner = partnerOf(req);
    if (partner instanceof Response) return partner;
    return list(
      '/v1/payment_intents',
      provider.paymentIntents.filter((intent) => partner === undefined || intent.metadata.partnerId === partner),
    );
  });

  app.get(`${STRIPE_DASHBOARD}/disputes`, async ({ req }) => {
    const partner = partnerOf(req);
    if (partner instanceof Response) return partner;
    const paidBy = intentsOf(provider, partner);
    return list(
      '/v1/disputes',
      provider.disputes.filter((dispute) => paidBy.has(dispute.payment_intent)),
    );
  });

  app.get(`${STRIPE_DASHBOARD}/refunds`, async ({ req }) => {
    const partner = partnerOf(req);
    if (partner instanceof Response) return partner;
    const paidBy = intentsOf(provider, partner);
    return list(
      '/v1/refunds',
      provider.refunds.filter((refund) => paidBy.has(refund.payment_intent)),
    );
  });

  // The router matches a path only with its parameter: the `= ''` defaults are for the type alone.
  app.post(`${STRIPE_DASHBOARD}/payment-intents/:paymentIntentId/refunds`, async ({ params, req }) => {
    const { paymentIntentId = '' } = params;
    const answer = await readAnswer(req, RefundAnswer, '{"amount": "10.00"}, or nothing to refund all that is left');
    if (answer instanceof Response) return answer;
    const { amount } = answer.fields;
    const refund = provider.refundFromDashboard(paymentIntentId, amount === undefined ? undefined : toCents(amount));
    return 'outcome' in refund ? refused(refund) : json(200, refund);
  });

  app.post(`${STRIPE_DASHBOARD}/disputes/:disputeId/close`, async ({ params, req }) => {
    const { disputeId = '' } = params;
    const answer = await readAnswer(req, CloseAnswer, '{"outcome": "won"} or {"outcome": "lost"}');
    if (answer instanceof Response) return answer;
    const dispute = provider.closeDispute(disputeId, answer.fields.outcome);
    return 'outcome' in dispute ? refused(dispute) : json(200, dispute);
  });
}

/** The `partnerId` a list is narrowed to, if any. */
function partnerOf(req: Request): string | undefined | Response {
  const query = ListQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  return query.success ? query.data.partnerId : validationProblem('query', query.error);
}

/** The PaymentIntents of the partner (of everyone without one): disputes and refunds name theirs. */
function intentsOf(provider: StripeDashboardProvider, partnerId: string | undefined): ReadonlySet<string> {
  return new Set(
    provider.paymentIntents
      .filter((intent) => partnerId === undefined || intent.metadata.partnerId === partnerId)
      .map((intent) => intent.id),
  );
}

/** A Stripe list: newest first, as Stripe lists, and everything in one page. */
function list(url: string, oldestFirst: readonly unknown[]): Response {
  return json(200, { object: 'list', data: [...oldestFirst].reverse(), has_more: false, url });
}

function refused(refusal: RefundRefusal | DisputeCloseRefusal): Response {
  const { status, type, title } = REFUSALS[refusal.code];
  return problem(status, type, title, refusal.detail);
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
