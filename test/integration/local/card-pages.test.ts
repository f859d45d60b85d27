/**
 * The sandbox provider's hosted pages as the local server serves them: a page that says
 * what it is for and how to answer it, and a POST that does what the partner's click does
 * at Stripe (through the sandbox, which then reports it to the webhook), or a problem
 * saying why not.
 */
import {
  SETUP_SESSION_LIFETIME_MS,
  type SandboxPaymentProvider,
} from '../../../functions/adapters/payments/sandbox-payment-provider';
import { LOCAL_BASE_URL as BASE_URL, localRouter } from '../../support/local-router';

const NOW = new Date('2026-11-02T08:00:00Z');
const localServer = () => localRouter(NOW);

async function waitingCharge(provider: SandboxPaymentProvider) {
  const result = await provider.charge({
    partnerId: 'p-auth',
    paymentMethod: 'pm_card_authenticationRequired',
    amountCents: 52_000,
    currency: 'EUR',
    idempotencyKey: 'att-1',
    description: 'Recharge 500.00 EUR + card fee 20.00',
  });
  if (result.outcome !== 'action-required') throw new Error(`expected action-required, got ${result.outcome}`);
  return result;
}

describe('Card pages: setup', () => {
  it('shows the partner, the role and the curl that saves a card', async () => {
    // Prepare
    const { provider, call } = localServer();
    const session = await provider.createSetupSession({ partnerId: 'p-7', customerId: 'cus_7', role: 'backup' });

    // Act
    const page = await call('GET', session.url);

    // Assess
    expect(session.url).toBe(`${BASE_URL}/local/pages/setup/${session.sessionId}`);
    expect(page.status).toBe(200);
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<b>p-7</b>');
    expect(page.body).toContain('<b>backup</b>');
    expect(page.body).toContain(
      `curl -s -X POST '${session.url}' -H 'content-type: application/json' -d '{"paymentMethod":"pm_card_visa"}'`,
    );
    expect(page.body).toContain('<option>pm_card_chargeDeclinedLostCard</option>');
  });

  it('saves the card posted as JSON, even when curl calls it a form, and reports it to the webhook', async () => {
    // Prepare
    const { provider, events, call } = localServer();
    const session = await provider.createSetupSession({ partnerId: 'p-7', customerId: 'cus_7', role: 'primary' });

    // Act: `curl -d` without a content-type header sends application/x-www-form-urlencoded.
    const saved = await call(
      'POST',
      session.url,
      '{"paymentMethod":"pm_card_visa"}',
      'application/x-www-form-urlencoded',
    );

    // Assess
    expect(saved).toMatchObject({
      status: 200,
      body: { outcome: 'completed', sessionId: session.sessionId, paymentMethod: 'pm_card_visa', customerId: 'cus_7' },
    });
    expect(events.map((event) => event.type)).toEqual(['checkout.session.completed']);
    expect(await provider.savedCard(saved.body.setupReference)).toEqual({
      paymentMethod: 'pm_card_visa',
      customerId: 'cus_7',
    });
  });

  it("answers the page's form with a page", async () => {
    // Prepare
    const { provider, call } = localServer();
    const session = await provider.createSetupSession({ partnerId: 'p-7', customerId: 'cus_7', role: 'primary' });

    // Act
    const saved = await call(
      'POST',
      session.url,
      'paymentMethod=pm_card_mastercard',
      'application/x-www-form-urlencoded',
    );

    // Assess
    expect(saved.status).toBe(200);
    expect(saved.contentType).toBe('text/html; charset=utf-8');
    expect(saved.body).toContain('pm_card_mastercard is saved');
    expect(provider.setupSessions[0]).toMatchObject({ status: 'complete' });
  });

  it.each([
    ['an unknown session', 404, 'page-not-found'],
    ['a session that saved a card already', 409, 'setup-session-completed'],
    ['an expired session', 410, 'setup-session-expired'],
    ['a payment method that is not a card', 422, 'card-refused'],
  ])('refuses %s with a problem', async (situation, status, type) => {
    // Prepare
    const { clock, provider, events, call } = localServer();
    const session = await provider.createSetupSession({ partnerId: 'p-7', customerId: 'cus_7', role: 'primary' });
    let url = session.url;
    let paymentMethod = 'pm_card_visa';
    if (situation === 'an unknown session') url = `${BASE_URL}/local/pages/setup/cs_sandbox_unknown`;
    if (situation === 'a session that saved a card already') provider.completeSetup(session.sessionId, 'pm_card_visa');
    if (situation === 'an expired session') clock.set(new Date(NOW.getTime() + SETUP_SESSION_LIFETIME_MS));
    if (situation === 'a payment method that is not a card') paymentMethod = 'pm_sepa_debit';
    const eventsBefore = events.length;

    // Act
    const refused = await call('POST', url, JSON.stringify({ paymentMethod }), 'application/json');

    // Assess
    expect(refused).toMatchObject({
      status,
      contentType: 'application/problem+json',
      body: { status, type: `urn:prepaid-billing:problem:${type}` },
    });
    expect(events).toHaveLength(eventsBefore);
  });

  it('refuses a body without a payment method', async () => {
    // Prepare
    const { provider, call } = localServer();
    const session = await provider.createSetupSession({ partnerId: 'p-7', customerId: 'cus_7', role: 'primary' });

    // Act
    const refused = await call('POST', session.url, '{"card":"pm_card_visa"}', 'application/json');

    // Assess
    expect(refused).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:validation-failed' } });
    expect(provider.setupSessions[0]).toMatchObject({ status: 'open' });
  });
});

describe('Card pages: authentication', () => {
  it('shows the partner, the amount and the curl that completes the payment', async () => {
    // Prepare
    const { provider, call } = localServer();
    const { actionUrl } = await waitingCharge(provider);

    // Act
    const page = await call('GET', actionUrl);

    // Assess
    expect(page.status).toBe(200);
    expect(page.body).toContain('<b>p-auth</b>');
    expect(page.body).toContain('<b>520.00 EUR</b>');
    expect(page.body).toContain('waiting for authentication');
    expect(page.body).toContain(`curl -s -X POST '${actionUrl}'`);
  });

  it('completes the payment on a POST without a body, as the button does, once', async () => {
    // Prepare
    const { provider, events, call } = localServer();
    const { actionUrl, providerChargeId } = await waitingCharge(provider);

    // Act
    const completed = await call('POST', actionUrl);
    const again = await call('POST', actionUrl);

    // Assess
    expect(completed).toMatchObject({ status: 200, body: { outcome: 'succeeded', providerChargeId } });
    expect(again).toMatchObject({ status: 409, body: { type: 'urn:prepaid-billing:problem:charge-not-waiting' } });
    expect(events.map((event) => event.type)).toEqual(['payment_intent.requires_action', 'payment_intent.succeeded']);
  });

  it('fails the authentication when asked to', async () => {
    // Prepare
    const { provider, events, call } = localServer();
    const { actionUrl, providerChargeId } = await waitingCharge(provider);

    // Act
    const failed = await call('POST', actionUrl, '{"outcome":"fail"}');

    // Assess
    expect(failed).toMatchObject({
      status: 200,
      body: { outcome: 'declined', declineCode: 'payment_intent_authentication_failure', providerChargeId },
    });
    expect(events.at(-1)?.type).toBe('payment_intent.payment_failed');
  });

  it('refuses an unknown charge and an unknown outcome', async () => {
    // Prepare
    const { provider, call } = localServer();
    const { actionUrl } = await waitingCharge(provider);

    // Act
    const unknown = await call('POST', `${BASE_URL}/local/pages/authenticate/pi_sandbox_999999`);
    const badOutcome = await call('POST', actionUrl, '{"outcome":"maybe"}', 'application/json');
    const notJson = await call('POST', actionUrl, '{"outcome":', 'application/json');

    // Assess
    expect(unknown).toMatchObject({ status: 404, body: { type: 'urn:prepaid-billing:problem:page-not-found' } });
    expect(badOutcome).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:validation-failed' } });
    expect(notJson).toMatchObject({ status: 400, body: { type: 'urn:prepaid-billing:problem:invalid-json' } });
    expect(provider.charges[0]?.result.outcome).toBe('action-required');
  });

  it('writes what a request brought into the page as text, never as markup', async () => {
    // Prepare
    const { provider, call } = localServer();
    await provider.charge({
      partnerId: '<script>alert(1)</script>',
      paymentMethod: 'pm_card_authenticationRequired',
      amountCents: 100,
      currency: 'EUR',
      idempotencyKey: 'att-2',
      description: 'a & b',
    });

    // Act
    const page = await call('GET', `${BASE_URL}/local/pages/authenticate/pi_sandbox_000001`);

    // Assess
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page.body).toContain('(a &#38; b)');
  });
});
