/**
 * A partner's due fees of several months are retried one after another, oldest first: the
 * later month's charge is decided once the earlier one's answer is booked, so a card that
 * declined hard for one month is never charged for the next (the simulator found two
 * months charged at once on a lost card).
 */
import { LicenseHarness } from '../../support/license-harness';

describe('Use case: license fees of several months', () => {
  let harness: LicenseHarness;

  beforeEach(async () => {
    harness = await LicenseHarness.start();
    harness.at('2026-11-10T09:00:00Z');
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('retries a partner’s months in turn, so a hard decline of the earlier month stops the later one on that card', async () => {
    // Prepare: December and January declined softly; then a card that turns out lost.
    await harness.recharge.open('months', '500.00', { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    await harness.registerNumber('months', '+4915100000171');
    await harness.runMonth('2026-12');
    await harness.runMonth('2027-01');
    harness.at('2027-01-01T09:00:00Z');
    await harness.recharge.setCard('months', 'pm_card_chargeDeclinedLostCard');

    // Act
    const retried = await harness.retryAllShards('2027-01-02');

    // Assess
    expect(retried).toMatchObject([
      { period: '2026-12', outcome: 'declined', fee: { declineCode: 'lost_card' } },
      { period: '2027-01', outcome: 'no-chargeable-card' },
    ]);
    expect(harness.recharge.chargesOn('months', 'pm_card_chargeDeclinedLostCard')).toBe(1);
  });

  it('leaves the later month to the next daily run while the earlier one has no clear answer', async () => {
    // Prepare
    await harness.recharge.open('unclear', '500.00', { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    await harness.registerNumber('unclear', '+4915100000172');
    await harness.runMonth('2026-12');
    await harness.runMonth('2027-01');
    harness.at('2027-01-01T09:00:00Z');
    await harness.recharge.setCard('unclear', 'pm_card_visa');
    harness.recharge.provider.failNext('timeout-after-charge');

    // Act
    const first = await harness.retry('unclear', '2027-01-02');
    const next = await harness.retry('unclear', '2027-01-03');

    // Assess
    expect(first).toMatchObject([{ period: '2026-12', outcome: 'unknown' }]);
    expect(next).toMatchObject([
      { period: '2026-12', outcome: 'succeeded' },
      { period: '2027-01', outcome: 'succeeded' },
    ]);
    expect(harness.recharge.chargesOn('unclear', 'pm_card_visa')).toBe(2);
  });
});
