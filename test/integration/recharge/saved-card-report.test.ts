import { cardAttributes } from '../../../functions/adapters/dynamodb/items';
import { NO_DECLINES } from '../../../functions/domain/recharge/decline-policy';
import type { CardRole } from '../../../functions/domain/recharge/payment-provider';
import { storeOnAccount } from '../../support/hostile-account';
import { RechargeHarness } from '../../support/recharge-harness';

const CUSTOMER = 'cus_partner';

describe('Use case: applyProviderEvent, a setup that saved a card (docs/contract.md §13)', () => {
  let harness: RechargeHarness;

  beforeAll(async () => {
    harness = await RechargeHarness.start();
  });

  afterAll(async () => {
    await harness.stop();
  });

  beforeEach(() => {
    harness.faults.disarm();
  });

  /** A partner with a card of its customer, declined 3 times in `role`. */
  async function partnerWithDeclines(partnerId: string, role: CardRole): Promise<void> {
    await harness.open(partnerId, '500.00');
    await harness.ledger.setCard({
      partnerId,
      role,
      paymentMethod: 'pm_card_chargeDeclined',
      paymentCustomerId: CUSTOMER,
      at: harness.clock.now(),
    });
    await storeOnAccount(harness.table, partnerId, { [cardAttributes(role).softDeclines]: 3 });
  }

  /** The partner saves `paymentMethod` on a setup page opened for `role`; answers the sandbox's report. */
  async function saveOnSetupPage(partnerId: string, role: CardRole, paymentMethod: string, customerId = CUSTOMER) {
    const session = await harness.provider.createSetupSession({ partnerId, customerId, role });
    const completed = harness.provider.completeSetup(session.sessionId, paymentMethod);
    if (completed.outcome !== 'completed') throw new Error(`the setup was refused: ${completed.detail}`);
    return harness.setupReport(session.sessionId);
  }

  it.each(['primary', 'backup'] as const)(
    'makes the saved card the %s card, from zero declines, and asks the recharge queue to charge it, once',
    async (role) => {
      // Prepare
      const partnerId = `saved-${role}`;
      await partnerWithDeclines(partnerId, role);
      harness.clock.set(new Date(harness.clock.now().getTime() + 60_000));
      const report = await saveOnSetupPage(partnerId, role, 'pm_card_mastercard');

      // Act
      const first = await harness.report(report);
      const again = await harness.report(report);

      // Assess
      expect([first, again]).toEqual(['card-set', 'duplicate']);
      const account = await harness.ledger.getPartner(partnerId);
      expect(role === 'primary' ? account?.paymentMethod : account?.backupPaymentMethod).toBe('pm_card_mastercard');
      expect(account?.cardDeclines[role]).toEqual(NO_DECLINES);
      expect(account?.paymentCustomerId).toBe(CUSTOMER);
      expect(harness.requests.of(partnerId)).toEqual([
        { partnerId, trigger: 'payment-method-updated', requestedAt: harness.clock.now() },
      ]);
    },
  );

  it('does not apply a report of a setup older than the card the partner chose since', async () => {
    // Prepare: the setup completes; a minute later the partner gives another card; then the report arrives.
    await harness.open('late', '500.00');
    harness.clock.set(new Date('2026-11-22T10:00:00Z'));
    const report = await saveOnSetupPage('late', 'primary', 'pm_card_mastercard');
    harness.clock.set(new Date('2026-11-22T10:01:00Z'));
    await harness.setCard('late', 'pm_card_visa');

    // Act
    const outcome = await harness.report(report);

    // Assess
    expect(outcome).toBe('card-superseded');
    expect((await harness.ledger.getPartner('late'))?.paymentMethod).toBe('pm_card_visa');
    expect(harness.requests.of('late')).toEqual([]);
  });

  it('refuses a card saved to another customer than the partner', async () => {
    // Prepare
    await harness.open('other', '500.00');
    await harness.ledger.setCard({
      partnerId: 'other',
      role: 'primary',
      paymentMethod: 'pm_card_visa',
      paymentCustomerId: CUSTOMER,
      at: new Date('2026-11-22T09:00:00Z'),
    });
    harness.clock.set(new Date('2026-11-22T11:00:00Z'));
    const report = await saveOnSetupPage('other', 'primary', 'pm_card_mastercard', 'cus_someone_else');

    // Act
    const outcome = await harness.report(report);

    // Assess
    expect(outcome).toBe('card-refused');
    expect(await harness.ledger.getPartner('other')).toMatchObject({
      paymentMethod: 'pm_card_visa',
      paymentCustomerId: CUSTOMER,
    });
    expect(harness.requests.of('other')).toEqual([]);
  });

  it.each(['ledger.setCard:after', 'recharges.request:before', 'events.markApplied:before'])(
    'sets the card and asks for its charge when applying the report dies at %s and the provider delivers it again',
    async (point) => {
      // Prepare
      const partnerId = `crash-${point.replace(/[.:]/g, '-')}`;
      await harness.open(partnerId, '500.00');
      harness.clock.set(new Date('2026-11-22T12:00:00Z'));
      const report = await saveOnSetupPage(partnerId, 'primary', 'pm_card_mastercard');
      harness.faults.arm(point);

      // Act
      await expect(harness.report(report)).rejects.toThrow(point);
      const redelivered = await harness.report(report);

      // Assess: setting the same card again is harmless; the charge is asked for at least once.
      expect(redelivered).toBe('card-set');
      expect((await harness.ledger.getPartner(partnerId))?.paymentMethod).toBe('pm_card_mastercard');
      expect(harness.requests.of(partnerId).length).toBeGreaterThanOrEqual(1);
      expect(await harness.report(report)).toBe('duplicate');
    },
  );
});
