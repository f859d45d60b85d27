/**
 * The partner's own top-ups (docs/contract.md §14): the saved card charged now, or a hosted
 * payment page, once per reference. A top-up answered without a clear word from the card
 * provider within the API's time budget is handed to the recharge queue, as the API's other
 * charges are, and finished there with the same idempotency key.
 */
import { UnknownPartnerError } from '../domain/errors';
import { type Micros, formatAmount } from '../domain/money';
import { MAX_SOFT_DECLINES_PER_CARD, REQUEST_REFUSED, declineKind } from '../domain/recharge/decline-policy';
import { type TopUpResult, topUp } from '../domain/recharge/top-up';
import type { ApiDependencies } from './api-dependencies';
import { type ApiRoute, type RouteResponse, existingPartner, route } from './api-route';
import {
  cardDeclined,
  chargeInProgress,
  customerRequired,
  partnerClosed,
  topUpOutOfRange,
  topUpReferenceConflict,
} from './problems';
import * as schemas from './schemas';
import { topUpView } from './views';

const UNCLEAR =
  'The card provider gave no clear answer in time: the top-up (`state` `pending`) is finished by the recharge function with the same idempotency key, and a repeat of the request, or `GET /partners/{partnerId}`, shows where it stands';

export const TOP_UP_ROUTES: readonly ApiRoute[] = [
  route({
    method: 'post',
    path: '/partners/{partnerId}/top-ups',
    operationId: 'topUp',
    summary:
      'The partner adds funds: its saved primary card is charged now, off-session, `amount` plus the 4% card fee, and the balance credited with an invoice (top-up, card fee); or, with `checkout`, a hosted payment page where the partner pays, credited when the card provider reports the payment. Once per reference, whatever the retries. Not capped by `monthlyLimit`. A charge already in flight for the partner (a recharge, another top-up) is not waited for: 409 `charge-in-progress`, ask again once it is over. A closed partner is refused (409 `partner-closed`)',
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.TopUpBody,
    responses: {
      201: {
        description:
          'Charged and credited (`succeeded`), or waiting for the partner at `actionUrl` (`action-required`): the bank asks it to authenticate the charge, or, with `checkout`, the payment page where it pays',
        schema: schemas.TopUpView,
      },
      200: {
        description:
          'Asked for before with this reference, amount and `checkout`: the top-up as it stands now (an open one asked about again with its key, never charged twice)',
        schema: schemas.TopUpView,
      },
      202: { description: UNCLEAR, schema: schemas.TopUpView },
    },
    problemStatuses: [400, 402, 404, 409],
    async handle({ path, body }, deps) {
      const result = await topUp(
        { partnerId: path.partnerId, amount: body.amount, reference: body.reference, checkout: body.checkout },
        deps.topUps,
      );
      const asked = describe(body.amount, body.checkout);
      switch (result.kind) {
        case 'unknown-partner':
          throw new UnknownPartnerError(path.partnerId);
        case 'out-of-range':
          throw topUpOutOfRange(
            formatAmount(body.amount),
            formatAmount(result.bounds.minimum),
            formatAmount(result.bounds.maximum),
          );
        case 'reference-conflict':
          throw topUpReferenceConflict(
            body.reference,
            describe(result.existing.amount, result.existing.checkout),
            asked,
          );
        case 'partner-closed':
          throw partnerClosed(result.account);
        case 'charge-in-progress':
          throw chargeInProgress(path.partnerId, result.attemptId);
        case 'customer-required':
          throw customerRequired(
            409,
            `a payment page saves the card to the partner's customer, and partner "${path.partnerId}" has none: set paymentCustomerId with PUT /partners/{partnerId}/payment-method first`,
          );
        case 'card-not-chargeable':
          throw cardDeclined(result.declines.hard ?? result.lastDeclineCode, notChargeable(result));
        case 'charged':
          return answer(result, deps);
      }
    },
  }),
];

/** What a top-up's attempt came to: paid or waiting (201, 200 for a repeat), unclear (202), or not paid (402). */
async function answer(
  result: Extract<TopUpResult, { kind: 'charged' }>,
  deps: ApiDependencies,
): Promise<RouteResponse> {
  const { attempt, topUp: taken } = result;
  if (result.outcome === 'declined') {
    const code = attempt.declineCode ?? 'card_declined';
    throw cardDeclined(
      code,
      `card ${attempt.paymentMethod} was declined (${code}, a ${declineKind(code)} decline): nothing was charged or credited`,
    );
  }
  if (result.outcome === 'failed')
    throw cardDeclined(
      REQUEST_REFUSED,
      `the card provider refused the charge (${attempt.failureReason ?? 'no reason given'}): nothing was charged or credited`,
    );
  const unclear = result.outcome === 'unknown';
  if (unclear)
    await deps.rechargeQueue.request({
      partnerId: taken.partnerId,
      trigger: 'top-up',
      requestedAt: deps.recharge.clock.now(),
    });
  const account = await existingPartner(taken.partnerId, deps);
  return { status: unclear ? 202 : result.created ? 201 : 200, body: topUpView(taken, attempt, account) };
}

function describe(amount: Micros, checkout: boolean): string {
  return `${formatAmount(amount)}${checkout ? ' on a payment page' : ' on the saved card'}`;
}

function notChargeable(refusal: Extract<TopUpResult, { kind: 'card-not-chargeable' }>): string {
  const why =
    refusal.declines.hard !== undefined
      ? `its issuer declined it for good (${refusal.declines.hard})`
      : `it was declined ${refusal.declines.soft} times in a row, the most a card is tried (${MAX_SOFT_DECLINES_PER_CARD})`;
  return `the primary card ${refusal.paymentMethod} may not be charged again: ${why}; give the partner a new card (PUT /partners/{partnerId}/payment-method) or a payment page (\`checkout\`). Nothing was charged`;
}
