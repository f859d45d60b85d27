import Stripe from 'stripe';
import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import type { StripeEventReader as Reader } from '../../../functions/adapters/payments/stripe-event-reader';
import { StripeEventReader } from '../../../functions/adapters/payments/stripe-event-reader';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import type { ChargeRequest } from '../../../functions/domain/recharge/payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { type FakeEvent, FakeStripeServer } from '../../support/fake-stripe-server';
import { pageRequest } from '../../support/page-request';
import { TestClock } from '../../support/test-clock';

const CUSTOMER = 'cus_partner1';
const NOW = new Date('2026-11-20T09:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

describe('Class: StripeEventReader', () => {
  const clock = new TestClock(NOW);
  let fake: FakeStripeServer;

  beforeAll(async () => {
    fake = await FakeStripeServer.start({ clock });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
    clock.set(NOW);
    fake.createCustomer(CUSTOMER);
  });

  const reader = () => new StripeEventReader(fake.webhookSecret, undefined, clock);

  /** Stripe, as the flows that make the events use it. */
  const stripe = () =>
    new StripePaymentProvider(
      createStripeClient({ apiKey: 'sk_test_fake', host: '127.0.0.1', port: fake.port, protocol: 'http' }),
      { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' },
      clock,
    );

  const chargeOf = (token: string) =>
    chargeRequest({ partnerId: 'partner-1', customerId: CUSTOMER, paymentMethod: fake.attach(token, CUSTOMER) });

  const lastEvent = (type: string): FakeEvent => {
    const event = fake.eventsOf(type).at(-1);
    if (event === undefined) throw new Error(`no ${type} event was recorded`);
    return event;
  };

  /** `event` with its object changed, as Stripe could send it for objects this system did not make. */
  const withObject = (event: FakeEvent, changes: Record<string, unknown>): FakeEvent => ({
    ...event,
    data: { object: { ...(event.data.object as Record<string, unknown>), ...changes } },
  });

  const deliver = (event: unknown, options: { timestamp?: number; secret?: string } = {}) => {
    const { payload, signature } = fake.signedDelivery(event, options);
    return reader().read(payload, signature);
  };

  describe('Method: read', () => {
    describe('Signed deliveries', () => {
      it('reads a completed setup session as the card saved for the partner, in the role the session names', async () => {
        // Prepare
        const session = await stripe().createSetupSession({
          partnerId: 'partner-1',
          customerId: CUSTOMER,
          role: 'backup',
        });
        const saved = fake.completeSetupSession(session.sessionId, 'pm_card_visa');
        const event = lastEvent('checkout.session.completed');

        // Act
        const read = await deliver(event);

        // Assess
        expect(read).toEqual({
          kind: 'card-saved',
          eventId: event.id,
          occurredAt: NOW,
          partnerId: 'partner-1',
          role: 'backup',
          sessionId: session.sessionId,
          setupReference: saved.setupIntent,
        });
      });

      it('takes the primary role when the session names none', async () => {
        const session = await stripe().createSetupSession({
          partnerId: 'partner-1',
          customerId: CUSTOMER,
          role: 'backup',
        });
        fake.completeSetupSession(session.sessionId, 'pm_card_visa');

        const read = await deliver(
          withObject(lastEvent('checkout.session.completed'), { metadata: { partnerId: 'partner-1' } }),
        );

        expect(read).toMatchObject({ kind: 'card-saved', role: 'primary' });
      });

      it.each([
        ['not in setup mode (a payment)', { mode: 'payment', setup_intent: null }],
        ['that names no partner', { metadata: {} }],
        ['that names a role this system does not give', { metadata: { partnerId: 'partner-1', role: 'spare' } }],
      ])('ignores a completed session %s', async (_, changes) => {
        const session = await stripe().createSetupSession({
          partnerId: 'partner-1',
          customerId: CUSTOMER,
          role: 'primary',
        });
        fake.completeSetupSession(session.sessionId, 'pm_card_visa');
        const event = withObject(lastEvent('checkout.session.completed'), changes);

        const read = await deliver(event);

        expect(read).toEqual({
          kind: 'ignored',
          type: 'checkout.session.completed',
          eventId: event.id,
          occurredAt: NOW,
        });
      });

      it.each<[string, () => Promise<ChargeRequest>]>([
        [
          'payment_intent.succeeded',
          async () => {
            const request = chargeOf('pm_card_visa');
            await stripe().charge(request);
            return request;
          },
        ],
        [
          'payment_intent.payment_failed',
          async () => {
            const request = chargeOf('pm_card_chargeDeclinedInsufficientFunds');
            await stripe().charge(request);
            return request;
          },
        ],
        [
          'payment_intent.requires_action',
          async () => {
            const request = chargeOf('pm_card_authenticationRequired');
            await stripe().charge(request);
            return request;
          },
        ],
        [
          'payment_intent.canceled',
          async () => {
            const request = chargeOf('pm_card_authenticationRequired');
            await stripe().charge(request);
            await stripe().cancelCharge({
              partnerId: request.partnerId,
              providerChargeId: fake.intents[0]?.id ?? '',
              idempotencyKey: request.idempotencyKey,
            });
            return request;
          },
        ],
      ])('reads %s of an attempt as a change of its charge', async (type, charge) => {
        // Prepare
        const request = await charge();
        const event = lastEvent(type);

        // Act
        const read = await deliver(event);

        // Assess
        expect(read).toEqual({
          kind: 'charge-changed',
          eventId: event.id,
          occurredAt: NOW,
          partnerId: 'partner-1',
          attemptId: request.idempotencyKey,
          providerChargeId: fake.intents[0]?.id,
        });
      });

      describe('Payment pages', () => {
        /** A payment page of an attempt of partner-1, as a top-up opens it. */
        const openPage = async () => {
          const request = pageRequest({ partnerId: 'partner-1', customerId: CUSTOMER });
          const page = await stripe().createPaymentPage(request);
          if (page.outcome !== 'action-required') throw new Error(`no page: ${JSON.stringify(page)}`);
          return { request, sessionId: page.providerChargeId };
        };

        it.each<[string, (sessionId: string) => void]>([
          ['checkout.session.completed', (sessionId) => fake.payCheckoutSession(sessionId)],
          ['checkout.session.expired', (sessionId) => fake.lapseCheckoutSession(sessionId)],
        ])(
          'reads %s of a payment page as a change of the charge of its attempt, named by the session',
          async (type, act) => {
            // Prepare
            const { request, sessionId } = await openPage();
            act(sessionId);
            const event = lastEvent(type);

            // Act
            const read = await deliver(event);

            // Assess
            expect(read).toEqual({
              kind: 'charge-changed',
              eventId: event.id,
              occurredAt: NOW,
              partnerId: 'partner-1',
              attemptId: request.idempotencyKey,
              providerChargeId: sessionId,
            });
          },
        );

        it('reads payment_intent.succeeded of the PaymentIntent a payment page made as a change of the charge of its attempt', async () => {
          // Prepare
          const { request, sessionId } = await openPage();
          const paid = fake.payCheckoutSession(sessionId);
          const event = lastEvent('payment_intent.succeeded');

          // Act
          const read = await deliver(event);

          // Assess
          expect(read).toEqual({
            kind: 'charge-changed',
            eventId: event.id,
            occurredAt: NOW,
            partnerId: 'partner-1',
            attemptId: request.idempotencyKey,
            providerChargeId: paid.paymentIntent,
          });
        });

        it.each([
          ['that names no attempt', { metadata: { partnerId: 'partner-1' } }],
          ['that names no partner', { metadata: { attemptId: 'att-1' } }],
          ['in subscription mode', { mode: 'subscription' }],
        ])('ignores checkout.session.expired of a session %s', async (_, changes) => {
          const { sessionId } = await openPage();
          fake.lapseCheckoutSession(sessionId);
          const event = withObject(lastEvent('checkout.session.expired'), changes);

          const read = await deliver(event);

          expect(read).toEqual({
            kind: 'ignored',
            type: 'checkout.session.expired',
            eventId: event.id,
            occurredAt: NOW,
          });
        });

        it('ignores an expired setup session', async () => {
          const session = await stripe().createSetupSession({
            partnerId: 'partner-1',
            customerId: CUSTOMER,
            role: 'primary',
          });
          fake.lapseCheckoutSession(session.sessionId);
          const event = lastEvent('checkout.session.expired');

          const read = await deliver(event);

          expect(read).toEqual({
            kind: 'ignored',
            type: 'checkout.session.expired',
            eventId: event.id,
            occurredAt: NOW,
          });
        });
      });

      it('ignores a PaymentIntent event without an attempt in its metadata', async () => {
        await stripe().charge(chargeOf('pm_card_visa'));
        const event = withObject(lastEvent('payment_intent.succeeded'), { metadata: {} });

        const read = await deliver(event);

        expect(read).toEqual({ kind: 'ignored', type: 'payment_intent.succeeded', eventId: event.id, occurredAt: NOW });
      });

      it.each(['customer.created', 'payment_method.attached', 'payment_intent.created', 'setup_intent.succeeded'])(
        'acknowledges %s as ignored',
        async (type) => {
          const session = await stripe().createSetupSession({
            partnerId: 'partner-1',
            customerId: CUSTOMER,
            role: 'primary',
          });
          fake.completeSetupSession(session.sessionId, 'pm_card_visa');
          await stripe().charge(chargeOf('pm_card_visa'));
          const event = lastEvent(type);

          const read = await deliver(event);

          expect(read).toEqual({ kind: 'ignored', type, eventId: event.id, occurredAt: NOW });
        },
      );

      it('reads deliveries repeated and out of order each as the event it carries, at the time Stripe made it', async () => {
        // Prepare
        await stripe().charge(chargeOf('pm_card_authenticationRequired'));
        clock.set(new Date(NOW.getTime() + 90_000));
        fake.completeAuthentication(fake.intents[0]?.id ?? '', 'succeed');
        const waiting = lastEvent('payment_intent.requires_action');
        const paid = lastEvent('payment_intent.succeeded');

        // Act
        const read = [await deliver(paid), await deliver(waiting), await deliver(paid)];

        // Assess
        expect(read.map((event) => ('eventId' in event ? [event.eventId, event.occurredAt] : event))).toEqual([
          [paid.id, new Date(NOW.getTime() + 90_000)],
          [waiting.id, NOW],
          [paid.id, new Date(NOW.getTime() + 90_000)],
        ]);
      });

      it.each<[string, (paymentIntent: string) => void]>([
        ['charge.dispute.created', (paymentIntent) => fake.openDispute(paymentIntent)],
        ['charge.dispute.funds_withdrawn', (paymentIntent) => fake.openDispute(paymentIntent)],
        [
          'charge.dispute.updated',
          (paymentIntent) => fake.moveDispute(fake.openDispute(paymentIntent).id, 'under_review'),
        ],
        ['charge.dispute.closed', (paymentIntent) => fake.moveDispute(fake.openDispute(paymentIntent).id, 'lost')],
        [
          'charge.dispute.funds_reinstated',
          (paymentIntent) => fake.moveDispute(fake.openDispute(paymentIntent).id, 'won'),
        ],
      ])('reads %s as a change of the dispute, named by its id', async (type, dispute) => {
        // Prepare
        await stripe().charge(chargeOf('pm_card_visa'));
        dispute(fake.intents[0]?.id ?? '');
        const event = lastEvent(type);

        // Act
        const read = await deliver(event);

        // Assess
        expect(read).toEqual({
          kind: 'dispute-changed',
          eventId: event.id,
          occurredAt: NOW,
          disputeId: fake.disputes[0]?.id,
        });
      });

      it.each<[string, (paymentIntent: string) => void]>([
        ['charge.refunded', (paymentIntent) => fake.refundFromDashboard(paymentIntent, 1_000)],
        ['refund.created', (paymentIntent) => fake.refundFromDashboard(paymentIntent, 1_000)],
        ['refund.updated', (paymentIntent) => fake.moveRefund(fake.refundFromDashboard(paymentIntent).id, 'failed')],
        [
          'charge.refund.updated',
          (paymentIntent) => fake.moveRefund(fake.refundFromDashboard(paymentIntent).id, 'failed'),
        ],
        ['refund.failed', (paymentIntent) => fake.moveRefund(fake.refundFromDashboard(paymentIntent).id, 'failed')],
      ])('reads %s as a change of the refunds of its PaymentIntent', async (type, refund) => {
        // Prepare
        await stripe().charge(chargeOf('pm_card_visa'));
        const paymentIntent = fake.intents[0]?.id ?? '';
        refund(paymentIntent);
        const event = lastEvent(type);

        // Act
        const read = await deliver(event);

        // Assess
        expect(read).toEqual({
          kind: 'charge-refunded',
          eventId: event.id,
          occurredAt: NOW,
          providerChargeId: paymentIntent,
        });
      });

      it.each(['charge.refunded', 'refund.created'])(
        'ignores %s of a charge made without a PaymentIntent',
        async (type) => {
          await stripe().charge(chargeOf('pm_card_visa'));
          fake.refundFromDashboard(fake.intents[0]?.id ?? '');
          const event = withObject(lastEvent(type), { payment_intent: null });

          const read = await deliver(event);

          expect(read).toEqual({ kind: 'ignored', type, eventId: event.id, occurredAt: NOW });
        },
      );

      it("accepts a delivery signed just within Stripe's five minutes", async () => {
        const read = await deliver(fake.eventsOf('customer.created')[0], { timestamp: NOW_SECONDS - 300 });

        expect(read).toMatchObject({ kind: 'ignored', type: 'customer.created' });
      });
    });

    describe('Refused deliveries', () => {
      it.each([
        ['no signature header', undefined],
        ['an empty signature header', ' '],
      ])('refuses a delivery with %s', async (_, header) => {
        const { payload } = fake.signedDelivery(fake.eventsOf('customer.created')[0]);

        const read = await reader().read(payload, header);

        expect(read).toEqual({ kind: 'refused', reason: 'the delivery has no Stripe-Signature header' });
      });

      it('refuses a delivery signed with another secret', async () => {
        const read = await deliver(fake.eventsOf('customer.created')[0], { secret: 'whsec_forged' });

        expect(read).toEqual({
          kind: 'refused',
          reason: expect.stringContaining("the signature does not match the endpoint's secret"),
        });
      });

      it('refuses a body changed after it was signed', async () => {
        // Prepare
        await stripe().charge(chargeOf('pm_card_chargeDeclined'));
        const { payload, signature } = fake.signedDelivery(lastEvent('payment_intent.payment_failed'));
        const forged = payload.replace('payment_intent.payment_failed', 'payment_intent.succeeded');

        // Act
        const read = await reader().read(forged, signature);

        // Assess
        expect(forged).not.toBe(payload);
        expect(read).toEqual({ kind: 'refused', reason: expect.stringContaining('does not match') });
      });

      it('refuses a header that carries no signature', async () => {
        const { payload } = fake.signedDelivery(fake.eventsOf('customer.created')[0]);

        const read = await reader().read(payload, `t=${NOW_SECONDS}`);

        expect(read).toEqual({ kind: 'refused', reason: expect.stringContaining('does not match') });
      });

      it("refuses a delivery signed more than Stripe's five minutes before it is received", async () => {
        const read = await deliver(fake.eventsOf('customer.created')[0], { timestamp: NOW_SECONDS - 301 });

        expect(read).toEqual({
          kind: 'refused',
          reason: 'the signature is stale: signed more than 300 s before it was received',
        });
      });

      it('refuses a stale delivery under a tolerance of its own', async () => {
        const { payload, signature } = fake.signedDelivery(fake.eventsOf('customer.created')[0], {
          timestamp: NOW_SECONDS - 61,
        });

        const read = await new StripeEventReader(fake.webhookSecret, 60, clock).read(payload, signature);

        expect(read).toEqual({ kind: 'refused', reason: expect.stringContaining('stale') });
      });

      it('refuses a signed body that is not JSON', async () => {
        const payload = 'event=payment_intent.succeeded';
        const signature = Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: fake.webhookSecret,
          timestamp: NOW_SECONDS,
        });

        const read = await reader().read(payload, signature);

        expect(read).toEqual({ kind: 'refused', reason: expect.stringContaining('the body is not JSON') });
      });

      it('refuses signed JSON that is not a Stripe event', async () => {
        const read = await deliver({ id: 'evt_1', type: 'payment_intent.succeeded' });

        expect(read).toEqual({ kind: 'refused', reason: expect.stringContaining('the body is not a Stripe event') });
      });
    });
  });

  describe('Constructor', () => {
    it('refuses an empty signing secret', () => {
      expect(() => new StripeEventReader(' ')).toThrow('the Stripe webhook signing secret is empty');
    });

    it.each([0, -1, Number.NaN])('refuses a tolerance of %s, which would accept deliveries of any age', (tolerance) => {
      expect(() => new StripeEventReader('whsec_1', tolerance)).toThrow(RangeError);
    });
  });

  describe('Loading', () => {
    let clientsCreated: number;
    let IsolatedReader: typeof Reader;

    beforeEach(async () => {
      // Prepare: a fresh module registry, with the real SDK behind a counter of its clients.
      jest.resetModules();
      clientsCreated = 0;
      jest.doMock('stripe', () => {
        const Sdk = jest.requireActual<new (...args: unknown[]) => object>('stripe');
        return new Proxy(Sdk, {
          construct(target, args) {
            clientsCreated += 1;
            return Reflect.construct(target, args);
          },
        });
      });
      ({ StripeEventReader: IsolatedReader } = await import(
        '../../../functions/adapters/payments/stripe-event-reader'
      ));
    });

    afterEach(() => {
      jest.dontMock('stripe');
    });

    it('checks signatures without creating a Stripe API client', async () => {
      // Prepare
      const { payload, signature } = fake.signedDelivery(fake.eventsOf('customer.created')[0]);

      // Act
      const read = await new IsolatedReader(fake.webhookSecret, undefined, clock).read(payload, signature);

      // Assess
      expect(read).toMatchObject({ kind: 'ignored', type: 'customer.created' });
      expect(clientsCreated).toBe(0);
    });
  });
});
