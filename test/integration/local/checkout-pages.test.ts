/**
 * The sandbox's payment page (Stripe Checkout in payment mode) as the local server serves
 * it: a page that shows the partner and the amount and how to answer it, and a POST that
 * pays it or abandons it as the partner's click does at Stripe (reported to the webhook by
 * the sandbox), or a problem saying why not.
 */
import type { SandboxPaymentProvider } from '../../../functions/adapters/payments/sandbox-payment-provider';
import { LOCAL_BASE_URL as BASE_URL, localRouter } from '../../support/local-router';
import { pageRequest } from '../../support/page-request';

const NOW = new Date('2026-11-02T08:00:00Z');
const PROBLEM = 'urn:prepaid-billing:problem:';

/** A top-up's page of 1,040.00 EUR for p-top, as the use case opens it. */
async function openPage(provider: SandboxPaymentProvider) {
  const request = pageRequest({
    partnerId: 'p-top',
    customerId: 'cus_top',
    amountCents: 104_000,
    description: 'Top-up 1000.00 EUR + card fee 40.00',
  });
  const page = await provider.createPaymentPage(request);
  if (page.outcome !== 'action-required') throw new Error(`expected a page, got ${page.outcome}`);
  return { request, url: page.actionUrl, sessionId: page.providerChargeId };
}

describe('Checkout pages', () => {
  it('shows the partner, the amount and the curl that pays it', async () => {
    // Prepare
    const { provider, call } = localRouter(NOW);
    const { url, sessionId } = await openPage(provider);

    // Act
    const page = await call('GET', url);

    // Assess
    expect(url).toBe(`${BASE_URL}/local/pages/checkout/${sessionId}`);
    expect(page).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
    expect(page.body).toContain('<b>p-top</b>');
    expect(page.body).toContain('<b>1040.00 EUR</b>');
    expect(page.body).toContain('Top-up 1000.00 EUR + card fee 40.00');
    expect(page.body).toContain(`<b>open</b> (expires 2026-11-02T08:30:00.000Z)`);
    expect(page.body).toContain(`curl -s -X POST '${url}'`);
    expect(page.body).toContain('<option>pm_card_visa</option>');
  });

  it('pays with pm_card_visa on a POST without a body, and reports the payment to the webhook', async () => {
    // Prepare
    const { provider, events, call } = localRouter(NOW);
    const { request, url, sessionId } = await openPage(provider);

    // Act
    const paid = await call('POST', url);

    // Assess
    expect(paid).toEqual({
      status: 200,
      contentType: 'application/json',
      body: { outcome: 'paid', sessionId, paymentIntent: 'pi_sandbox_000001', paymentMethod: 'pm_card_visa' },
    });
    expect(events.map((event) => event.type)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    expect(
      await provider.chargeStatus({
        partnerId: 'p-top',
        providerChargeId: sessionId,
        idempotencyKey: request.idempotencyKey,
      }),
    ).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' });
  });

  it('pays with the card posted as JSON, even when curl calls it a form', async () => {
    const { provider, call } = localRouter(NOW);
    const { url } = await openPage(provider);

    const paid = await call('POST', url, '{"paymentMethod":"pm_card_mastercard"}', 'application/x-www-form-urlencoded');

    expect(paid).toMatchObject({ status: 200, body: { outcome: 'paid', paymentMethod: 'pm_card_mastercard' } });
  });

  it("answers the page's pay button with a page", async () => {
    const { provider, call } = localRouter(NOW);
    const { url } = await openPage(provider);

    const paid = await call(
      'POST',
      url,
      'paymentMethod=pm_card_mastercard&outcome=pay',
      'application/x-www-form-urlencoded',
    );

    expect(paid).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
    expect(paid.body).toContain('pm_card_mastercard paid pi_sandbox_000001');
    expect(provider.paymentPages[0]).toMatchObject({ status: 'complete' });
  });

  it('abandons the page on {"outcome": "cancel"}: it expires, nothing charged, and the webhook hears of it', async () => {
    // Prepare
    const { provider, events, call } = localRouter(NOW);
    const { url, sessionId } = await openPage(provider);

    // Act
    const abandoned = await call('POST', url, '{"outcome":"cancel"}', 'application/json');
    const page = await call('GET', url);

    // Assess
    expect(abandoned).toMatchObject({ status: 200, body: { outcome: 'expired', sessionId } });
    expect(events.map((event) => event.type)).toEqual(['checkout.session.expired']);
    expect(provider.charges).toEqual([]);
    expect(page.body).toContain('<b>expired</b>');
    expect(page.body).not.toContain('<form');
  });

  it("answers the page's cancel button with a page", async () => {
    const { provider, call } = localRouter(NOW);
    const { url } = await openPage(provider);

    const abandoned = await call('POST', url, 'outcome=cancel', 'application/x-www-form-urlencoded');

    expect(abandoned).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
    expect(abandoned.body).toContain('nothing was charged');
  });

  it('shows a paid page with the PaymentIntent and the card, and no form', async () => {
    const { provider, call } = localRouter(NOW);
    const { url } = await openPage(provider);
    await call('POST', url);

    const page = await call('GET', url);

    expect(page.body).toContain('paid by pi_sandbox_000001 with pm_card_visa');
    expect(page.body).not.toContain('<form');
  });

  it.each([
    ['an unknown page', 404, 'page-not-found'],
    ['a page paid already', 409, 'payment-page-paid'],
    ['a page past its 30 minutes', 410, 'payment-page-expired'],
    ['a payment method that is not a card', 422, 'card-refused'],
    ['a card the bank declines', 402, 'card-declined'],
  ])('refuses to pay %s with a problem, and reports nothing', async (situation, status, type) => {
    // Prepare
    const { clock, provider, events, call } = localRouter(NOW);
    const { url, sessionId } = await openPage(provider);
    let target = url;
    let paymentMethod = 'pm_card_visa';
    if (situation === 'an unknown page') target = `${BASE_URL}/local/pages/checkout/cs_sandbox_unknown`;
    if (situation === 'a page paid already') provider.payPage(sessionId);
    if (situation === 'a page past its 30 minutes') clock.set(new Date(NOW.getTime() + 30 * 60 * 1000));
    if (situation === 'a payment method that is not a card') paymentMethod = 'pm_sepa_debit';
    if (situation === 'a card the bank declines') paymentMethod = 'pm_card_chargeDeclined';
    const eventsBefore = events.length;

    // Act
    const refused = await call('POST', target, JSON.stringify({ paymentMethod }), 'application/json');

    // Assess
    expect(refused).toMatchObject({
      status,
      contentType: 'application/problem+json',
      body: { status, type: `${PROBLEM}${type}` },
    });
    expect(events).toHaveLength(eventsBefore);
  });

  it('answers GET of an unknown page with 404', async () => {
    const { call } = localRouter(NOW);

    const page = await call('GET', `${BASE_URL}/local/pages/checkout/cs_sandbox_unknown`);

    expect(page).toMatchObject({ status: 404, body: { type: `${PROBLEM}page-not-found` } });
  });

  it.each([
    ['a card and a cancel together', '{"paymentMethod":"pm_card_visa","outcome":"cancel"}'],
    ['an outcome it does not know', '{"outcome":"refund"}'],
    ['a field it does not know', '{"card":"pm_card_visa"}'],
  ])('refuses %s with a validation problem', async (_, body) => {
    const { provider, call } = localRouter(NOW);
    const { url } = await openPage(provider);

    const refused = await call('POST', url, body, 'application/json');

    expect(refused).toMatchObject({ status: 400, contentType: 'application/problem+json' });
    expect(provider.paymentPages[0]).toMatchObject({ status: 'open' });
  });
});
