/**
 * The Stripe webhook endpoint (docs/contract.md §13) against DynamoDB Local, the SQS
 * emulator and the sandbox provider, whose events are Stripe's in shape: only deliveries
 * signed with the endpoint's secret, recently, over the exact body are read; each event
 * id takes effect once, whatever the redeliveries and their order.
 */
import type { StripeShapedEvent } from '../../../functions/adapters/payments/sandbox-payment-provider';
import { webhookSigningSecret } from '../../../functions/lambda/webhook-signing-secret';
import { RechargeHarness } from '../../support/recharge-harness';
import { WebhookHarness } from '../../support/webhook-harness';

const PROBLEM = 'urn:prepaid-billing:problem:';

describe('Handler: stripe-webhook', () => {
  let recharge: RechargeHarness;
  let webhook: WebhookHarness;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    webhook = await WebhookHarness.start(recharge);
  });

  afterEach(async () => {
    recharge.faults.disarm();
    await webhook.queuedRequests();
  });

  afterAll(async () => {
    await webhook.stop();
    await recharge.stop();
  });

  /** The sandbox's events of a type about a partner, oldest first. */
  function eventsOf(partnerId: string, type: StripeShapedEvent['type']): StripeShapedEvent[] {
    return recharge.provider.events.filter(
      (event) =>
        event.type === type &&
        event.data.object.object === 'payment_intent' &&
        event.data.object.metadata.partnerId === partnerId,
    );
  }

  /** A partner whose opening charge of 520.00 waits for the cardholder to authenticate; answers the charge id. */
  async function waitingForAuthentication(partnerId: string): Promise<string> {
    const opened = await recharge.open(partnerId, '0.00', { paymentMethod: 'pm_card_authenticationRequired' });
    expect(opened.openingCharge?.outcome).toBe('action-required');
    const chargeId = opened.openingCharge?.attempt?.providerChargeId;
    if (chargeId === undefined) throw new Error('the waiting charge has no provider charge id');
    return chargeId;
  }

  function only<T>(items: readonly T[]): T {
    expect(items).toHaveLength(1);
    return items[0] as T;
  }

  describe('a charge completed after authentication', () => {
    it('credits once when the event is delivered three times, out of order with the older one', async () => {
      // Prepare: the cardholder completes the bank's page.
      const chargeId = await waitingForAuthentication('wh-1');
      recharge.provider.completeAuthentication(chargeId);
      const waiting = only(eventsOf('wh-1', 'payment_intent.requires_action'));
      const paid = only(eventsOf('wh-1', 'payment_intent.succeeded'));

      // Act: the newer event first, then the older, then the newer twice more.
      const answers = [];
      for (const event of [paid, waiting, paid, paid]) answers.push(await webhook.deliver(event));

      // Assess
      expect(answers.map(({ status, body }) => [status, body])).toEqual([
        [200, { received: true, outcome: 'succeeded' }],
        [200, { received: true, outcome: 'attempt-closed' }],
        [200, { received: true, outcome: 'duplicate' }],
        [200, { received: true, outcome: 'duplicate' }],
      ]);
      const partner = await recharge.ledger.getPartner('wh-1');
      expect(partner).toMatchObject({ liveBalance: 500_000_000 });
      expect(partner?.chargeInFlight).toBeUndefined();
      expect((await recharge.invoices('wh-1')).map((invoice) => invoice.providerChargeId)).toEqual([chargeId]);
    });

    it('refuses a forged, a stale, an unsigned and a changed delivery with 400, changing nothing, and applies the genuine one', async () => {
      // Prepare
      const chargeId = await waitingForAuthentication('wh-2');
      recharge.provider.completeAuthentication(chargeId);
      const paid = only(eventsOf('wh-2', 'payment_intent.succeeded'));
      const now = Math.floor(recharge.clock.now().getTime() / 1000);

      // Act
      const forged = await webhook.deliver(paid, { secret: 'whsec_not_the_endpoints' });
      const stale = await webhook.deliver(paid, { signedAt: now - 301 });
      const unsigned = await webhook.deliver(paid, { unsigned: true });
      const changed = await webhook.deliver(paid, {
        tamper: (payload) => payload.replace('"succeeded"', '"canceled"'),
      });
      const before = await recharge.ledger.getPartner('wh-2');
      const genuine = await webhook.deliver(paid);

      // Assess
      for (const refused of [forged, stale, unsigned, changed])
        expect(refused).toMatchObject({
          status: 400,
          contentType: 'application/problem+json',
          body: { type: `${PROBLEM}webhook-signature-refused`, status: 400 },
        });
      expect(forged.body.detail).toContain("does not match the endpoint's secret");
      expect(stale.body.detail).toContain('the signature is stale');
      expect(unsigned.body.detail).toBe('the delivery has no Stripe-Signature header');
      expect(changed.body.detail).toContain("does not match the endpoint's secret");
      expect(before).toMatchObject({ liveBalance: 0 });
      expect(before?.chargeInFlight).toBeDefined();
      expect(genuine).toMatchObject({ status: 200, body: { outcome: 'succeeded' } });
    });

    it('takes a delivery signed a moment ago, whatever the spelling of its header, and a base64-encoded body', async () => {
      // Prepare
      const chargeId = await waitingForAuthentication('wh-3');
      recharge.provider.completeAuthentication(chargeId);
      const paid = only(eventsOf('wh-3', 'payment_intent.succeeded'));
      const now = Math.floor(recharge.clock.now().getTime() / 1000);

      // Act
      const answers = [
        await webhook.deliver(paid, { headerName: 'stripe-signature', signedAt: now - 299 }),
        await webhook.deliver(paid, { headerName: 'STRIPE-SIGNATURE', base64: true }),
      ];

      // Assess
      expect(answers.map(({ status, body }) => [status, body.outcome])).toEqual([
        [200, 'succeeded'],
        [200, 'duplicate'],
      ]);
    });
  });

  describe('a card saved on a setup page', () => {
    it("becomes the partner's card and queues a retry of an outstanding charge", async () => {
      // Prepare: the opening charge was declined; the partner saves another card.
      await recharge.open('wh-4', '0.00', { paymentMethod: 'pm_card_chargeDeclined' });
      const session = await recharge.provider.createSetupSession({
        partnerId: 'wh-4',
        customerId: 'cus_wh4',
        role: 'primary',
      });
      recharge.provider.completeSetup(session.sessionId, 'pm_card_mastercard');
      const saved = only(
        recharge.provider.events.filter(
          (event) => event.type === 'checkout.session.completed' && event.data.object.id === session.sessionId,
        ),
      );

      // Act
      const first = await webhook.deliver(saved);
      const again = await webhook.deliver(saved);

      // Assess
      expect(first).toMatchObject({ status: 200, body: { received: true, outcome: 'card-set' } });
      expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
      expect(await recharge.ledger.getPartner('wh-4')).toMatchObject({
        paymentMethod: 'pm_card_mastercard',
        paymentCustomerId: 'cus_wh4',
        cardDeclines: { primary: { soft: 0 } },
      });
      expect(await webhook.queuedRequests()).toEqual([
        { partnerId: 'wh-4', trigger: 'payment-method-updated', requestedAt: recharge.clock.now().toISOString() },
      ]);
    });

    it('answers 500 when the event cannot be applied, records nothing, and applies it when Stripe delivers it again', async () => {
      // Prepare
      await recharge.open('wh-5', '600.00');
      const session = await recharge.provider.createSetupSession({
        partnerId: 'wh-5',
        customerId: 'cus_wh5',
        role: 'backup',
      });
      recharge.provider.completeSetup(session.sessionId, 'pm_card_mastercard');
      const saved = only(
        recharge.provider.events.filter(
          (event) => event.type === 'checkout.session.completed' && event.data.object.id === session.sessionId,
        ),
      );
      recharge.faults.arm('ledger.setCard:before');

      // Act
      const failed = await webhook.deliver(saved);
      const redelivered = await webhook.deliver(saved);

      // Assess
      expect(failed).toMatchObject({
        status: 500,
        contentType: 'application/problem+json',
        body: { type: `${PROBLEM}webhook-not-applied` },
      });
      expect(failed.body.detail).toBe(`event ${saved.id} could not be applied now; deliver it again`);
      expect(redelivered).toMatchObject({ status: 200, body: { outcome: 'card-set' } });
      expect(await recharge.ledger.getPartner('wh-5')).toMatchObject({
        paymentMethod: 'pm_card_visa',
        backupPaymentMethod: 'pm_card_mastercard',
      });
    });
  });

  describe('other deliveries', () => {
    it('acknowledges a signed event it does not act on with 200, ignored', async () => {
      const answer = await webhook.deliver({
        id: 'evt_other_1',
        object: 'event',
        type: 'customer.created',
        created: Math.floor(recharge.clock.now().getTime() / 1000),
        api_version: '2026-10-28.endive',
        livemode: false,
        data: { object: { id: 'cus_1', object: 'customer' } },
      });

      expect(answer).toMatchObject({
        status: 200,
        contentType: 'application/json',
        body: { received: true, outcome: 'ignored' },
      });
    });

    it.each(['GET', 'PUT', 'DELETE'])('answers %s with 405, allowing POST', async (method) => {
      const answer = await webhook.post({ method, body: null, headers: {} });

      expect(answer).toMatchObject({
        status: 405,
        headers: { allow: 'POST' },
        body: { type: `${PROBLEM}method-not-allowed` },
      });
    });

    it('refuses a signed body that is not a Stripe event with 400', async () => {
      const answer = await webhook.deliver({ hello: 'world' });

      expect(answer).toMatchObject({ status: 400, body: { type: `${PROBLEM}webhook-signature-refused` } });
      expect(answer.body.detail).toContain('the body is not a Stripe event');
    });
  });
});

describe('Function: webhookSigningSecret', () => {
  const secretHolding = (value: unknown) => async () => value;

  it("answers the endpoint's signing secret", async () => {
    await expect(webhookSigningSecret('webhook-secret', secretHolding('whsec_abc123'))).resolves.toBe('whsec_abc123');
  });

  it.each([
    ['an empty secret', ''],
    ["the stack's placeholder, a blank", ' '],
    ['a Stripe API key', 'sk_test_123'],
    ['the prefix alone', 'whsec_'],
    ['a secret with a line break pasted along', 'whsec_abc123\n'],
    ['a JSON secret', { signingSecret: 'whsec_abc123' }],
  ])('stops the cold start on %s, naming the secret', async (_, value) => {
    await expect(webhookSigningSecret('webhook-secret', secretHolding(value))).rejects.toThrow(/secret webhook-secret/);
  });
});
