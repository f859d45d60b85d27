/**
 * The card flows of docs/contract.md §13 as `npm start` plays them with the sandbox
 * provider, driven only through HTTP and SQS as a tester would: a card saved on the local
 * setup page, a charge authenticated on the local authentication page, a hard decline,
 * the webhook endpoint refusing what Stripe did not sign, and a charge still waiting for
 * authentication across a restart. What the pages do reaches billing only through the
 * signed webhook deliveries, as from Stripe.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import { createSqsClient } from '../../functions/adapters/sqs/client';
import { type HttpAnswer, LocalSystem } from '../support/local-system';

jest.setTimeout(240_000);

interface LoggedEvent {
  readonly 'detail-type': string;
  // biome-ignore lint/suspicious/noExplicitAny: an event's detail is JSON of any shape; the assertions check it.
  readonly detail: any;
}

describe('npm start: cards as Stripe behaves', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'prepaid-billing-cards-'));
  let system: LocalSystem;
  let sqs: SQSClient;
  // biome-ignore lint/suspicious/noExplicitAny: /local/info as JSON.
  let info: any;

  beforeAll(async () => {
    system = await LocalSystem.start(dataDir);
    info = (await system.call('GET', '/local/info')).body;
    sqs = createSqsClient(info.sqsEndpoint);
  });

  afterAll(async () => {
    sqs?.destroy();
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const events = (partnerId: string): LoggedEvent[] =>
    readFileSync(info.eventLog, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedEvent)
      .filter((event) => event.detail.partnerId === partnerId);
  const typesOf = (partnerId: string) => events(partnerId).map((event) => event['detail-type']);
  const drain = async () => expect((await system.call('POST', '/local/drain')).status).toBe(200);

  it('saves a card on the setup page: the card becomes the partner’s and the declined charge is retried', async () => {
    // Prepare: the opening charge (500.00 - 100.00) is declined.
    const created = await system.call('POST', '/partners', {
      partnerId: 'p-setup',
      currency: 'EUR',
      paymentMethod: 'pm_card_chargeDeclined',
      paymentCustomerId: 'cus_local_setup',
      previousInvoiceRemainder: '100.00',
    });
    expect(created.status).toBe(201);
    await drain();
    expect(typesOf('p-setup')).toEqual(['RechargeFailed']);

    // Act
    const session = await system.call('POST', '/partners/p-setup/payment-method/setup', {});
    expect(session.status).toBe(201);
    const page = await fetch(session.body.url);
    const saved = await post(session.body.url, { paymentMethod: 'pm_card_visa' });
    await drain();

    // Assess
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('p-setup');
    expect(saved).toMatchObject({ status: 200, body: { outcome: 'completed', paymentMethod: 'pm_card_visa' } });
    expect((await system.call('GET', '/partners/p-setup')).body).toMatchObject({ paymentMethod: 'pm_card_visa' });
    expect((await system.call('GET', '/partners/p-setup/balance')).body).toMatchObject({ liveBalance: '500.00' });
    expect(typesOf('p-setup')).toEqual(['RechargeFailed', 'RechargeSucceeded']);
    expect(events('p-setup')[1]?.detail).toMatchObject({ credit: '400.00', total: '416.00' });
    // The page reached billing through the signed webhook, as Stripe's Checkout does.
    await expect(logged(/stripe webhook: checkout\.session\.completed evt_\w+ delivered: card-set/)).resolves.toBe(
      true,
    );
  });

  it('completes an authentication on the local page: the balance is credited once', async () => {
    // Prepare: usage takes the balance (500.00) below the threshold (100.00); the bank wants the partner to authenticate.
    const opened = await system.call('POST', '/partners', {
      partnerId: 'p-auth',
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
    });
    expect(opened.status).toBe(201);
    const changed = await system.call('PUT', '/partners/p-auth/payment-method', {
      paymentMethod: 'pm_card_authenticationRequired',
    });
    expect(changed.status).toBe(200);
    const now = (await system.call('GET', '/local/clock')).body.now;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: info.usageQueueUrl, MessageBody: usage('wamid-auth-1', 'p-auth', now) }),
    );
    await drain();
    expect(typesOf('p-auth')).toEqual(['RechargeSucceeded', 'BalanceBelowThreshold', 'RechargeActionRequired']);
    const waiting = events('p-auth')[2];
    const { actionUrl, attemptId } = waiting?.detail ?? {};
    expect(actionUrl).toMatch(`${system.apiUrl}/local/pages/authenticate/`);

    // Act: the page's button, then a second click, then another signed report of the same charge.
    const completed = await post(actionUrl);
    await drain();
    const again = await post(actionUrl);
    const report = await system.call('GET', '/partners/p-auth');
    const lateReport = await deliverSigned(info, {
      id: 'evt_by_hand_late_report',
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.parse(now) / 1000),
      data: { object: { id: completed.body.providerChargeId, metadata: { partnerId: 'p-auth', attemptId } } },
    });
    await drain();

    // Assess
    expect(completed).toMatchObject({ status: 200, body: { outcome: 'succeeded' } });
    expect(again.status).toBe(409);
    expect(report.body.chargeInFlight).toBeUndefined();
    expect(lateReport).toMatchObject({ status: 200, body: { received: true, outcome: 'attempt-closed' } });
    expect(typesOf('p-auth')).toEqual([
      'RechargeSucceeded',
      'BalanceBelowThreshold',
      'RechargeActionRequired',
      'RechargeSucceeded',
    ]);
    expect(events('p-auth')[3]?.detail).toMatchObject({ attemptId, credit: '500.00' });
    expect((await system.call('GET', '/partners/p-auth/balance')).body).toMatchObject({ liveBalance: '550.00' });
    // The opening charge and the authenticated one: one credit each.
    const ledger = (await system.call('GET', '/partners/p-auth/ledger')).body.items;
    expect(ledger.filter((entry: { kind: string }) => entry.kind === 'recharge')).toHaveLength(2);
  });

  it('does not charge a lost card again at the next daily run', async () => {
    // Prepare
    expect(
      (
        await system.call('POST', '/partners', {
          partnerId: 'p-lost',
          currency: 'EUR',
          paymentMethod: 'pm_card_chargeDeclinedLostCard',
          previousInvoiceRemainder: '100.00',
        })
      ).status,
    ).toBe(201);
    await drain();
    const now = Date.parse((await system.call('GET', '/local/clock')).body.now);

    // Act
    const advanced = await system.call('POST', '/local/clock/advance', {
      to: new Date(now + 24 * 60 * 60 * 1000).toISOString(),
    });

    // Assess
    expect(advanced.status).toBe(200);
    expect(advanced.body.ran.map((run: { job: string }) => run.job)).toContain('daily-run');
    expect(typesOf('p-lost').filter((type) => type.startsWith('Recharge'))).toEqual(['RechargeFailed']);
    expect(events('p-lost')[0]?.detail).toMatchObject({ declineCode: 'lost_card', declineKind: 'hard' });
    expect((await system.call('GET', '/partners/p-lost')).body.cards.primary).toMatchObject({ chargeable: false });
  });

  it('refuses a webhook delivery with a forged signature and changes nothing', async () => {
    // Prepare
    const before = await system.call('GET', '/partners/p-setup/balance');
    const body = JSON.stringify({
      id: 'evt_forged',
      object: 'event',
      type: 'checkout.session.completed',
      created: 1,
      data: {
        object: {
          id: 'cs_forged',
          mode: 'setup',
          setup_intent: 'seti_forged',
          metadata: { partnerId: 'p-setup', role: 'primary' },
        },
      },
    });
    const forged = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_not_the_endpoints' });

    // Act
    const refused = await fetch(`${system.apiUrl}/webhooks/stripe`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'stripe-signature': forged },
    });

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ type: 'urn:prepaid-billing:problem:webhook-signature-refused' });
    expect((await system.call('GET', '/partners/p-setup/balance')).body).toEqual(before.body);
    // Every delivery of the sandbox's own events was accepted, and nothing failed.
    expect(system.log).not.toMatch(/"level":"ERROR"|given up|answered 4\d\d|answered 5\d\d/);
  });

  it('completes after a restart an authentication the bank asked for before it', async () => {
    // Prepare: usage takes the balance (500.00) below the threshold; the charge waits for the partner.
    expect(
      (
        await system.call('POST', '/partners', {
          partnerId: 'p-restart',
          currency: 'EUR',
          paymentMethod: 'pm_card_visa',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await system.call('PUT', '/partners/p-restart/payment-method', {
          paymentMethod: 'pm_card_authenticationRequired',
        })
      ).status,
    ).toBe(200);
    const now = (await system.call('GET', '/local/clock')).body.now;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: info.usageQueueUrl, MessageBody: usage('wamid-restart-1', 'p-restart', now) }),
    );
    await drain();
    expect(typesOf('p-restart')).toEqual(['RechargeSucceeded', 'BalanceBelowThreshold', 'RechargeActionRequired']);
    const { actionUrl, attemptId } = events('p-restart')[2]?.detail ?? {};

    // Act: Ctrl-C, a new start on the same data folder (on other ports), and the page's button there.
    sqs.destroy();
    await system.stop();
    system = await LocalSystem.start(dataDir);
    info = (await system.call('GET', '/local/info')).body;
    sqs = createSqsClient(info.sqsEndpoint);
    const page = `${system.apiUrl}${new URL(actionUrl).pathname}`;
    const completed = await post(page);
    await drain();

    // Assess
    expect(completed).toMatchObject({ status: 200, body: { outcome: 'succeeded' } });
    expect(typesOf('p-restart')).toEqual([
      'RechargeSucceeded',
      'BalanceBelowThreshold',
      'RechargeActionRequired',
      'RechargeSucceeded',
    ]);
    expect(events('p-restart')[3]?.detail).toMatchObject({ attemptId, credit: '500.00' });
    expect((await system.call('GET', '/partners/p-restart/balance')).body).toMatchObject({ liveBalance: '550.00' });
    expect(system.log).not.toMatch(/"level":"ERROR"|given up|answered 4\d\d|answered 5\d\d/);
  });

  /** Whether the console shows a line, read as it comes: the output and the answers come on separate channels. */
  async function logged(line: RegExp, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!line.test(system.log) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return line.test(system.log);
  }

  async function post(url: string, body?: unknown): Promise<HttpAnswer> {
    const response = await fetch(url, {
      method: 'POST',
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
  }

  /** What a tester does to post an event by hand: signed with the local endpoint's secret from /local/info. */
  // biome-ignore lint/suspicious/noExplicitAny: /local/info as JSON.
  async function deliverSigned(localInfo: any, event: unknown): Promise<HttpAnswer> {
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: localInfo.stripeWebhookSecret });
    const response = await fetch(localInfo.stripeWebhookUrl, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    });
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
  }
});

function usage(eventId: string, partnerId: string, occurredAt: string): string {
  return JSON.stringify({
    eventId,
    partnerId,
    channelId: '+4915100000000',
    conversationId: `c-${eventId}`,
    category: 'marketing',
    occurredAt,
    cost: { amount: '450.00', currency: 'EUR' },
  });
}
