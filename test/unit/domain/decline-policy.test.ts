import fc from 'fast-check';
import {
  AUTHENTICATION_REQUIRED,
  type CardDeclines,
  MAX_SOFT_DECLINES_PER_CARD,
  NO_DECLINES,
  type PartnerCards,
  afterDecline,
  backupAfter,
  chargeableCard,
  declineKind,
  isChargeable,
  retriesLeft,
} from '../../../functions/domain/recharge/decline-policy';

/** The hard declines docs/contract.md §13 names: a card lost, stolen, expired, closed, not supported, or fraud. */
const HARD_CODES = [
  'lost_card',
  'stolen_card',
  'expired_card',
  'pickup_card',
  'restricted_card',
  'card_not_supported',
  'do_not_try_again',
  'fraudulent',
];
const SOFT_CODES = [
  'generic_decline',
  'insufficient_funds',
  'card_velocity_exceeded',
  'processing_error',
  'try_again_later',
  'do_not_honor',
  AUTHENTICATION_REQUIRED,
];

/** The standing after `codes`, one decline after another, from a fresh card. */
const declinedWith = (...codes: string[]): CardDeclines => codes.reduce(afterDecline, NO_DECLINES);
const softTimes = (count: number): CardDeclines =>
  declinedWith(...Array.from({ length: count }, () => 'generic_decline'));

const cards = (overrides: Partial<PartnerCards> = {}): PartnerCards => ({
  paymentMethod: 'pm_card_visa',
  cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
  ...overrides,
});

describe('Module: decline policy', () => {
  describe('Function: declineKind', () => {
    it.each(HARD_CODES)('calls %s hard: the issuer asks not to try the card again', (code) => {
      expect(declineKind(code)).toBe('hard');
    });

    it.each(SOFT_CODES)('calls %s soft: the card may pay another day', (code) => {
      expect(declineKind(code)).toBe('soft');
    });

    it('calls a code it does not know soft, so it is retried, but at most the soft limit', () => {
      expect(declineKind('a_code_stripe_adds_next_year')).toBe('soft');
    });
  });

  describe('Function: afterDecline', () => {
    it('counts a soft decline and keeps the card chargeable', () => {
      expect(declinedWith('insufficient_funds')).toEqual({ soft: 1 });
      expect(declinedWith('insufficient_funds', 'generic_decline')).toEqual({ soft: 2 });
    });

    it('keeps the code of a hard decline and the soft count before it', () => {
      expect(declinedWith('generic_decline', 'generic_decline', 'lost_card')).toEqual({ soft: 2, hard: 'lost_card' });
    });

    it('does not change the standing it is given', () => {
      const before = declinedWith('generic_decline');
      afterDecline(before, 'stolen_card');
      expect(before).toEqual({ soft: 1 });
    });

    it('never makes a card chargeable again once it had a hard decline, whatever follows', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...HARD_CODES),
          fc.array(fc.constantFrom(...HARD_CODES, ...SOFT_CODES), { maxLength: 20 }),
          (hard, later) =>
            !isChargeable(declinedWith(hard, ...later)) && retriesLeft(declinedWith(hard, ...later)) === 0,
        ),
      );
    });
  });

  describe('Function: isChargeable', () => {
    it('charges a fresh card', () => {
      expect(isChargeable(NO_DECLINES)).toBe(true);
    });

    it(`charges a card with ${MAX_SOFT_DECLINES_PER_CARD - 1} soft declines, and not with ${MAX_SOFT_DECLINES_PER_CARD}`, () => {
      expect(MAX_SOFT_DECLINES_PER_CARD).toBe(8);
      expect(isChargeable(softTimes(7))).toBe(true);
      expect(isChargeable(softTimes(8))).toBe(false);
      expect(isChargeable(softTimes(9))).toBe(false);
    });

    it('does not charge a card after one hard decline', () => {
      expect(isChargeable(declinedWith('expired_card'))).toBe(false);
    });
  });

  describe('Function: retriesLeft', () => {
    it('counts down from 8 with each soft decline and stays at 0', () => {
      expect([0, 1, 7, 8, 9].map((count) => retriesLeft(softTimes(count)))).toEqual([8, 7, 1, 0, 0]);
    });

    it('leaves none after a hard decline', () => {
      expect(retriesLeft(declinedWith('fraudulent'))).toBe(0);
    });

    it('is 0 exactly when the card may no longer be charged', () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...HARD_CODES, ...SOFT_CODES), { maxLength: 12 }), (codes) => {
          const standing = declinedWith(...codes);
          return isChargeable(standing) === retriesLeft(standing) > 0;
        }),
      );
    });
  });

  describe('Function: chargeableCard', () => {
    it('charges the primary card while it may be charged, even with a backup', () => {
      expect(
        chargeableCard(
          cards({
            backupPaymentMethod: 'pm_card_mastercard',
            cardDeclines: { primary: softTimes(7), backup: NO_DECLINES },
          }),
        ),
      ).toEqual({ role: 'primary', paymentMethod: 'pm_card_visa' });
    });

    it('goes to the backup card once the primary had a hard decline', () => {
      expect(
        chargeableCard(
          cards({
            paymentMethod: 'pm_card_chargeDeclinedLostCard',
            backupPaymentMethod: 'pm_card_mastercard',
            cardDeclines: { primary: declinedWith('lost_card'), backup: NO_DECLINES },
          }),
        ),
      ).toEqual({ role: 'backup', paymentMethod: 'pm_card_mastercard' });
    });

    it('goes to the backup card once the primary used up its soft declines', () => {
      expect(
        chargeableCard(
          cards({
            backupPaymentMethod: 'pm_card_mastercard',
            cardDeclines: { primary: softTimes(8), backup: NO_DECLINES },
          }),
        ),
      ).toEqual({ role: 'backup', paymentMethod: 'pm_card_mastercard' });
    });

    it('finds no card when the primary may not be charged and there is no backup', () => {
      expect(
        chargeableCard(cards({ cardDeclines: { primary: declinedWith('stolen_card'), backup: NO_DECLINES } })),
      ).toBe(undefined);
    });

    it('finds no card when neither may be charged', () => {
      expect(
        chargeableCard(
          cards({
            backupPaymentMethod: 'pm_card_mastercard',
            cardDeclines: { primary: declinedWith('lost_card'), backup: softTimes(8) },
          }),
        ),
      ).toBe(undefined);
    });

    it('does not take a backup that is the primary card itself for a second card', () => {
      expect(
        chargeableCard(
          cards({
            backupPaymentMethod: 'pm_card_visa',
            cardDeclines: { primary: declinedWith('lost_card'), backup: NO_DECLINES },
          }),
        ),
      ).toBe(undefined);
    });
  });

  describe('Function: backupAfter', () => {
    const withBackup = cards({ backupPaymentMethod: 'pm_card_mastercard' });

    it('hands a charge the primary declined to the backup', () => {
      expect(backupAfter(withBackup, 'primary')).toEqual({ role: 'backup', paymentMethod: 'pm_card_mastercard' });
    });

    it('has nothing after the backup itself declined: the backup is the last card tried', () => {
      expect(backupAfter(withBackup, 'backup')).toBe(undefined);
    });

    it('has nothing without a backup card', () => {
      expect(backupAfter(cards(), 'primary')).toBe(undefined);
    });

    it('has nothing when the backup may not be charged', () => {
      expect(
        backupAfter(
          cards({
            backupPaymentMethod: 'pm_card_mastercard',
            cardDeclines: { primary: NO_DECLINES, backup: declinedWith('lost_card') },
          }),
          'primary',
        ),
      ).toBe(undefined);
    });

    it('has nothing when the backup is the card that just declined', () => {
      expect(backupAfter(cards({ backupPaymentMethod: 'pm_card_visa' }), 'primary')).toBe(undefined);
    });
  });
});
