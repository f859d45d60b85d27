import Stripe from 'stripe';
import {
  SANDBOX_API_VERSION,
  SandboxPaymentProvider,
  type SandboxState,
  type StripeShapedEvent,
} from '../../../functions/adapters/payments/sandbox-payment-provider';
import type { ChargeReference, ChargeRequest } from '../../../functions/domain/recharge/payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { TestClock } from '../../support/test-clock';

const START = new Date('2026-11-22T09:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

/** A sandbox on a pinned clock that keeps what it hands to `onEvent`. */
const sandbox = (pagesBaseUrl?: string) => {
  const clock = new TestClock(START);
  const delivered: StripeShapedEvent[] = [];
  const provider = new SandboxPaymentProvider({
    now: () => clock.now(),
    onEvent: (event) => delivered.push(event),
    ...(pagesBaseUrl !== undefined && { pagesBaseUrl }),
  });
  return { provider, clock, delivered };
};

const referenceTo = (request: ChargeRequest, providerChargeId: string): ChargeReference => ({
  partnerId: request.partnerId,
  idempotencyKey: request.idempotencyKey,
  providerChargeId,
});

/** A charge waiting for the cardholder, and the reference the use case keeps of it. */
const waitingCharge = async (provider: SandboxPaymentProvider) => {
  const request = chargeRequest({ paymentMethod: 'pm_card_authenticationRequired' });
  const result = await provider.charge(request);
  if (result.outcome !== 'action-required') throw new Error(`expected a waiting charge, got ${result.outcome}`);
  return { request, chargeId: result.providerChargeId, reference: referenceTo(request, result.providerChargeId) };
};

const typesOf = (events: readonly StripeShapedEvent[]) => events.map((event) => event.type);

/** A sandbox started from another's snapshot gone through JSON, as a file keeps it, on the same clock. */
const restarted = (provider: SandboxPaymentProvider, clock: TestClock) => {
  const state = JSON.parse(JSON.stringify(provider.snapshot())) as SandboxState;
  const delivered: StripeShapedEvent[] = [];
  const successor = new SandboxPaymentProvider({
    now: () => clock.now(),
    onEvent: (event) => delivered.push(event),
    state,
  });
  return { provider: successor, delivered };
};

describe('Class: SandboxPaymentProvider', () => {
  describe('Method: constructor', () => {
    it('works without options: hosted pages on 127.0.0.1:8080, no customer required', async () => {
      // Prepare
      const provider = new SandboxPaymentProvider();

      // Act
      const result = await provider.charge(chargeRequest({ paymentMethod: 'pm_card_authenticationRequired' }));

      // Assess
      expect(provider.requiresCustomer).toBe(false);
      expect(result).toMatchObject({
        actionUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:8080\/local\/pages\/authenticate\/pi_sandbox_/),
      });
    });

    it('builds page addresses on the base given, without a doubled slash', async () => {
      // Prepare
      const { provider } = sandbox('http://localhost:3000/');

      // Act
      const session = await provider.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'primary' });

      // Assess
      expect(session.url).toBe(`http://localhost:3000/local/pages/setup/${session.sessionId}`);
    });

    it('refuses a pages base that is not an address', () => {
      // Act & Assess
      expect(() => new SandboxPaymentProvider({ pagesBaseUrl: 'localhost 8080' })).toThrow(
        'pagesBaseUrl is not an absolute URL: localhost 8080',
      );
    });
  });

  describe('Method: charge', () => {
    it.each(['pm_card_visa', 'pm_card_mastercard'])('charges %s', async (paymentMethod) => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const result = await provider.charge(chargeRequest({ paymentMethod }));

      // Assess
      expect(result).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' });
      expect(provider.charges).toEqual([
        expect.objectContaining({
          chargeId: 'pi_sandbox_000001',
          result: { outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' },
        }),
      ]);
    });

    it.each([
      ['pm_card_chargeDeclined', 'generic_decline'],
      ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
      ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
      ['pm_card_chargeDeclinedLostCard', 'lost_card'],
      ['pm_card_chargeDeclinedStolenCard', 'stolen_card'],
      ['pm_card_chargeDeclinedFraudulent', 'fraudulent'],
      ['pm_card_unheardOf', 'unknown_test_payment_method'],
      ['pm_sepa_debit', 'unknown_test_payment_method'],
    ])('declines %s with %s, keeping the failed charge', async (paymentMethod, declineCode) => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const result = await provider.charge(chargeRequest({ paymentMethod }));

      // Assess
      expect(result).toEqual({ outcome: 'declined', declineCode, providerChargeId: 'pi_sandbox_000001' });
      expect(provider.charges).toHaveLength(1);
    });

    it('leaves a pm_card_authenticationRequired charge waiting for the cardholder on the authentication page', async () => {
      // Prepare
      const { provider } = sandbox('http://127.0.0.1:9000');

      // Act
      const result = await provider.charge(chargeRequest({ paymentMethod: 'pm_card_authenticationRequired' }));

      // Assess
      expect(result).toEqual({
        outcome: 'action-required',
        providerChargeId: 'pi_sandbox_000001',
        actionUrl: 'http://127.0.0.1:9000/local/pages/authenticate/pi_sandbox_000001',
      });
    });

    it('charges without a customer, and records one when it is given', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { customerId: _, ...withoutCustomer } = chargeRequest();

      // Act
      const anonymous = await provider.charge(withoutCustomer);
      await provider.charge(chargeRequest({ customerId: 'cus_42' }));

      // Assess
      expect(anonymous.outcome).toBe('succeeded');
      expect(delivered.map((event) => event.data.object)).toEqual([
        expect.objectContaining({ customer: null }),
        expect.objectContaining({ customer: 'cus_42' }),
      ]);
    });

    it('answers a replayed key with the same charge, without charging again', async () => {
      // Prepare
      const { provider } = sandbox();
      const request = chargeRequest();
      const first = await provider.charge(request);

      // Act
      const replayed = await provider.charge(request);

      // Assess
      expect(replayed).toEqual(first);
      expect(provider.charges).toHaveLength(1);
    });

    it('refuses a replayed key with another amount as unknown, without charging again', async () => {
      // Prepare
      const { provider } = sandbox();
      const request = chargeRequest();
      await provider.charge(request);

      // Act
      const replayed = await provider.charge({ ...request, amountCents: request.amountCents + 1 });

      // Assess
      expect(replayed).toEqual({
        outcome: 'unknown',
        reason: `sandbox: idempotency key ${request.idempotencyKey} reused with other parameters`,
      });
      expect(provider.charges).toHaveLength(1);
    });

    it('answers a replayed key with where the charge stands now: succeeded once authenticated', async () => {
      // Prepare
      const { provider } = sandbox();
      const { request, chargeId } = await waitingCharge(provider);
      provider.completeAuthentication(chargeId);

      // Act
      const replayed = await provider.charge(request);

      // Assess
      expect(replayed).toEqual({ outcome: 'succeeded', providerChargeId: chargeId });
    });

    it('answers a replayed key of a canceled charge as declined, since nothing was charged', async () => {
      // Prepare
      const { provider } = sandbox();
      const { request, chargeId, reference } = await waitingCharge(provider);
      await provider.cancelCharge(reference);

      // Act
      const replayed = await provider.charge(request);

      // Assess
      expect(replayed).toEqual({ outcome: 'declined', declineCode: 'canceled', providerChargeId: chargeId });
    });
  });

  describe('Method: failNext', () => {
    it('loses the answer before the charge: nothing is charged, and the same key charges once later', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const request = chargeRequest();
      provider.failNext('timeout-before-charge');

      // Act
      const lost = await provider.charge(request);
      const resumed = await provider.charge(request);

      // Assess
      expect(lost).toEqual({ outcome: 'unknown', reason: 'sandbox: timed out before the charge' });
      expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' });
      expect(provider.charges).toHaveLength(1);
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded']);
    });

    it('loses the answer after the charge: the card is charged, and the same key answers that charge', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const request = chargeRequest();
      provider.failNext('timeout-after-charge');

      // Act
      const lost = await provider.charge(request);
      const resumed = await provider.charge(request);

      // Assess
      expect(lost).toEqual({ outcome: 'unknown', reason: 'sandbox: timed out after the charge' });
      expect(resumed).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' });
      expect(provider.charges).toHaveLength(1);
      // Stripe still reports the charge whose answer was lost.
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded']);
    });

    it('refuses the request as failed: nothing is charged and the key stays free', async () => {
      // Prepare
      const { provider } = sandbox();
      const request = chargeRequest();
      provider.failNext('refused');

      // Act
      const refused = await provider.charge(request);
      const later = await provider.charge(request);

      // Assess
      expect(refused).toEqual({ outcome: 'failed', reason: 'sandbox: the request was refused, nothing charged' });
      expect(later.outcome).toBe('succeeded');
      expect(provider.charges).toHaveLength(1);
    });

    it('spends the faults on new charges in order, never on replays', async () => {
      // Prepare
      const { provider } = sandbox();
      const known = chargeRequest();
      await provider.charge(known);
      provider.failNext('timeout-before-charge', 'timeout-after-charge');

      // Act
      const replayed = await provider.charge(known);
      const first = await provider.charge(chargeRequest());
      const second = await provider.charge(chargeRequest());
      const third = await provider.charge(chargeRequest());

      // Assess
      expect(replayed.outcome).toBe('succeeded');
      expect([first, second, third].map((result) => result.outcome)).toEqual(['unknown', 'unknown', 'succeeded']);
      expect(provider.charges).toHaveLength(3);
    });
  });

  describe('Method: completeAuthentication', () => {
    it('moves a waiting charge to succeeded and reports payment_intent.succeeded', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { request, chargeId, reference } = await waitingCharge(provider);
      const [charge] = provider.charges;

      // Act
      const completed = provider.completeAuthentication(chargeId);

      // Assess
      expect(completed).toEqual({ outcome: 'succeeded', providerChargeId: chargeId });
      expect(await provider.chargeStatus(reference)).toEqual(completed);
      // A charge read from the list before stays current, as the simulator's invariants keep them.
      expect(charge?.result).toEqual(completed);
      expect(delivered.at(-1)).toMatchObject({
        type: 'payment_intent.succeeded',
        data: {
          object: {
            id: chargeId,
            object: 'payment_intent',
            status: 'succeeded',
            amount: request.amountCents,
            currency: 'eur',
            metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
            last_payment_error: null,
          },
        },
      });
    });

    it('declines a charge whose authentication failed with Stripe code payment_intent_authentication_failure', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { request, chargeId, reference } = await waitingCharge(provider);

      // Act
      const failed = provider.completeAuthentication(chargeId, 'fail');

      // Assess
      const declined = {
        outcome: 'declined',
        declineCode: 'payment_intent_authentication_failure',
        providerChargeId: chargeId,
      };
      expect(failed).toEqual(declined);
      expect(await provider.chargeStatus(reference)).toEqual(declined);
      expect(await provider.charge(request)).toEqual(declined);
      expect(delivered.at(-1)).toMatchObject({
        type: 'payment_intent.payment_failed',
        data: {
          object: {
            id: chargeId,
            status: 'requires_payment_method',
            metadata: { partnerId: request.partnerId, attemptId: request.idempotencyKey },
            last_payment_error: { code: 'payment_intent_authentication_failure' },
          },
        },
      });
    });

    it('refuses a charge it never made', () => {
      // Prepare
      const { provider, delivered } = sandbox();

      // Act
      const refused = provider.completeAuthentication('pi_sandbox_999999');

      // Assess
      expect(refused).toEqual({ outcome: 'refused', code: 'not-found', detail: 'no charge pi_sandbox_999999' });
      expect(delivered).toEqual([]);
    });

    it('refuses a charge that is not waiting, and changes nothing', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { chargeId } = await waitingCharge(provider);
      provider.completeAuthentication(chargeId);
      const reported = delivered.length;

      // Act
      const again = provider.completeAuthentication(chargeId, 'fail');

      // Assess
      expect(again).toEqual({
        outcome: 'refused',
        code: 'not-waiting',
        detail: `charge ${chargeId} is succeeded, not waiting for authentication`,
      });
      expect(provider.charges[0]?.result.outcome).toBe('succeeded');
      expect(delivered).toHaveLength(reported);
    });
  });

  describe('Method: chargeStatus', () => {
    it('answers a waiting charge as action-required with its page, and a finished one with its final answer', async () => {
      // Prepare
      const { provider } = sandbox();
      const waiting = await waitingCharge(provider);
      const declinedRequest = chargeRequest({ paymentMethod: 'pm_card_chargeDeclinedLostCard' });
      const declined = await provider.charge(declinedRequest);

      // Act
      const waitingStatus = await provider.chargeStatus(waiting.reference);
      const declinedStatus = await provider.chargeStatus(referenceTo(declinedRequest, 'pi_sandbox_000002'));

      // Assess
      expect(waitingStatus).toEqual({
        outcome: 'action-required',
        providerChargeId: waiting.chargeId,
        actionUrl: `http://127.0.0.1:8080/local/pages/authenticate/${waiting.chargeId}`,
      });
      expect(declinedStatus).toEqual(declined);
    });

    it('answers unknown for a charge it never made', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const status = await provider.chargeStatus(referenceTo(chargeRequest(), 'pi_sandbox_999999'));

      // Assess
      expect(status).toEqual({ outcome: 'unknown', reason: 'sandbox: no charge pi_sandbox_999999' });
    });

    it('answers unknown for a charge made for another attempt', async () => {
      // Prepare
      const { provider } = sandbox();
      await provider.charge(chargeRequest());

      // Act
      const status = await provider.chargeStatus(referenceTo(chargeRequest(), 'pi_sandbox_000001'));

      // Assess
      expect(status).toEqual({ outcome: 'unknown', reason: expect.stringContaining('was made for attempt') });
    });
  });

  describe('Method: cancelCharge', () => {
    it('cancels a waiting charge for good and reports payment_intent.canceled', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { chargeId, reference } = await waitingCharge(provider);

      // Act
      const canceled = await provider.cancelCharge(reference);

      // Assess
      expect(canceled).toEqual({ outcome: 'canceled', providerChargeId: chargeId });
      expect(await provider.chargeStatus(reference)).toEqual(canceled);
      expect(provider.completeAuthentication(chargeId)).toMatchObject({ outcome: 'refused', code: 'not-waiting' });
      expect(await provider.cancelCharge(reference)).toEqual(canceled);
      expect(typesOf(delivered)).toEqual(['payment_intent.requires_action', 'payment_intent.canceled']);
      expect(delivered.at(-1)?.data.object).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    });

    it('answers the final answer of a charge that finished first, without canceling it', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { chargeId, reference } = await waitingCharge(provider);
      provider.completeAuthentication(chargeId);
      const reported = delivered.length;

      // Act
      const answer = await provider.cancelCharge(reference);

      // Assess
      expect(answer).toEqual({ outcome: 'succeeded', providerChargeId: chargeId });
      expect(delivered).toHaveLength(reported);
    });

    it('answers unknown for a charge it never made', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const answer = await provider.cancelCharge(referenceTo(chargeRequest(), 'pi_sandbox_000404'));

      // Assess
      expect(answer).toEqual({ outcome: 'unknown', reason: 'sandbox: no charge pi_sandbox_000404' });
    });
  });

  describe('Method: checkPaymentMethod', () => {
    it.each([
      'pm_card_visa',
      'pm_card_mastercard',
      'pm_card_chargeDeclined',
      'pm_card_chargeDeclinedInsufficientFunds',
      'pm_card_chargeDeclinedExpiredCard',
      'pm_card_chargeDeclinedLostCard',
      'pm_card_chargeDeclinedStolenCard',
      'pm_card_chargeDeclinedFraudulent',
      'pm_card_authenticationRequired',
    ])('finds %s usable, with or without a customer', async (paymentMethod) => {
      // Prepare
      const { provider } = sandbox();

      // Act & Assess
      expect(await provider.checkPaymentMethod(paymentMethod, 'cus_1')).toEqual({ verdict: 'usable' });
      expect(await provider.checkPaymentMethod(paymentMethod, undefined)).toEqual({ verdict: 'usable' });
    });

    it('refuses pm_sepa_debit as not a card', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const check = await provider.checkPaymentMethod('pm_sepa_debit', 'cus_1');

      // Assess
      expect(check).toEqual({
        verdict: 'refused',
        reason: 'not-a-card',
        detail: 'pm_sepa_debit is a SEPA debit, not a card',
      });
    });

    it('refuses a payment method it does not know as not found', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const check = await provider.checkPaymentMethod('pm_1Qx7typo', undefined);

      // Assess
      expect(check).toMatchObject({ verdict: 'refused', reason: 'not-found' });
    });
  });

  describe('Method: createSetupSession', () => {
    it('opens a setup page that expires 24 hours after it was created', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const session = await provider.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'backup' });

      // Assess
      expect(session.sessionId).toMatch(/^cs_sandbox_\w+$/);
      expect(session.url).toBe(`http://127.0.0.1:8080/local/pages/setup/${session.sessionId}`);
      expect(session.expiresAt).toEqual(new Date(START.getTime() + DAY_MS));
      expect(provider.setupSessions).toEqual([
        { ...session, partnerId: 'p-1', customerId: 'cus_1', role: 'backup', status: 'open' },
      ]);
    });

    it('gives each session its own id', async () => {
      // Prepare
      const { provider } = sandbox();
      const request = { partnerId: 'p-1', customerId: 'cus_1', role: 'primary' } as const;

      // Act
      const first = await provider.createSetupSession(request);
      const second = await provider.createSetupSession(request);

      // Assess
      expect(first.sessionId).not.toBe(second.sessionId);
    });
  });

  describe('Method: completeSetup', () => {
    it('saves the card to the customer and reports checkout.session.completed', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { sessionId } = await provider.createSetupSession({
        partnerId: 'p-1',
        customerId: 'cus_1',
        role: 'primary',
      });

      // Act
      const completion = provider.completeSetup(sessionId, 'pm_card_mastercard');

      // Assess
      if (completion.outcome !== 'completed') throw new Error(`setup refused: ${completion.detail}`);
      expect(completion.setupReference).toMatch(/^seti_sandbox_\w+$/);
      expect(completion).toEqual({
        outcome: 'completed',
        sessionId,
        setupReference: completion.setupReference,
        paymentMethod: 'pm_card_mastercard',
        customerId: 'cus_1',
      });
      expect(await provider.savedCard(completion.setupReference)).toEqual({
        paymentMethod: 'pm_card_mastercard',
        customerId: 'cus_1',
      });
      expect(provider.setupSessions[0]).toMatchObject({
        status: 'complete',
        setupReference: completion.setupReference,
      });
      expect(delivered).toEqual([
        expect.objectContaining({
          type: 'checkout.session.completed',
          data: {
            object: {
              id: sessionId,
              object: 'checkout.session',
              mode: 'setup',
              status: 'complete',
              customer: 'cus_1',
              setup_intent: completion.setupReference,
              metadata: { partnerId: 'p-1', role: 'primary' },
            },
          },
        }),
      ]);
    });

    it('refuses a second completion, keeping the card saved first', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { sessionId } = await provider.createSetupSession({
        partnerId: 'p-1',
        customerId: 'cus_1',
        role: 'primary',
      });
      provider.completeSetup(sessionId, 'pm_card_visa');

      // Act
      const second = provider.completeSetup(sessionId, 'pm_card_mastercard');

      // Assess
      expect(second).toEqual({
        outcome: 'refused',
        code: 'completed',
        detail: `setup session ${sessionId} already saved a card`,
      });
      expect(delivered).toHaveLength(1);
    });

    it('accepts a session until 24 hours after its creation, and refuses it from then on', async () => {
      // Prepare
      const { provider, clock } = sandbox();
      const request = { partnerId: 'p-1', customerId: 'cus_1', role: 'primary' } as const;
      const late = await provider.createSetupSession(request);
      const lastMoment = await provider.createSetupSession(request);

      // Act
      clock.set(new Date(START.getTime() + DAY_MS - 1));
      const justInTime = provider.completeSetup(lastMoment.sessionId, 'pm_card_visa');
      clock.set(new Date(START.getTime() + DAY_MS));
      const expired = provider.completeSetup(late.sessionId, 'pm_card_visa');

      // Assess
      expect(justInTime.outcome).toBe('completed');
      expect(expired).toEqual({
        outcome: 'refused',
        code: 'expired',
        detail: `setup session ${late.sessionId} expired at 2026-11-23T09:00:00.000Z`,
      });
      expect(provider.setupSessions.map((session) => session.status)).toEqual(['expired', 'complete']);
    });

    it('refuses a card it cannot save and leaves the session open for another', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { sessionId } = await provider.createSetupSession({
        partnerId: 'p-1',
        customerId: 'cus_1',
        role: 'primary',
      });

      // Act
      const notACard = provider.completeSetup(sessionId, 'pm_sepa_debit');
      const unknown = provider.completeSetup(sessionId, 'pm_card_unheardOf');
      const card = provider.completeSetup(sessionId, 'pm_card_visa');

      // Assess
      expect(notACard).toEqual({
        outcome: 'refused',
        code: 'card-refused',
        detail: 'pm_sepa_debit is a SEPA debit, not a card',
      });
      expect(unknown).toMatchObject({ outcome: 'refused', code: 'card-refused' });
      expect(card.outcome).toBe('completed');
      expect(typesOf(delivered)).toEqual(['checkout.session.completed']);
    });

    it('refuses a session it never opened', () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const refused = provider.completeSetup('cs_sandbox_unknown', 'pm_card_visa');

      // Assess
      expect(refused).toEqual({ outcome: 'refused', code: 'not-found', detail: 'no setup session cs_sandbox_unknown' });
    });
  });

  describe('Method: savedCard', () => {
    it('knows no card for a setup reference it never made', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act & Assess
      expect(await provider.savedCard('seti_sandbox_unknown')).toBeUndefined();
    });
  });

  describe('Method: snapshot', () => {
    it('holds every charge, setup session and saved card as plain JSON, times as ISO-8601 strings', async () => {
      // Prepare
      const { provider } = sandbox();
      const firstTriedAt = new Date('2026-11-21T08:00:00Z');
      const paid = chargeRequest({ firstTriedAt });
      const declined = chargeRequest({ paymentMethod: 'pm_card_chargeDeclinedLostCard', customerId: undefined });
      await provider.charge(paid);
      await provider.charge(declined);
      const { chargeId } = await waitingCharge(provider);
      const open = await provider.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'backup' });
      const used = await provider.createSetupSession({ partnerId: 'p-2', customerId: 'cus_2', role: 'primary' });
      const completion = provider.completeSetup(used.sessionId, 'pm_card_visa');
      if (completion.outcome !== 'completed') throw new Error(`setup refused: ${completion.detail}`);

      // Act
      const state = provider.snapshot();

      // Assess
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
      expect(state).toEqual({
        sequence: 3,
        charges: [
          {
            chargeId: 'pi_sandbox_000001',
            request: { ...paid, firstTriedAt: '2026-11-21T08:00:00.000Z' },
            status: 'succeeded',
            lastPaymentError: null,
          },
          {
            chargeId: 'pi_sandbox_000002',
            request: expect.not.objectContaining({ customerId: expect.anything() }),
            status: 'requires_payment_method',
            lastPaymentError: expect.objectContaining({ decline_code: 'lost_card' }),
          },
          expect.objectContaining({ chargeId, status: 'requires_action', lastPaymentError: null }),
        ],
        setupSessions: [
          {
            sessionId: open.sessionId,
            request: { partnerId: 'p-1', customerId: 'cus_1', role: 'backup' },
            expiresAt: '2026-11-23T09:00:00.000Z',
          },
          {
            sessionId: used.sessionId,
            request: { partnerId: 'p-2', customerId: 'cus_2', role: 'primary' },
            expiresAt: '2026-11-23T09:00:00.000Z',
            setupReference: completion.setupReference,
          },
        ],
        savedCards: [{ setupReference: completion.setupReference, paymentMethod: 'pm_card_visa', customerId: 'cus_2' }],
        paymentSessions: [],
        disputes: [],
        refunds: [],
      });
    });

    it('is a copy: later changes do not reach a snapshot taken before', async () => {
      // Prepare
      const { provider } = sandbox();
      const { chargeId } = await waitingCharge(provider);
      const before = provider.snapshot();

      // Act
      provider.completeAuthentication(chargeId);

      // Assess
      expect(before.charges[0]?.status).toBe('requires_action');
      expect(provider.snapshot().charges[0]?.status).toBe('succeeded');
    });
  });

  describe('Option: state', () => {
    it('takes up a charge waiting for authentication: it can still be completed, and its key replays it', async () => {
      // Prepare
      const { provider: before, clock } = sandbox();
      const { request, chargeId, reference } = await waitingCharge(before);
      const { provider, delivered } = restarted(before, clock);

      // Act
      const waiting = await provider.chargeStatus(reference);
      const completed = provider.completeAuthentication(chargeId);
      const replayed = await provider.charge(request);

      // Assess
      expect(waiting).toEqual({
        outcome: 'action-required',
        providerChargeId: chargeId,
        actionUrl: `http://127.0.0.1:8080/local/pages/authenticate/${chargeId}`,
      });
      expect(completed).toEqual({ outcome: 'succeeded', providerChargeId: chargeId });
      expect(replayed).toEqual({ outcome: 'succeeded', providerChargeId: chargeId });
      expect(provider.charges).toEqual([expect.objectContaining({ chargeId, request, result: completed })]);
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded']);
      expect(delivered[0]?.data.object).toMatchObject({
        id: chargeId,
        metadata: { attemptId: request.idempotencyKey },
      });
    });

    it('takes up a waiting charge that can still be canceled, and finished charges with their answers', async () => {
      // Prepare
      const { provider: before, clock } = sandbox();
      const firstTriedAt = new Date('2026-11-21T08:00:00Z');
      const paid = chargeRequest({ firstTriedAt });
      const lost = chargeRequest({ paymentMethod: 'pm_card_chargeDeclinedLostCard' });
      await before.charge(paid);
      await before.charge(lost);
      const { reference } = await waitingCharge(before);
      const { provider } = restarted(before, clock);

      // Act
      const canceled = await provider.cancelCharge(reference);
      const answers = [await provider.charge(paid), await provider.charge(lost)];

      // Assess
      expect(canceled).toEqual({ outcome: 'canceled', providerChargeId: reference.providerChargeId });
      expect(answers).toEqual([
        { outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' },
        { outcome: 'declined', declineCode: 'lost_card', providerChargeId: 'pi_sandbox_000002' },
      ]);
      expect(provider.charges[0]?.request.firstTriedAt).toEqual(firstTriedAt);
      expect(provider.charges).toHaveLength(3);
    });

    it('goes on with the charge id sequence, so no id is handed out twice', async () => {
      // Prepare
      const { provider: before, clock } = sandbox();
      await before.charge(chargeRequest());
      await before.charge(chargeRequest());
      const { provider } = restarted(before, clock);

      // Act
      const next = await provider.charge(chargeRequest());

      // Assess
      expect(next).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000003' });
      expect(provider.snapshot().sequence).toBe(3);
    });

    it('takes up setup sessions and saved cards: an open one saves a card until it expires, a completed one stays so', async () => {
      // Prepare
      const { provider: before, clock } = sandbox();
      const open = await before.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'backup' });
      const late = await before.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'primary' });
      const used = await before.createSetupSession({ partnerId: 'p-2', customerId: 'cus_2', role: 'primary' });
      const first = before.completeSetup(used.sessionId, 'pm_card_visa');
      if (first.outcome !== 'completed') throw new Error(`setup refused: ${first.detail}`);
      const { provider, delivered } = restarted(before, clock);

      // Act
      const again = provider.completeSetup(used.sessionId, 'pm_card_mastercard');
      const saved = provider.completeSetup(open.sessionId, 'pm_card_mastercard');
      clock.set(new Date(START.getTime() + DAY_MS));
      const expired = provider.completeSetup(late.sessionId, 'pm_card_visa');

      // Assess
      expect(again).toMatchObject({ outcome: 'refused', code: 'completed' });
      expect(saved).toMatchObject({ outcome: 'completed', sessionId: open.sessionId, customerId: 'cus_1' });
      expect(expired).toMatchObject({ outcome: 'refused', code: 'expired' });
      expect(await provider.savedCard(first.setupReference)).toEqual({
        paymentMethod: 'pm_card_visa',
        customerId: 'cus_2',
      });
      expect(provider.setupSessions).toEqual([
        {
          ...open,
          partnerId: 'p-1',
          customerId: 'cus_1',
          role: 'backup',
          status: 'complete',
          setupReference: expect.any(String),
        },
        { ...late, partnerId: 'p-1', customerId: 'cus_1', role: 'primary', status: 'expired' },
        {
          ...used,
          partnerId: 'p-2',
          customerId: 'cus_2',
          role: 'primary',
          status: 'complete',
          setupReference: first.setupReference,
        },
      ]);
      expect(typesOf(delivered)).toEqual(['checkout.session.completed']);
    });

    it('does not take up faults waiting for new charges', async () => {
      // Prepare
      const { provider: before, clock } = sandbox();
      before.failNext('refused');
      const { provider } = restarted(before, clock);

      // Act
      const result = await provider.charge(chargeRequest());

      // Assess
      expect(result).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000001' });
    });

    it('refuses a state whose sequence is behind one of its charge ids', async () => {
      // Prepare
      const { provider: before } = sandbox();
      await before.charge(chargeRequest());
      await before.charge(chargeRequest());
      const state = { ...before.snapshot(), sequence: 1 };

      // Act & Assess
      expect(() => new SandboxPaymentProvider({ state })).toThrow(
        'sandbox state: sequence 1 is behind charge pi_sandbox_000002',
      );
    });
  });

  describe('Option: onChange', () => {
    it('receives the state after each change, before the event that reports it', async () => {
      // Prepare
      const clock = new TestClock(START);
      const calls: string[] = [];
      const states: SandboxState[] = [];
      const provider = new SandboxPaymentProvider({
        now: () => clock.now(),
        onEvent: (event) => calls.push(event.type),
        onChange: (state) => {
          calls.push('change');
          states.push(state);
        },
      });

      // Act
      const { chargeId } = await waitingCharge(provider);
      const { reference } = await waitingCharge(provider);
      const { sessionId } = await provider.createSetupSession({
        partnerId: 'p-1',
        customerId: 'cus_1',
        role: 'primary',
      });
      provider.completeAuthentication(chargeId);
      await provider.cancelCharge(reference);
      provider.completeSetup(sessionId, 'pm_card_visa');

      // Assess
      expect(calls).toEqual([
        'change',
        'payment_intent.requires_action',
        'change',
        'payment_intent.requires_action',
        'change',
        'change',
        'payment_intent.succeeded',
        'change',
        'payment_intent.canceled',
        'change',
        'checkout.session.completed',
      ]);
      expect(states.at(-1)).toEqual(provider.snapshot());
      expect(states.map((state) => state.charges.map((charge) => charge.status))).toEqual([
        ['requires_action'],
        ['requires_action', 'requires_action'],
        ['requires_action', 'requires_action'],
        ['succeeded', 'requires_action'],
        ['succeeded', 'canceled'],
        ['succeeded', 'canceled'],
      ]);
    });

    it('is not called for what changes nothing: replays, lost answers before the charge, refusals, lookups', async () => {
      // Prepare
      const changes: SandboxState[] = [];
      const provider = new SandboxPaymentProvider({ onChange: (state) => changes.push(state) });
      const { request, chargeId, reference } = await waitingCharge(provider);
      changes.length = 0;
      provider.failNext('timeout-before-charge', 'refused');

      // Act
      await provider.charge(request);
      await provider.charge(chargeRequest());
      await provider.charge(chargeRequest());
      await provider.chargeStatus(reference);
      await provider.checkPaymentMethod('pm_card_visa', undefined);
      provider.completeSetup('cs_sandbox_unknown', 'pm_card_visa');
      provider.completeAuthentication('pi_sandbox_999999');
      provider.completeAuthentication(chargeId, 'fail');
      provider.completeAuthentication(chargeId);
      await provider.cancelCharge(reference);

      // Assess: the failed authentication alone changed the charge.
      expect(changes).toHaveLength(1);
      expect(changes[0]?.charges[0]).toMatchObject({
        status: 'requires_payment_method',
        lastPaymentError: { code: 'payment_intent_authentication_failure' },
      });
    });

    it('saves a charge whose answer is lost after it was made', async () => {
      // Prepare
      const changes: SandboxState[] = [];
      const provider = new SandboxPaymentProvider({ onChange: (state) => changes.push(state) });
      provider.failNext('timeout-after-charge');

      // Act
      const result = await provider.charge(chargeRequest());

      // Assess
      expect(result.outcome).toBe('unknown');
      expect(changes.map((state) => state.sequence)).toEqual([1]);
    });
  });

  describe('Property: events', () => {
    it('reports each new charge as Stripe does, by the state it reached', async () => {
      // Prepare
      const { provider, delivered } = sandbox();

      // Act
      await provider.charge(chargeRequest({ paymentMethod: 'pm_card_visa' }));
      await provider.charge(chargeRequest({ paymentMethod: 'pm_card_chargeDeclinedStolenCard' }));
      await provider.charge(chargeRequest({ paymentMethod: 'pm_card_authenticationRequired' }));

      // Assess
      expect(typesOf(delivered)).toEqual([
        'payment_intent.succeeded',
        'payment_intent.payment_failed',
        'payment_intent.requires_action',
      ]);
      expect(delivered[1]?.data.object).toMatchObject({
        status: 'requires_payment_method',
        last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'stolen_card' },
      });
      expect(delivered[2]?.data.object).toMatchObject({
        status: 'requires_action',
        next_action: {
          type: 'redirect_to_url',
          redirect_to_url: { url: 'http://127.0.0.1:8080/local/pages/authenticate/pi_sandbox_000003' },
        },
      });
    });

    it('has the envelope of a Stripe event, stamped with the clock and the SDK API version', async () => {
      // Prepare
      const { provider, clock } = sandbox();
      clock.set(new Date('2026-11-22T10:20:30.999Z'));

      // Act
      await provider.charge(chargeRequest());

      // Assess
      const [event] = provider.events;
      expect(event).toEqual({
        id: expect.stringMatching(/^evt_sandbox_\w+$/),
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Date.parse('2026-11-22T10:20:30Z') / 1000,
        api_version: SANDBOX_API_VERSION,
        livemode: false,
        data: { object: expect.objectContaining({ object: 'payment_intent', livemode: false }) },
      });
      expect(SANDBOX_API_VERSION).toBe(Stripe.API_VERSION);
    });

    it('hands every event to onEvent when it happens, in the order of the list', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const { chargeId } = await waitingCharge(provider);
      const { sessionId } = await provider.createSetupSession({
        partnerId: 'p-1',
        customerId: 'cus_1',
        role: 'primary',
      });

      // Act
      provider.completeAuthentication(chargeId);
      provider.completeSetup(sessionId, 'pm_card_visa');

      // Assess
      expect(delivered).toEqual(provider.events);
      expect(typesOf(delivered)).toEqual([
        'payment_intent.requires_action',
        'payment_intent.succeeded',
        'checkout.session.completed',
      ]);
      expect(new Set(delivered.map((event) => event.id)).size).toBe(3);
    });
  });
});
