/**
 * Money that comes back from the sandbox's charges, as Stripe plays it: the dispute test
 * cards disputed when the clock moves, disputes closed on the dashboard, refunds through the
 * API (idempotent, never beyond what is left, never of a charged-back payment) and from the
 * dashboard, each reported with Stripe's events, and all of it kept in the state.
 */
import type { SandboxDispute, SandboxRefund } from '../../../functions/adapters/payments/sandbox-money-back';
import {
  SandboxPaymentProvider,
  type SandboxState,
  type StripeShapedEvent,
} from '../../../functions/adapters/payments/sandbox-payment-provider';
import type { RefundRequest } from '../../../functions/domain/money-back/money-back-provider';
import type { ChargeRequest } from '../../../functions/domain/recharge/payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { TestClock } from '../../support/test-clock';

const START = new Date('2026-11-22T09:00:00Z');
const LATER = new Date('2026-11-22T10:00:00Z');

const sandbox = (state?: SandboxState) => {
  const clock = new TestClock(START);
  const delivered: StripeShapedEvent[] = [];
  const provider = new SandboxPaymentProvider({
    now: () => clock.now(),
    onEvent: (event) => delivered.push(event),
    ...(state !== undefined && { state }),
  });
  return { provider, clock, delivered };
};

/** A charge of 520.00 EUR on `paymentMethod`, and the request it was made with. */
const paidCharge = async (provider: SandboxPaymentProvider, paymentMethod = 'pm_card_visa') => {
  const request = chargeRequest({ paymentMethod, partnerId: 'partner-7' });
  const result = await provider.charge(request);
  if (result.outcome !== 'succeeded') throw new Error(`expected a paid charge, got ${result.outcome}`);
  return { request, chargeId: result.providerChargeId };
};

/** A dispute test card's charge, disputed by moving the clock. */
const disputedCharge = async (provider: SandboxPaymentProvider, clock: TestClock, paymentMethod: string) => {
  const charge = await paidCharge(provider, paymentMethod);
  clock.set(LATER);
  provider.clockMoved();
  const dispute = provider.disputes.find((candidate) => candidate.payment_intent === charge.chargeId);
  if (dispute === undefined) throw new Error(`charge ${charge.chargeId} was not disputed`);
  return { ...charge, disputeId: dispute.id };
};

const refundRequest = (
  charge: { request: ChargeRequest; chargeId: string },
  overrides: Partial<RefundRequest> = {},
): RefundRequest => ({
  charge: {
    partnerId: charge.request.partnerId,
    attemptId: charge.request.idempotencyKey,
    providerChargeId: charge.chargeId,
  },
  amountCents: 10_000,
  operatorReference: 'refund-0001',
  idempotencyKey: `refund-0001:${charge.request.idempotencyKey}`,
  firstTriedAt: START,
  ...overrides,
});

const typesOf = (events: readonly StripeShapedEvent[]) => events.map((event) => event.type);

describe('Class: SandboxPaymentProvider, money that comes back', () => {
  describe('Method: clockMoved', () => {
    it('disputes a pm_card_createDispute charge as fraud for its whole amount when the clock moves, not before', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { request, chargeId } = await paidCharge(provider, 'pm_card_createDispute');
      const beforeTheMove = provider.disputes.length;

      // Act
      clock.set(LATER);
      provider.clockMoved();
      provider.clockMoved();

      // Assess
      expect(beforeTheMove).toBe(0);
      const [dispute] = provider.disputes;
      expect(provider.disputes).toHaveLength(1);
      expect(dispute).toEqual({
        id: expect.stringMatching(/^du_sandbox_\w+$/),
        object: 'dispute',
        amount: 52_000,
        charge: 'ch_sandbox_000001',
        created: LATER.getTime() / 1000,
        currency: 'eur',
        is_charge_refundable: false,
        livemode: false,
        metadata: {},
        payment_intent: chargeId,
        reason: 'fraudulent',
        status: 'needs_response',
      });
      expect(await provider.dispute(dispute?.id ?? '')).toEqual({
        disputeId: dispute?.id,
        status: 'open',
        amountCents: 52_000,
        currency: 'EUR',
        reason: 'fraudulent',
        openedAt: LATER,
        charge: { partnerId: 'partner-7', attemptId: request.idempotencyKey, providerChargeId: chargeId },
      });
      expect(typesOf(delivered)).toEqual([
        'payment_intent.succeeded',
        'charge.dispute.created',
        'charge.dispute.funds_withdrawn',
      ]);
      expect(delivered.slice(1).map((event) => event.data.object)).toEqual([dispute, dispute]);
    });

    it('opens an inquiry on a pm_card_createDisputeInquiry charge: nothing taken, the charge still refundable', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { disputeId } = await disputedCharge(provider, clock, 'pm_card_createDisputeInquiry');

      // Act
      const dispute = await provider.dispute(disputeId);

      // Assess
      expect(dispute?.status).toBe('inquiry');
      expect(provider.disputes[0]).toMatchObject({ status: 'warning_needs_response', is_charge_refundable: true });
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded', 'charge.dispute.created']);
    });

    it('leaves other cards alone, and disputes only what was not refunded of a dispute card', async () => {
      // Prepare
      const { provider, clock } = sandbox();
      await paidCharge(provider, 'pm_card_visa');
      const partly = await paidCharge(provider, 'pm_card_createDispute');
      const whole = await paidCharge(provider, 'pm_card_createDispute');
      provider.refundFromDashboard(partly.chargeId, 2_000);
      provider.refundFromDashboard(whole.chargeId);

      // Act
      clock.set(LATER);
      provider.clockMoved();

      // Assess: Stripe opens no dispute on a charge refunded in full.
      expect(provider.disputes).toEqual([expect.objectContaining({ payment_intent: partly.chargeId, amount: 50_000 })]);
    });
  });

  describe('Method: closeDispute', () => {
    it('gives the money back on a chargeback won, and refuses to close it again', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { disputeId } = await disputedCharge(provider, clock, 'pm_card_createDispute');
      const eventsBefore = delivered.length;

      // Act
      const closed = provider.closeDispute(disputeId, 'won');
      const again = provider.closeDispute(disputeId, 'lost');

      // Assess
      expect(closed).toMatchObject({ id: disputeId, status: 'won' });
      expect(again).toEqual({
        outcome: 'refused',
        code: 'dispute_already_closed',
        detail: `Dispute ${disputeId} is already closed (won).`,
      });
      expect((await provider.dispute(disputeId))?.status).toBe('won');
      expect(typesOf(delivered.slice(eventsBefore))).toEqual([
        'charge.dispute.closed',
        'charge.dispute.funds_reinstated',
      ]);
    });

    it('keeps the money with the cardholder on a chargeback lost', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { disputeId } = await disputedCharge(provider, clock, 'pm_card_createDispute');

      // Act
      provider.closeDispute(disputeId, 'lost');

      // Assess
      expect((await provider.dispute(disputeId))?.status).toBe('lost');
      expect(delivered.at(-1)).toMatchObject({
        type: 'charge.dispute.closed',
        data: { object: { id: disputeId, status: 'lost' } },
      });
    });

    it('closes an inquiry won with nothing taken', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { disputeId } = await disputedCharge(provider, clock, 'pm_card_createDisputeInquiry');

      // Act
      provider.closeDispute(disputeId, 'won');

      // Assess
      expect((await provider.dispute(disputeId))?.status).toBe('inquiry-closed');
      expect(delivered.at(-1)).toMatchObject({ type: 'charge.dispute.closed' });
    });

    it('turns an inquiry lost into a chargeback, which is then won or lost in its turn', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const { disputeId } = await disputedCharge(provider, clock, 'pm_card_createDisputeInquiry');
      const eventsBefore = delivered.length;

      // Act
      const escalated = provider.closeDispute(disputeId, 'lost');
      const status = (await provider.dispute(disputeId))?.status;
      provider.closeDispute(disputeId, 'lost');

      // Assess
      expect(escalated).toMatchObject({ status: 'needs_response', is_charge_refundable: false });
      expect(status).toBe('open');
      expect((await provider.dispute(disputeId))?.status).toBe('lost');
      expect(typesOf(delivered.slice(eventsBefore))).toEqual([
        'charge.dispute.updated',
        'charge.dispute.funds_withdrawn',
        'charge.dispute.closed',
      ]);
    });

    it('refuses a dispute it does not know, and answers nothing about it', async () => {
      // Prepare
      const { provider } = sandbox();

      // Act
      const refused = provider.closeDispute('du_unknown', 'won');

      // Assess
      expect(refused).toEqual({
        outcome: 'refused',
        code: 'resource_missing',
        detail: "No such dispute: 'du_unknown'",
      });
      expect(await provider.dispute('du_unknown')).toBeUndefined();
    });
  });

  describe('Method: refund', () => {
    it('pays part of a charge back, reports it as Stripe does, and lists it with its operator reference', async () => {
      // Prepare
      const { provider, clock, delivered } = sandbox();
      const charge = await paidCharge(provider);
      clock.set(LATER);

      // Act
      const result = await provider.refund(refundRequest(charge));

      // Assess
      if (result.outcome !== 'refunded') throw new Error(`expected a refund, got ${JSON.stringify(result)}`);
      expect(result.refundId).toMatch(/^re_sandbox_\w+$/);
      expect(await provider.refundsOf(charge.chargeId)).toEqual({
        charge: { partnerId: 'partner-7', attemptId: charge.request.idempotencyKey, providerChargeId: charge.chargeId },
        refunds: [
          {
            refundId: result.refundId,
            amountCents: 10_000,
            status: 'succeeded',
            createdAt: LATER,
            operatorReference: 'refund-0001',
          },
        ],
      });
      const refund: SandboxRefund = {
        id: result.refundId,
        object: 'refund',
        amount: 10_000,
        charge: 'ch_sandbox_000001',
        created: LATER.getTime() / 1000,
        currency: 'eur',
        metadata: { operatorReference: 'refund-0001' },
        payment_intent: charge.chargeId,
        reason: null,
        status: 'succeeded',
      };
      expect(provider.refunds).toEqual([refund]);
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded', 'charge.refunded', 'refund.created']);
      expect(delivered[1]?.data.object).toEqual({
        id: 'ch_sandbox_000001',
        object: 'charge',
        amount: 52_000,
        amount_refunded: 10_000,
        currency: 'eur',
        customer: 'cus_partner1',
        disputed: false,
        livemode: false,
        metadata: { partnerId: 'partner-7', attemptId: charge.request.idempotencyKey },
        payment_intent: charge.chargeId,
        payment_method: 'pm_card_visa',
        refunded: false,
        status: 'succeeded',
      });
      expect(delivered[2]?.data.object).toEqual(refund);
    });

    it('answers a key asked again with the same refund, without refunding twice; with another amount, says nothing', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const charge = await paidCharge(provider);
      const first = await provider.refund(refundRequest(charge));
      const eventsAfterFirst = delivered.length;

      // Act
      const replayed = await provider.refund(refundRequest(charge));
      const otherAmount = await provider.refund(refundRequest(charge, { amountCents: 20_000 }));

      // Assess
      expect(replayed).toEqual(first);
      expect(otherAmount).toEqual({
        outcome: 'unknown',
        reason: `sandbox: idempotency key refund-0001:${charge.request.idempotencyKey} reused with other parameters`,
      });
      expect(provider.refunds).toHaveLength(1);
      expect(delivered).toHaveLength(eventsAfterFirst);
    });

    it('refuses more than is left of the charge, refunds what is left, then refuses a charge refunded in full', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const charge = await paidCharge(provider);
      await provider.refund(refundRequest(charge, { amountCents: 50_000, idempotencyKey: 'part-1' }));

      // Act
      const tooMuch = await provider.refund(refundRequest(charge, { amountCents: 2_001, idempotencyKey: 'part-2' }));
      const rest = await provider.refund(refundRequest(charge, { amountCents: 2_000, idempotencyKey: 'part-2' }));
      const nothingLeft = await provider.refund(refundRequest(charge, { amountCents: 1, idempotencyKey: 'part-3' }));

      // Assess
      expect(tooMuch).toEqual({
        outcome: 'refused',
        reason: 'amount_too_large: Refund amount (20.01 EUR) is greater than unrefunded amount on charge (20.00 EUR)',
      });
      expect(rest.outcome).toBe('refunded');
      expect(nothingLeft).toEqual({
        outcome: 'refused',
        reason: 'charge_already_refunded: Charge ch_sandbox_000001 has already been refunded.',
      });
      expect(delivered.filter((event) => event.type === 'charge.refunded').at(-1)?.data.object).toMatchObject({
        amount_refunded: 52_000,
        refunded: true,
      });
    });

    it('refuses a charged-back payment, whatever became of the dispute, but refunds one under inquiry', async () => {
      // Prepare
      const { provider, clock } = sandbox();
      const chargedBack = await disputedCharge(provider, clock, 'pm_card_createDispute');
      const inquired = await disputedCharge(provider, clock, 'pm_card_createDisputeInquiry');

      // Act
      const open = await provider.refund(refundRequest(chargedBack, { idempotencyKey: 'k-1' }));
      provider.closeDispute(chargedBack.disputeId, 'won');
      const won = await provider.refund(refundRequest(chargedBack, { idempotencyKey: 'k-2' }));
      const inquiry = await provider.refund(refundRequest(inquired, { idempotencyKey: 'k-3' }));

      // Assess
      const chargedBackRefusal = {
        outcome: 'refused',
        reason: 'charge_disputed: Charge ch_sandbox_000001 has been charged back; cannot issue a refund.',
      };
      expect(open).toEqual(chargedBackRefusal);
      expect(won).toEqual(chargedBackRefusal);
      expect(inquiry.outcome).toBe('refunded');
    });

    it('refuses a charge that did not pay, one it never made, and one of another attempt', async () => {
      // Prepare
      const { provider } = sandbox();
      const declinedRequest = chargeRequest({ paymentMethod: 'pm_card_chargeDeclined' });
      await provider.charge(declinedRequest);
      const paid = await paidCharge(provider);

      // Act
      const declined = await provider.refund(
        refundRequest({ request: declinedRequest, chargeId: 'pi_sandbox_000001' }, { idempotencyKey: 'k-1' }),
      );
      const unknown = await provider.refund(refundRequest({ ...paid, chargeId: 'pi_sandbox_999999' }));
      const otherAttempt = await provider.refund(
        refundRequest({ ...paid, request: { ...paid.request, idempotencyKey: 'att-other' } }),
      );

      // Assess
      expect(declined).toEqual({
        outcome: 'refused',
        reason:
          'payment_intent_unexpected_state: PaymentIntent pi_sandbox_000001 does not have a successful charge to refund.',
      });
      expect(unknown).toEqual({
        outcome: 'refused',
        reason: "resource_missing: No such payment_intent: 'pi_sandbox_999999'",
      });
      expect(otherAttempt).toMatchObject({
        outcome: 'refused',
        reason: expect.stringContaining(`was made for attempt ${paid.request.idempotencyKey} of partner partner-7`),
      });
      expect(provider.refunds).toEqual([]);
    });

    it('knows no refunds of a charge it never made', async () => {
      // Act & Assess
      expect(await sandbox().provider.refundsOf('pi_sandbox_999999')).toBeUndefined();
    });
  });

  describe('Method: failNextRefund', () => {
    it('loses the answer before the refund: nothing is refunded, and the same key refunds once later', async () => {
      // Prepare
      const { provider } = sandbox();
      const charge = await paidCharge(provider);
      provider.failNextRefund('timeout-before-refund');

      // Act
      const lost = await provider.refund(refundRequest(charge));
      const refundsAfterLoss = provider.refunds.length;
      const resumed = await provider.refund(refundRequest(charge));

      // Assess
      expect(lost).toEqual({ outcome: 'unknown', reason: 'sandbox: timed out before the refund' });
      expect(refundsAfterLoss).toBe(0);
      expect(resumed.outcome).toBe('refunded');
      expect(provider.refunds).toHaveLength(1);
    });

    it('loses the answer after the refund: the money went back, and the same key answers that refund', async () => {
      // Prepare
      const { provider, delivered } = sandbox();
      const charge = await paidCharge(provider);
      provider.failNextRefund('timeout-after-refund');

      // Act
      const lost = await provider.refund(refundRequest(charge));
      const resumed = await provider.refund(refundRequest(charge));

      // Assess
      expect(lost).toEqual({ outcome: 'unknown', reason: 'sandbox: timed out after the refund' });
      expect(resumed).toEqual({ outcome: 'refunded', refundId: provider.refunds[0]?.id });
      expect(provider.refunds).toHaveLength(1);
      expect(typesOf(delivered)).toEqual(['payment_intent.succeeded', 'charge.refunded', 'refund.created']);
    });

    it('refuses the request: nothing is refunded, and the key stays free', async () => {
      // Prepare
      const { provider } = sandbox();
      const charge = await paidCharge(provider);
      provider.failNextRefund('refused');

      // Act
      const refused = await provider.refund(refundRequest(charge));
      const later = await provider.refund(refundRequest(charge));

      // Assess
      expect(refused).toEqual({ outcome: 'refused', reason: 'sandbox: the request was refused, nothing refunded' });
      expect(later.outcome).toBe('refunded');
    });

    it('spends its faults on refunds only: charges are not affected', async () => {
      // Prepare
      const { provider } = sandbox();
      provider.failNextRefund('timeout-before-refund');

      // Act
      const charge = await paidCharge(provider);
      const refund = await provider.refund(refundRequest(charge));

      // Assess
      expect(refund.outcome).toBe('unknown');
    });
  });

  describe('Method: refundFromDashboard', () => {
    it('refunds all that is left of the charge when no amount is given, with no operator reference', async () => {
      // Prepare
      const { provider } = sandbox();
      const charge = await paidCharge(provider);
      await provider.refund(refundRequest(charge, { amountCents: 12_000 }));

      // Act
      const refund = provider.refundFromDashboard(charge.chargeId);

      // Assess
      expect(refund).toMatchObject({ object: 'refund', amount: 40_000, metadata: {}, status: 'succeeded' });
      expect((await provider.refundsOf(charge.chargeId))?.refunds).toEqual([
        expect.objectContaining({ amountCents: 12_000, operatorReference: 'refund-0001' }),
        expect.not.objectContaining({ operatorReference: expect.anything() }),
      ]);
    });

    it('refuses as Stripe does: an unknown PaymentIntent, a charge refunded in full, an amount that is not positive', async () => {
      // Prepare
      const { provider } = sandbox();
      const charge = await paidCharge(provider);
      const other = await paidCharge(provider);
      provider.refundFromDashboard(charge.chargeId);

      // Act
      const unknown = provider.refundFromDashboard('pi_sandbox_999999');
      const refunded = provider.refundFromDashboard(charge.chargeId);
      const zero = provider.refundFromDashboard(other.chargeId, 0);

      // Assess
      expect(unknown).toMatchObject({ outcome: 'refused', code: 'resource_missing' });
      expect(refunded).toMatchObject({ outcome: 'refused', code: 'charge_already_refunded' });
      expect(zero).toMatchObject({ outcome: 'refused', code: 'parameter_invalid_integer' });
    });
  });

  describe('State', () => {
    it('saves each dispute and refund before the events that report it', async () => {
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
      const charge = await paidCharge(provider, 'pm_card_createDispute');
      calls.length = 0;

      // Act
      provider.refundFromDashboard(charge.chargeId, 1_000);
      provider.clockMoved();
      provider.closeDispute(provider.disputes[0]?.id ?? '', 'won');

      // Assess
      expect(calls).toEqual([
        'change',
        'charge.refunded',
        'refund.created',
        'change',
        'charge.dispute.created',
        'charge.dispute.funds_withdrawn',
        'change',
        'charge.dispute.closed',
        'charge.dispute.funds_reinstated',
      ]);
      expect(states.at(-1)).toEqual(provider.snapshot());
      expect(states.at(-1)).toMatchObject({
        disputes: [{ chargeId: charge.chargeId, status: 'won', amountCents: 51_000, reason: 'fraudulent' }],
        refunds: [{ chargeId: charge.chargeId, amountCents: 1_000, createdAt: START.toISOString() }],
      });
    });

    it('is taken up by a new sandbox: disputes can still be closed, refund keys replay, what was refunded stays refunded', async () => {
      // Prepare
      const { provider: before, clock } = sandbox();
      const disputed = await disputedCharge(before, clock, 'pm_card_createDispute');
      const refunded = await paidCharge(before);
      const first = await before.refund(refundRequest(refunded, { amountCents: 50_000 }));
      const { provider, delivered } = sandbox(JSON.parse(JSON.stringify(before.snapshot())) as SandboxState);

      // Act
      provider.clockMoved();
      const closed = provider.closeDispute(disputed.disputeId, 'lost');
      const replayed = await provider.refund(refundRequest(refunded, { amountCents: 50_000 }));
      const tooMuch = provider.refundFromDashboard(refunded.chargeId, 2_001);

      // Assess
      expect((closed as SandboxDispute).status).toBe('lost');
      expect(replayed).toEqual(first);
      expect(tooMuch).toMatchObject({ outcome: 'refused', code: 'amount_too_large' });
      expect(provider.disputes).toHaveLength(1);
      expect(typesOf(delivered)).toEqual(['charge.dispute.closed']);
    });

    it('refuses a state whose dispute is on a charge it does not hold', () => {
      // Prepare
      const state: SandboxState = {
        sequence: 0,
        charges: [],
        setupSessions: [],
        savedCards: [],
        paymentSessions: [],
        disputes: [
          {
            disputeId: 'du_1',
            chargeId: 'pi_sandbox_000001',
            status: 'needs_response',
            amountCents: 100,
            reason: 'fraudulent',
            createdAt: START.toISOString(),
          },
        ],
        refunds: [],
      };

      // Act & Assess
      expect(() => sandbox(state)).toThrow(
        'sandbox state: dispute du_1 is on charge pi_sandbox_000001, which it does not hold',
      );
    });
  });
});
