/**
 * The monthly cap on automatic recharges (docs/contract.md §14) with the Stripe adapter and
 * the real Stripe SDK against the fake Stripe: the credits of automatic charges in a UTC
 * month never pass `monthlyLimit`; the charge that would is not made, `RechargeLimitReached`
 * is published once that month, top-ups are not capped, and the next month starts afresh.
 */
import { createStripeClient } from '../../../functions/adapters/payments/stripe-client';
import { StripePaymentProvider } from '../../../functions/adapters/payments/stripe-payment-provider';
import { parseAmount } from '../../../functions/domain/money';
import {
  type ChargeAttempt,
  type RechargeTrigger,
  newAttemptId,
} from '../../../functions/domain/recharge/charge-attempt';
import { rechargePartner } from '../../../functions/domain/recharge/recharge-partner';
import { ApiHarness } from '../../support/api-harness';
import { FakeStripeServer } from '../../support/fake-stripe-server';
import { RechargeHarness } from '../../support/recharge-harness';

const PAGES = { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' };

describe('Use case: rechargePartner under a monthly limit, with the Stripe adapter', () => {
  let recharge: RechargeHarness;
  let fake: FakeStripeServer;
  let api: ApiHarness;
  let provider: StripePaymentProvider;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    fake = await FakeStripeServer.start({ clock: recharge.clock });
    provider = new StripePaymentProvider(
      createStripeClient({ apiKey: 'sk_test_fake', host: '127.0.0.1', port: fake.port, protocol: 'http' }),
      PAGES,
      recharge.clock,
    );
    api = new ApiHarness(recharge, { provider });
  });

  afterAll(async () => {
    await fake.close();
    await recharge.stop();
  });

  /** A partner opening with 600.00, threshold 100.00, auto-renew 500.00 and the given limit. */
  const createPartner = async (partnerId: string, monthlyLimit: string) => {
    const customer = fake.createCustomer();
    const created = await api.call('POST', '/partners', {
      partnerId,
      currency: 'EUR',
      paymentMethod: fake.attach('pm_card_visa', customer),
      paymentCustomerId: customer,
      previousInvoiceRemainder: '600.00',
      rechargeSettings: { monthlyLimit },
    });
    if (created.status !== 201) throw new Error(`${partnerId} not created: ${JSON.stringify(created.body)}`);
  };

  /** Usage of `amount`, then the recharge it asks for, as ingestion and the recharge function do. */
  const spendAndRecharge = async (partnerId: string, amount: string, key: string, trigger: RechargeTrigger) => {
    await recharge.spend(partnerId, amount, key);
    return (await rechargePartner(partnerId, trigger, { ...recharge.deps, provider })).outcome;
  };

  const partner = async (partnerId: string) => (await api.call('GET', `/partners/${partnerId}`)).body;
  const paidIntents = (partnerId: string) => fake.charges.filter((intent) => intent.metadata.partnerId === partnerId);

  it('lets exactly two 500.00 recharges through a month with a limit of 1000.00, announces the limit once, and resumes on the 1st', async () => {
    // Prepare
    recharge.clock.set(new Date('2026-11-03T10:00:00Z'));
    await createPartner('cap-1', '1000.00');

    // Act: a month of heavy usage, each debit asking for a recharge, then the daily runs.
    const outcomes = [
      await spendAndRecharge('cap-1', '520.00', 'u-1', 'below-threshold'),
      await spendAndRecharge('cap-1', '520.00', 'u-2', 'below-threshold'),
      await spendAndRecharge('cap-1', '520.00', 'u-3', 'below-threshold'),
      await spendAndRecharge('cap-1', '100.00', 'u-4', 'overdue'),
    ];
    recharge.clock.set(new Date('2026-11-20T00:00:00Z'));
    outcomes.push(await spendAndRecharge('cap-1', '10.00', 'u-5', 'daily-run'));
    const capped = await partner('cap-1');
    // A top-up in the capped month is the partner's own choice: it is not capped.
    const topUp = await api.call('POST', '/partners/cap-1/top-ups', { amount: '50.00', reference: 'cap-1-top-up' });
    recharge.clock.set(new Date('2026-12-01T00:00:00Z'));
    const nextMonth = (await rechargePartner('cap-1', 'daily-run', { ...recharge.deps, provider })).outcome;

    // Assess
    expect(outcomes).toEqual(['succeeded', 'succeeded', 'limit-reached', 'limit-reached', 'limit-reached']);
    expect(capped).toMatchObject({
      rechargeSettings: { monthlyLimit: '1000.00' },
      automaticRecharges: { month: '2026-11', total: '1000.00', limit: '1000.00', limitReached: true },
    });
    expect(topUp).toMatchObject({ status: 201, body: { state: 'succeeded', liveBalance: '-20.00' } });
    expect(nextMonth).toBe('succeeded');
    expect(paidIntents('cap-1').map((intent) => intent.amount)).toEqual([52_000, 52_000, 5_200, 54_080]);
    expect(await partner('cap-1')).toMatchObject({
      status: 'active',
      automaticRecharges: { month: '2026-12', total: '520.00', limit: '1000.00', limitReached: false },
    });
    const reached = await recharge.events.ofType('RechargeLimitReached', 'cap-1');
    expect(reached.map((event) => event.detail)).toEqual([
      expect.objectContaining({
        month: '2026-11',
        monthlyLimit: '1000.00',
        automaticTotal: '1000.00',
        credit: '500.00',
        trigger: 'below-threshold',
      }),
    ]);
  });

  it('leaves recharges uncapped once the limit is taken out of the settings', async () => {
    // Prepare: the limit lets no 500.00 recharge through.
    recharge.clock.set(new Date('2026-11-05T10:00:00Z'));
    await createPartner('cap-2', '400.00');
    const capped = await spendAndRecharge('cap-2', '520.00', 'u-1', 'below-threshold');

    // Act
    const lifted = await api.call('PUT', '/partners/cap-2/recharge-settings', {
      threshold: '100.00',
      autoRenewAmount: '500.00',
      autoRecharge: true,
    });
    const uncapped = (await rechargePartner('cap-2', 'daily-run', { ...recharge.deps, provider })).outcome;

    // Assess
    expect(capped).toBe('limit-reached');
    expect(lifted.body).toMatchObject({ automaticRecharges: { month: '2026-11', total: '0.00', limitReached: true } });
    expect(lifted.body).not.toHaveProperty('rechargeSettings.monthlyLimit');
    expect(uncapped).toBe('succeeded');
    expect((await partner('cap-2')).automaticRecharges).toMatchObject({ total: '500.00' });
  });

  it('opens a capped recharge only while the month it was decided from is unchanged, so a credit counted meanwhile stops it', async () => {
    // Prepare: one recharge credited this month; a charge decided before it saw none.
    recharge.clock.set(new Date('2026-11-07T10:00:00Z'));
    await createPartner('cap-3', '1000.00');
    await spendAndRecharge('cap-3', '520.00', 'u-1', 'below-threshold');
    const stale: ChargeAttempt = {
      partnerId: 'cap-3',
      attemptId: newAttemptId(recharge.clock.now()),
      purpose: 'recharge',
      trigger: 'daily-run',
      charge: { credit: parseAmount('500.00'), fee: parseAmount('20.00'), total: parseAmount('520.00') },
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      cardRole: 'primary',
      state: 'pending',
      createdAt: recharge.clock.now(),
    };

    // Act
    const seenNone = await recharge.attempts.openAttempt(stale, { month: '2026-11', total: parseAmount('0.00') });
    const seenLess = await recharge.attempts.openAttempt(stale, { month: '2026-11', total: parseAmount('20.00') });
    const seenNow = await recharge.attempts.openAttempt(stale, { month: '2026-11', total: parseAmount('500.00') });

    // Assess
    expect([seenNone, seenLess]).toEqual(['cap-moved', 'cap-moved']);
    expect(seenNow).toBe('opened');
  });
});
