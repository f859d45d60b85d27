/**
 * The sandbox's stand-in for Stripe's dashboard as the local server serves it: a partner's
 * PaymentIntents, disputes and refunds as Stripe lists them, a refund of a PaymentIntent and
 * a dispute closed won or lost, each reported to the webhook as Stripe reports it, or a
 * problem saying why not.
 */
import type { SandboxPaymentProvider } from '../../../functions/adapters/payments/sandbox-payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { localRouter } from '../../support/local-router';

const NOW = new Date('2026-11-02T08:00:00Z');
const LATER = new Date('2026-11-03T00:00:00Z');

/** A paid charge of 520.00 EUR for the partner; answers its PaymentIntent id. */
async function paid(provider: SandboxPaymentProvider, partnerId: string, paymentMethod = 'pm_card_visa') {
  const result = await provider.charge(chargeRequest({ partnerId, paymentMethod }));
  if (result.outcome !== 'succeeded') throw new Error(`expected a paid charge, got ${result.outcome}`);
  return result.providerChargeId;
}

/** A partner's charge on pm_card_createDispute, disputed by a move of the clock; answers the dispute's id. */
async function disputed(server: ReturnType<typeof localRouter>, partnerId: string, paymentMethod: string) {
  const paymentIntentId = await paid(server.provider, partnerId, paymentMethod);
  server.clock.set(LATER);
  server.provider.clockMoved();
  const dispute = server.provider.disputes.find((candidate) => candidate.payment_intent === paymentIntentId);
  if (dispute === undefined) throw new Error(`${paymentIntentId} was not disputed`);
  return { paymentIntentId, disputeId: dispute.id };
}

describe('Stripe dashboard: lists', () => {
  it("lists a partner's PaymentIntents, disputes and refunds, newest first, as Stripe lists them", async () => {
    // Prepare
    const server = localRouter(NOW);
    const first = await paid(server.provider, 'partner-7');
    await paid(server.provider, 'partner-8');
    const { paymentIntentId: second, disputeId } = await disputed(server, 'partner-7', 'pm_card_createDispute');
    server.provider.refundFromDashboard(first, 1_000);

    // Act
    const intents = await server.call('GET', '/local/stripe/payment-intents?partnerId=partner-7');
    const disputes = await server.call('GET', '/local/stripe/disputes?partnerId=partner-7');
    const refunds = await server.call('GET', '/local/stripe/refunds?partnerId=partner-7');
    const othersDisputes = await server.call('GET', '/local/stripe/disputes?partnerId=partner-8');
    const everyone = await server.call('GET', '/local/stripe/payment-intents');

    // Assess
    expect(intents).toMatchObject({
      status: 200,
      body: {
        object: 'list',
        has_more: false,
        url: '/v1/payment_intents',
        data: [
          { id: second, object: 'payment_intent', status: 'succeeded', metadata: { partnerId: 'partner-7' } },
          { id: first, object: 'payment_intent', amount: 52_000 },
        ],
      },
    });
    expect(intents.body.data).toHaveLength(2);
    expect(disputes.body.data).toEqual([
      expect.objectContaining({ id: disputeId, payment_intent: second, status: 'needs_response', amount: 52_000 }),
    ]);
    expect(refunds.body.data).toEqual([
      expect.objectContaining({ object: 'refund', payment_intent: first, amount: 1_000 }),
    ]);
    expect(othersDisputes.body.data).toEqual([]);
    expect(everyone.body.data).toHaveLength(3);
  });

  it('refuses a query it does not know', async () => {
    // Act
    const refused = await localRouter(NOW).call('GET', '/local/stripe/disputes?customer=cus_7');

    // Assess
    expect(refused).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:validation-failed' } });
  });
});

describe('Stripe dashboard: refunds', () => {
  it('refunds the amount given and reports it to the webhook, then all that is left when none is given', async () => {
    // Prepare
    const server = localRouter(NOW);
    const paymentIntentId = await paid(server.provider, 'partner-7');
    const url = `/local/stripe/payment-intents/${paymentIntentId}/refunds`;

    // Act: `curl -d` without a content-type header sends application/x-www-form-urlencoded.
    const part = await server.call('POST', url, '{"amount":"10.00"}', 'application/x-www-form-urlencoded');
    const rest = await server.call('POST', url);

    // Assess
    expect(part).toMatchObject({
      status: 200,
      body: { object: 'refund', amount: 1_000, currency: 'eur', payment_intent: paymentIntentId, status: 'succeeded' },
    });
    expect(rest).toMatchObject({ status: 200, body: { amount: 51_000 } });
    expect(server.events.map((event) => event.type)).toEqual([
      'payment_intent.succeeded',
      'charge.refunded',
      'refund.created',
      'charge.refunded',
      'refund.created',
    ]);
    expect(server.events.at(-2)?.data.object).toMatchObject({ amount_refunded: 52_000, refunded: true });
  });

  it.each([
    ['an unknown PaymentIntent', 404, 'stripe-object-not-found'],
    ['a payment that did not pay', 409, 'payment-not-refundable'],
    ['a charged-back payment', 409, 'charge-disputed'],
    ['a payment refunded in full', 409, 'charge-already-refunded'],
    ['more than is left', 422, 'refund-amount-too-large'],
  ])('refuses %s with a problem, and refunds nothing', async (situation, status, type) => {
    // Prepare
    const server = localRouter(NOW);
    let paymentIntentId = await paid(server.provider, 'partner-7');
    let amount = '1.00';
    if (situation === 'an unknown PaymentIntent') paymentIntentId = 'pi_sandbox_999999';
    if (situation === 'a payment that did not pay') {
      const declined = await server.provider.charge(chargeRequest({ paymentMethod: 'pm_card_chargeDeclined' }));
      paymentIntentId = declined.outcome === 'declined' ? (declined.providerChargeId ?? '') : '';
    }
    if (situation === 'a charged-back payment')
      ({ paymentIntentId } = await disputed(server, 'partner-7', 'pm_card_createDispute'));
    if (situation === 'a payment refunded in full') server.provider.refundFromDashboard(paymentIntentId);
    if (situation === 'more than is left') amount = '520.01';
    const refundsBefore = server.provider.refunds.length;

    // Act
    const refused = await server.call(
      'POST',
      `/local/stripe/payment-intents/${paymentIntentId}/refunds`,
      JSON.stringify({ amount }),
      'application/json',
    );

    // Assess
    expect(refused).toMatchObject({
      status,
      contentType: 'application/problem+json',
      body: { status, type: `urn:prepaid-billing:problem:${type}` },
    });
    expect(server.provider.refunds).toHaveLength(refundsBefore);
  });

  it.each([
    ['0.00', 'must be more than 0.00'],
    ['10.005', 'whole cents'],
    ['10', 'needs 2 to 6 fraction digits'],
  ])('refuses the amount %s, naming what is wrong', async (amount, message) => {
    // Prepare
    const server = localRouter(NOW);
    const paymentIntentId = await paid(server.provider, 'partner-7');

    // Act
    const refused = await server.call(
      'POST',
      `/local/stripe/payment-intents/${paymentIntentId}/refunds`,
      JSON.stringify({ amount }),
      'application/json',
    );

    // Assess
    expect(refused).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'body.amount', message: expect.stringContaining(message) }] },
    });
    expect(server.provider.refunds).toEqual([]);
  });
});

describe('Stripe dashboard: disputes', () => {
  it('closes a dispute won, reports it to the webhook, and refuses to close it again', async () => {
    // Prepare
    const server = localRouter(NOW);
    const { disputeId } = await disputed(server, 'partner-7', 'pm_card_createDispute');
    const url = `/local/stripe/disputes/${disputeId}/close`;

    // Act
    const won = await server.call('POST', url, '{"outcome":"won"}', 'application/json');
    const again = await server.call('POST', url, '{"outcome":"lost"}', 'application/json');

    // Assess
    expect(won).toMatchObject({ status: 200, body: { object: 'dispute', id: disputeId, status: 'won' } });
    expect(again).toMatchObject({ status: 409, body: { type: 'urn:prepaid-billing:problem:dispute-already-closed' } });
    expect(server.events.slice(-2).map((event) => event.type)).toEqual([
      'charge.dispute.closed',
      'charge.dispute.funds_reinstated',
    ]);
  });

  it('turns an inquiry closed lost into a chargeback', async () => {
    // Prepare
    const server = localRouter(NOW);
    const { disputeId } = await disputed(server, 'partner-7', 'pm_card_createDisputeInquiry');

    // Act
    const escalated = await server.call(
      'POST',
      `/local/stripe/disputes/${disputeId}/close`,
      '{"outcome":"lost"}',
      'application/json',
    );

    // Assess
    expect(escalated).toMatchObject({ status: 200, body: { status: 'needs_response' } });
    expect(await server.provider.dispute(disputeId)).toMatchObject({ status: 'open' });
  });

  it('refuses an unknown dispute and an unknown outcome', async () => {
    // Prepare
    const server = localRouter(NOW);
    const { disputeId } = await disputed(server, 'partner-7', 'pm_card_createDispute');

    // Act
    const unknown = await server.call('POST', '/local/stripe/disputes/du_unknown/close', '{"outcome":"won"}');
    const badOutcome = await server.call('POST', `/local/stripe/disputes/${disputeId}/close`, '{"outcome":"maybe"}');
    const none = await server.call('POST', `/local/stripe/disputes/${disputeId}/close`);

    // Assess
    expect(unknown).toMatchObject({
      status: 404,
      body: { type: 'urn:prepaid-billing:problem:stripe-object-not-found' },
    });
    expect(badOutcome).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:validation-failed' } });
    expect(none).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:validation-failed' } });
    expect(server.provider.disputes[0]?.status).toBe('needs_response');
  });

  it('names the dashboard among the local endpoints when a path is not one of them', async () => {
    // Act
    const notFound = await localRouter(NOW).call('GET', '/local/stripe/charges');

    // Assess
    expect(notFound).toMatchObject({
      status: 404,
      body: { detail: expect.stringContaining('/local/stripe/disputes/{disputeId}/close') },
    });
  });
});
