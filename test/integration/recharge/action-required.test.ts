import { parseAmount } from '../../../functions/domain/money';
import type { RechargeResult } from '../../../functions/domain/recharge/recharge-partner';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';
import { startOverdueClock } from '../../support/standing';

const amount = parseAmount;
const SCA_CARD = 'pm_card_authenticationRequired';

/** The provider charge an attempt waits on. */
function waitingChargeOf(result: RechargeResult): string {
  const chargeId = result.attempt?.providerChargeId;
  if (chargeId === undefined) throw new Error(`the ${result.outcome} attempt has no provider charge`);
  return chargeId;
}

// Every daily run visits every partner of the table: each test has a table of its own.
describe('Use case: recharge, a charge the bank wants authenticated (docs/contract.md §13)', () => {
  let recharge: RechargeHarness;
  let daily: DailyHarness;

  beforeEach(async () => {
    recharge = await RechargeHarness.start();
    daily = new DailyHarness(recharge);
    recharge.clock.set(new Date('2026-11-01T09:00:00Z'));
  });

  afterEach(async () => {
    await recharge.stop();
  });

  /** A partner at 50.00 with the authentication card, whose recharge is asked for by the crossing. */
  async function waiting(partnerId: string): Promise<RechargeResult> {
    await recharge.open(partnerId, '500.00', { paymentMethod: SCA_CARD });
    await recharge.spend(partnerId, '450.00', `u-${partnerId}`);
    return recharge.recharge(partnerId);
  }

  it('keeps the attempt and the slot, and tells the partner where to authenticate, without crediting anything', async () => {
    // Act
    const result = await waiting('sca');

    // Assess
    expect(result).toMatchObject({
      outcome: 'action-required',
      attempt: { state: 'action-required', paymentMethod: SCA_CARD, cardRole: 'primary' },
    });
    const chargeId = waitingChargeOf(result);
    const stored = await recharge.attempt('sca', result.attempt?.attemptId);
    expect(stored).toMatchObject({
      state: 'action-required',
      providerChargeId: chargeId,
      actionUrl: `http://127.0.0.1:8080/local/pages/authenticate/${chargeId}`,
    });
    expect(await recharge.ledger.getPartner('sca')).toMatchObject({
      chargeInFlight: result.attempt?.attemptId,
      liveBalance: amount('50.00'),
    });
    expect(await recharge.credits('sca')).toEqual(new Map());
    expect(await recharge.invoices('sca')).toEqual([]);
    expect((await recharge.events.ofType('RechargeActionRequired', 'sca')).map((event) => event.detail)).toEqual([
      expect.objectContaining({
        attemptId: result.attempt?.attemptId,
        actionUrl: stored?.actionUrl,
        paymentMethod: SCA_CARD,
        total: '520.00',
      }),
    ]);
    expect(await recharge.events.ofType('RechargeFailed', 'sca')).toEqual([]);
  });

  it('makes no second charge while the partner has not authenticated: other triggers find the same charge waiting', async () => {
    // Prepare
    const first = await waiting('patient');

    // Act
    const again = await recharge.recharge('patient', 'overdue');
    await daily.runDay('2026-11-02');
    const later = await recharge.recharge('patient', 'daily-run');

    // Assess
    expect([again, later]).toMatchObject([
      { outcome: 'action-required', attempt: { attemptId: first.attempt?.attemptId } },
      { outcome: 'action-required', attempt: { attemptId: first.attempt?.attemptId } },
    ]);
    expect(recharge.chargesOn('patient', SCA_CARD)).toBe(1);
    expect(await recharge.events.ofType('RechargeActionRequired', 'patient')).toHaveLength(1);
  });

  it('blocks the partner on its 7th day while the charge waits, and unblocks it once the partner authenticates', async () => {
    // Prepare: -20.00 since Nov 1 09:00, the charge waiting.
    await recharge.open('late', '500.00', { paymentMethod: SCA_CARD });
    await recharge.channels.register('late', '+4915112340001', recharge.clock.now());
    await recharge.spend('late', '520.00', 'u-1');
    await startOverdueClock(recharge.ledger, 'late', recharge.clock.now());
    const waited = await recharge.recharge('late', 'overdue');

    // Act: the daily runs up to the first one 7 days after, then the partner authenticates.
    for (const day of [
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
      '2026-11-07',
      '2026-11-08',
    ])
      await daily.runDay(day);
    const overdue = await recharge.ledger.getPartner('late');
    await daily.runDay('2026-11-09');
    const blocked = await recharge.ledger.getPartner('late');
    recharge.clock.set(new Date('2026-11-09T10:00:00Z'));
    recharge.provider.completeAuthentication(waitingChargeOf(waited));
    const [paid] = recharge.chargeReports(waited.attempt, 'payment_intent.succeeded');
    if (paid === undefined) throw new Error('the sandbox reported no payment');
    const outcome = await recharge.report(paid);

    // Assess
    expect(waited.outcome).toBe('action-required');
    expect(overdue).toMatchObject({ status: 'overdue', chargeInFlight: waited.attempt?.attemptId });
    expect(blocked).toMatchObject({
      status: 'blocked',
      blockedAt: new Date('2026-11-09T00:00:00Z'),
      chargeInFlight: waited.attempt?.attemptId,
    });
    expect(outcome).toBe('succeeded');
    const account = await recharge.ledger.getPartner('late');
    expect(account).toMatchObject({ status: 'active', liveBalance: amount('500.00') });
    expect(account?.chargeInFlight).toBeUndefined();
    expect(await recharge.events.ofType('PartnerUnblocked', 'late')).toHaveLength(1);
    expect((await recharge.channels.listForPartner('late')).map((channel) => channel.status)).toEqual(['active']);
    expect(recharge.chargesOn('late', SCA_CARD)).toBe(1);
  });

  describe('The provider reports the payment', () => {
    it('credits once when the same report is applied 3 times and another report of the same charge follows', async () => {
      // Prepare
      const waited = await waiting('once');
      recharge.clock.set(new Date('2026-11-01T09:20:00Z'));
      recharge.provider.completeAuthentication(waitingChargeOf(waited));
      const [paid] = recharge.chargeReports(waited.attempt, 'payment_intent.succeeded');
      const [asked] = recharge.chargeReports(waited.attempt, 'payment_intent.requires_action');
      if (paid === undefined || asked === undefined) throw new Error('the sandbox did not report the charge');

      // Act: the payment's report, redelivered twice; a second event id of the same charge;
      // the earlier report, delivered late.
      const outcomes = [];
      for (let delivery = 0; delivery < 3; delivery += 1) outcomes.push(await recharge.report(paid));
      outcomes.push(await recharge.report({ ...paid, eventId: 'evt_another_report_of_the_charge' }));
      outcomes.push(await recharge.report(asked));

      // Assess
      expect(outcomes).toEqual(['succeeded', 'duplicate', 'duplicate', 'attempt-closed', 'attempt-closed']);
      expect(await recharge.credits('once')).toEqual(new Map([[waited.attempt?.attemptId, amount('500.00')]]));
      expect(await recharge.invoices('once')).toHaveLength(1);
      expect(await recharge.events.ofType('RechargeSucceeded', 'once')).toHaveLength(1);
      const account = await recharge.ledger.getPartner('once');
      expect(account?.liveBalance).toBe(amount('550.00'));
      expect(account?.chargeInFlight).toBeUndefined();
      expect(await recharge.attempt('once', waited.attempt?.attemptId)).toMatchObject({ state: 'succeeded' });
      expect(recharge.requests.requests).toEqual([]);
    });

    it('credits once when 3 deliveries of the report arrive at the same time', async () => {
      // Prepare
      const waited = await waiting('together');
      recharge.provider.completeAuthentication(waitingChargeOf(waited));
      const [paid] = recharge.chargeReports(waited.attempt, 'payment_intent.succeeded');
      if (paid === undefined) throw new Error('the sandbox reported no payment');

      // Act
      await Promise.all([recharge.report(paid), recharge.report(paid), recharge.report(paid)]);

      // Assess
      expect(await recharge.credits('together')).toEqual(new Map([[waited.attempt?.attemptId, amount('500.00')]]));
      expect(await recharge.events.ofType('RechargeSucceeded', 'together')).toHaveLength(1);
      expect((await recharge.ledger.getPartner('together'))?.liveBalance).toBe(amount('550.00'));
    });

    it('credits a payment the report has not told of yet on the next trigger, and the late report changes nothing', async () => {
      // Prepare
      const waited = await waiting('unreported');
      recharge.provider.completeAuthentication(waitingChargeOf(waited));

      // Act
      const resumed = await daily.runDay('2026-11-02');
      const [paid] = recharge.chargeReports(waited.attempt, 'payment_intent.succeeded');
      if (paid === undefined) throw new Error('the sandbox reported no payment');
      const late = await recharge.report(paid);

      // Assess
      expect(resumed.flatMap((shard) => shard.charges)).toMatchObject([
        { outcome: 'succeeded', attempt: { attemptId: waited.attempt?.attemptId } },
      ]);
      expect(late).toBe('attempt-closed');
      expect(await recharge.credits('unreported')).toEqual(new Map([[waited.attempt?.attemptId, amount('500.00')]]));
    });
  });

  describe('Authentication fails', () => {
    it('ends the attempt declined, frees the slot and leaves a charge that can never be paid', async () => {
      // Prepare
      const waited = await waiting('failed');
      const chargeId = waitingChargeOf(waited);
      recharge.provider.completeAuthentication(chargeId, 'fail');
      const [failed] = recharge.chargeReports(waited.attempt, 'payment_intent.payment_failed');
      if (failed === undefined) throw new Error('the sandbox reported no failure');

      // Act
      const outcome = await recharge.report(failed);

      // Assess
      expect(outcome).toBe('declined');
      expect(await recharge.attempt('failed', waited.attempt?.attemptId)).toMatchObject({
        state: 'declined',
        declineCode: 'payment_intent_authentication_failure',
      });
      const account = await recharge.ledger.getPartner('failed');
      expect(account?.chargeInFlight).toBeUndefined();
      expect(account).toMatchObject({
        liveBalance: amount('50.00'),
        cardDeclines: { primary: { soft: 1 } },
        lastDecline: { paymentMethod: SCA_CARD },
      });
      expect(recharge.provider.completeAuthentication(chargeId)).toMatchObject({ outcome: 'refused' });
      expect(await recharge.credits('failed')).toEqual(new Map());
      expect((await recharge.events.ofType('RechargeFailed', 'failed')).map((event) => event.detail)).toEqual([
        expect.objectContaining({ attemptId: waited.attempt?.attemptId, declineKind: 'soft', retriesLeft: 7 }),
      ]);
      // More usage waits for the daily run, as after any decline.
      expect((await recharge.recharge('failed', 'overdue')).outcome).toBe('waiting-after-decline');
    });
  });

  describe('A new card while the charge waits', () => {
    it('cancels the waiting charge and charges the new card at once', async () => {
      // Prepare
      const waited = await waiting('swap');
      const chargeId = waitingChargeOf(waited);
      recharge.clock.set(new Date('2026-11-01T11:00:00Z'));
      await recharge.setCard('swap', 'pm_card_visa');

      // Act
      const result = await recharge.recharge('swap', 'payment-method-updated');

      // Assess
      expect(result).toMatchObject({
        outcome: 'succeeded',
        attempt: { paymentMethod: 'pm_card_visa', trigger: 'payment-method-updated' },
      });
      expect(await recharge.attempt('swap', waited.attempt?.attemptId)).toMatchObject({
        state: 'canceled',
        failureReason: expect.stringContaining(chargeId),
      });
      expect(recharge.provider.charges.find((charge) => charge.chargeId === chargeId)?.result.outcome).toBe('canceled');
      expect(recharge.provider.completeAuthentication(chargeId)).toMatchObject({ outcome: 'refused' });
      expect(await recharge.credits('swap')).toEqual(new Map([[result.attempt?.attemptId, amount('500.00')]]));
      expect((await recharge.ledger.getPartner('swap'))?.liveBalance).toBe(amount('550.00'));

      // The cancellation's report comes after: nothing is open any more.
      const [canceled] = recharge.chargeReports(waited.attempt, 'payment_intent.canceled');
      if (canceled === undefined) throw new Error('the sandbox reported no cancellation');
      expect(await recharge.report(canceled)).toBe('attempt-closed');
    });

    it('credits the waiting charge instead when the partner paid it just before, and does not charge the new card', async () => {
      // Prepare
      const waited = await waiting('paid-first');
      recharge.provider.completeAuthentication(waitingChargeOf(waited));
      recharge.clock.set(new Date('2026-11-01T11:00:00Z'));
      await recharge.setCard('paid-first', 'pm_card_visa');

      // Act
      const result = await recharge.recharge('paid-first', 'payment-method-updated');

      // Assess
      expect(result).toMatchObject({ outcome: 'succeeded', attempt: { attemptId: waited.attempt?.attemptId } });
      expect(recharge.chargesOn('paid-first', 'pm_card_visa')).toBe(0);
      expect(await recharge.credits('paid-first')).toEqual(new Map([[waited.attempt?.attemptId, amount('500.00')]]));
    });

    it('charges the new card at once when the waiting charge failed before it came', async () => {
      // Prepare: the authentication failed, and its report has not been applied yet.
      const waited = await waiting('failed-first');
      recharge.provider.completeAuthentication(waitingChargeOf(waited), 'fail');
      recharge.clock.set(new Date('2026-11-01T11:00:00Z'));
      await recharge.setCard('failed-first', 'pm_card_visa');

      // Act
      const result = await recharge.recharge('failed-first', 'payment-method-updated');

      // Assess
      expect(await recharge.attempt('failed-first', waited.attempt?.attemptId)).toMatchObject({ state: 'declined' });
      expect(result).toMatchObject({ outcome: 'succeeded', attempt: { paymentMethod: 'pm_card_visa' } });
      expect(await recharge.credits('failed-first')).toEqual(new Map([[result.attempt?.attemptId, amount('500.00')]]));
      // The old card's decline did not count against the card that replaced it.
      expect((await recharge.ledger.getPartner('failed-first'))?.cardDeclines.primary).toEqual({ soft: 0 });
    });
  });

  describe('Faults', () => {
    it.each(['provider.charge:after', 'attempts.awaitAction:before', 'attempts.awaitAction:after'])(
      'keeps one waiting charge and credits it once when the recharge dies at %s',
      async (point) => {
        // Prepare
        await recharge.open('asked', '500.00', { paymentMethod: SCA_CARD });
        await recharge.spend('asked', '450.00', 'u-1');
        recharge.faults.arm(point);

        // Act: the recharge dies; the next trigger resumes; the partner authenticates.
        await expect(recharge.recharge('asked')).rejects.toThrow(point);
        const resumed = await recharge.recharge('asked', 'daily-run');
        recharge.provider.completeAuthentication(waitingChargeOf(resumed));
        const [paid] = recharge.chargeReports(resumed.attempt, 'payment_intent.succeeded');
        if (paid === undefined) throw new Error('the sandbox reported no payment');
        const outcome = await recharge.report(paid);

        // Assess
        expect(resumed.outcome).toBe('action-required');
        expect(outcome).toBe('succeeded');
        expect(recharge.chargesOn('asked', SCA_CARD)).toBe(1);
        expect(await recharge.events.ofType('RechargeActionRequired', 'asked')).toHaveLength(1);
        expect(await recharge.credits('asked')).toEqual(new Map([[resumed.attempt?.attemptId, amount('500.00')]]));
        expect(await recharge.events.ofType('RechargeSucceeded', 'asked')).toHaveLength(1);
      },
    );

    it.each([
      'events.wasApplied:after',
      'provider.chargeStatus:after',
      'attempts.settleSucceeded:before',
      'attempts.settleSucceeded:after',
      'events.markApplied:before',
      'events.markApplied:after',
    ])('credits once when applying the report dies at %s and the provider delivers it again', async (point) => {
      // Prepare
      const waited = await waiting('redelivered');
      recharge.provider.completeAuthentication(waitingChargeOf(waited));
      const [paid] = recharge.chargeReports(waited.attempt, 'payment_intent.succeeded');
      if (paid === undefined) throw new Error('the sandbox reported no payment');
      recharge.faults.arm(point);

      // Act
      await expect(recharge.report(paid)).rejects.toThrow(point);
      const redelivered = await recharge.report(paid);
      const again = await recharge.report(paid);

      // Assess
      expect(['succeeded', 'attempt-closed', 'duplicate']).toContain(redelivered);
      expect(again).toBe('duplicate');
      expect(await recharge.credits('redelivered')).toEqual(new Map([[waited.attempt?.attemptId, amount('500.00')]]));
      expect(await recharge.invoices('redelivered')).toHaveLength(1);
      expect(await recharge.events.ofType('RechargeSucceeded', 'redelivered')).toHaveLength(1);
      expect((await recharge.ledger.getPartner('redelivered'))?.chargeInFlight).toBeUndefined();
    });

    it.each([
      'provider.cancelCharge:after',
      'attempts.settleWithoutCharge:before',
      'attempts.settleWithoutCharge:after',
      'attempts.openAttempt:after',
    ])('charges the new card once and never the waiting charge when the change of card dies at %s', async (point) => {
      // Prepare
      const waited = await waiting('swap-crash');
      recharge.clock.set(new Date('2026-11-01T11:00:00Z'));
      await recharge.setCard('swap-crash', 'pm_card_visa');
      recharge.faults.arm(point);

      // Act: the new card's request dies and is delivered again.
      await expect(recharge.recharge('swap-crash', 'payment-method-updated')).rejects.toThrow(point);
      const result = await recharge.recharge('swap-crash', 'payment-method-updated');

      // Assess
      expect(result).toMatchObject({ outcome: 'succeeded', attempt: { paymentMethod: 'pm_card_visa' } });
      expect(await recharge.attempt('swap-crash', waited.attempt?.attemptId)).toMatchObject({ state: 'canceled' });
      expect(recharge.provider.completeAuthentication(waitingChargeOf(waited))).toMatchObject({ outcome: 'refused' });
      expect(recharge.successfulCharges('swap-crash').size).toBe(1);
      expect(await recharge.credits('swap-crash')).toEqual(new Map([[result.attempt?.attemptId, amount('500.00')]]));
    });

    it.each(['provider.cancelCharge:after', 'attempts.settleDeclined:before', 'attempts.settleDeclined:after'])(
      'counts a failed authentication once when applying its report dies at %s',
      async (point) => {
        // Prepare
        const waited = await waiting('fail-crash');
        recharge.provider.completeAuthentication(waitingChargeOf(waited), 'fail');
        const [failed] = recharge.chargeReports(waited.attempt, 'payment_intent.payment_failed');
        if (failed === undefined) throw new Error('the sandbox reported no failure');
        recharge.faults.arm(point);

        // Act
        await expect(recharge.report(failed)).rejects.toThrow(point);
        const redelivered = await recharge.report(failed);

        // Assess
        expect(['declined', 'attempt-closed']).toContain(redelivered);
        expect(await recharge.attempt('fail-crash', waited.attempt?.attemptId)).toMatchObject({ state: 'declined' });
        expect((await recharge.ledger.getPartner('fail-crash'))?.cardDeclines.primary).toEqual({ soft: 1 });
        expect(await recharge.events.ofType('RechargeFailed', 'fail-crash')).toHaveLength(1);
      },
    );
  });
});
