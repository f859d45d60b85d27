/**
 * The operator's routes of money that comes back (docs/contract.md §13): refunds of unused
 * balance to the partner's cards, and closing an account.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { OPERATOR_REFUNDS_METRIC } from '../../definitions/service';
import { UnknownPartnerError } from '../domain/errors';
import { closeAccount } from '../domain/money-back/close-account';
import { refundBalance } from '../domain/money-back/refund-balance';
import { formatAmount } from '../domain/money';
import { metrics } from '../observability';
import { type ApiRoute, existingPartner, route } from './api-route';
import {
  refundExceedsBalance,
  refundExceedsCharges,
  refundInProgress,
  refundReferenceConflict,
  unknownRefund,
} from './problems';
import * as schemas from './schemas';
import { closureView, refundView } from './views';

const UNANSWERED =
  "the card provider has not answered yet; a part without an answer is sent again with its own idempotency key (by a repeat of the request, the provider's report of the refund or the daily run), so it is never paid twice";

export const MONEY_BACK_ROUTES: readonly ApiRoute[] = [
  route({
    method: 'post',
    path: '/partners/{partnerId}/refunds',
    operationId: 'refundBalance',
    summary:
      "Pay unused balance back to the partner's cards, once per reference: the amount is debited at once and split over the most recent card charges, each for the credit it still carries (never its card fee); a part the card provider refuses is credited back. One refund at a time; a closed partner's balance can be refunded too",
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.RefundBody,
    responses: {
      201: { description: 'Refunded: the card provider answered every part', schema: schemas.RefundView },
      200: {
        description: 'Asked for before with this reference and amount; the refund, done',
        schema: schemas.RefundView,
      },
      202: {
        description: `Debited, and a part is \`open\`: ${UNANSWERED}. \`GET /partners/{partnerId}/refunds/{reference}\` follows it`,
        schema: schemas.RefundView,
      },
    },
    problemStatuses: [400, 404, 409, 422],
    async handle({ path, body }, deps) {
      const result = await refundBalance(
        { partnerId: path.partnerId, amount: body.amount, reference: body.reference },
        deps.moneyBack,
      );
      const asked = formatAmount(body.amount);
      switch (result.kind) {
        case 'refund': {
          const { refund, created } = result;
          if (created) metrics.singleMetric().addMetric(OPERATOR_REFUNDS_METRIC, MetricUnit.Count, 1);
          return { status: refund.state === 'open' ? 202 : created ? 201 : 200, body: refundView(refund) };
        }
        case 'unknown-partner':
          throw new UnknownPartnerError(path.partnerId);
        case 'reference-conflict':
          throw refundReferenceConflict(body.reference, formatAmount(result.existing.amount), asked);
        case 'refund-in-progress':
          throw refundInProgress(path.partnerId, result.reference);
        case 'exceeds-balance':
          throw refundExceedsBalance(asked, formatAmount(result.liveBalance));
        case 'exceeds-charges':
          throw refundExceedsCharges(asked, formatAmount(result.refundable), result.tooManyCharges);
      }
    },
  }),
  route({
    method: 'get',
    path: '/partners/{partnerId}/refunds/{reference}',
    operationId: 'getRefund',
    summary: 'A refund of unused balance: what each card charge was paid back, refused or still waits for',
    pathSchema: schemas.RefundPath,
    responses: { 200: { description: 'The refund', schema: schemas.RefundView } },
    problemStatuses: [400, 404],
    async handle({ path }, deps) {
      await existingPartner(path.partnerId, deps);
      const refund = await deps.moneyBack.moneyBack.getOperatorRefund(path.partnerId, path.reference);
      if (refund === undefined) throw unknownRefund(path.partnerId, path.reference);
      return { status: 200, body: refundView(refund) };
    },
  }),
  route({
    method: 'post',
    path: '/partners/{partnerId}/closure',
    operationId: 'closeAccount',
    summary:
      "Close the account for good (a contract's cancellation), no body needed: closed first, so no charge or license fee is made any more and no rule moves its status; then the charge in flight is settled (one waiting for authentication is canceled), the numbers are cancelled, and a positive balance is refunded to the cards (reference `closure`; what they cannot take, such as bank transfers, is left for finance). Repeatable: a repeat carries on where the last stopped. Once closed, the partner's card, recharge settings and new numbers are refused (409 `partner-closed`); payments, reconciliations and refunds are taken, and usage still arriving is debited",
    pathSchema: schemas.PartnerPath,
    responses: {
      200: { description: 'Closed, and nothing waits any more; a repeat answers the same', schema: schemas.ClosedView },
      202: {
        description:
          'Closed, but the card provider has not answered the charge in flight or a part of the refund yet: repeat the request later',
        schema: schemas.ClosingView,
      },
    },
    problemStatuses: [400, 404],
    async handle({ path }, deps) {
      const result = await closeAccount(path.partnerId, deps.moneyBack);
      if (result.kind === 'unknown-partner') throw new UnknownPartnerError(path.partnerId);
      return { status: result.kind === 'closed' ? 200 : 202, body: closureView(result) };
    },
  }),
];
