import fc from 'fast-check';
import type { Channel } from '../../../functions/domain/channels/channel';
import { UnsupportedCurrencyError } from '../../../functions/domain/errors';
import { cardFee, formatAmount, micros, parseAmount } from '../../../functions/domain/money';
import { parseMonth } from '../../../functions/domain/month';
import {
  type LicenseFee,
  type LicenseFeeSetting,
  billableNumbers,
  firstAttempt,
  isRetryDue,
  licenseAttemptId,
  licenseCharge,
  licenseInvoice,
  nextAttempt,
  feesFor,
  parseLicenseFeeSchedule,
} from '../../../functions/domain/monthly/license-fee';

const amount = parseAmount;
const RUN = new Date('2026-12-01T00:00:00.000Z');
const NEXT_DAY = new Date('2026-12-02T00:00:00.000Z');
const DECEMBER = parseMonth('2026-12');

const channel = (status: Channel['status'], registeredAt: string, cancelledAt?: string): Channel => ({
  phoneNumber: '+4915100000001',
  partnerId: 'p',
  status,
  registeredAt: new Date(registeredAt),
  ...(cancelledAt !== undefined && { cancelledAt: new Date(cancelledAt) }),
});

describe('Module: license fee', () => {
  describe('Function: parseLicenseFeeSchedule', () => {
    it('reads a fee per currency: one price list for every month', () => {
      const schedule = parseLicenseFeeSchedule({ EUR: '25.00', USD: '27.00' });

      expect(schedule).toEqual({ priceLists: [{ fees: { EUR: amount('25.00'), USD: amount('27.00') } }] });
      expect(feesFor(schedule, parseMonth('1999-01'))).toEqual({ EUR: amount('25.00'), USD: amount('27.00') });
    });

    it('reads price lists by the month each applies from: a month is charged at the latest list from it or before', () => {
      const schedule = parseLicenseFeeSchedule({
        '2027-01': { EUR: '27.00', USD: '29.00' },
        '2026-01': { EUR: '25.00', USD: '27.00' },
      });

      expect(feesFor(schedule, parseMonth('2026-01')).EUR).toBe(amount('25.00'));
      expect(feesFor(schedule, parseMonth('2026-12')).EUR).toBe(amount('25.00'));
      expect(feesFor(schedule, parseMonth('2027-01')).EUR).toBe(amount('27.00'));
      expect(feesFor(schedule, parseMonth('2031-06')).USD).toBe(amount('29.00'));
    });

    it('has no price for a month before the first price list', () => {
      const schedule = parseLicenseFeeSchedule({ '2027-01': { EUR: '27.00', USD: '29.00' } });

      expect(() => feesFor(schedule, parseMonth('2026-12'))).toThrow(
        'no price list for 2026-12: the first applies from 2027-01',
      );
    });

    it('refuses a month that is not YYYY-MM, and fees mixed with price lists', () => {
      expect(() => parseLicenseFeeSchedule({ '2027-1': { EUR: '27.00', USD: '29.00' } })).toThrow('YYYY-MM');
      // As JSON configuration can hold it, though neither form of the setting allows it.
      const mixed: Record<string, unknown> = { '2027-01': { EUR: '27.00', USD: '29.00' }, EUR: '25.00', USD: '27.00' };
      expect(() => parseLicenseFeeSchedule(mixed as LicenseFeeSetting)).toThrow('mixes fees with price lists');
    });

    it('needs a fee for every currency in every price list', () => {
      expect(() =>
        parseLicenseFeeSchedule({ '2026-01': { EUR: '25.00', USD: '27.00' }, '2027-01': { EUR: '27.00' } }),
      ).toThrow('no fee for USD');
    });

    it('needs a fee for every currency', () => {
      expect(() => parseLicenseFeeSchedule({ EUR: '25.00' })).toThrow('no fee for USD');
    });

    it('refuses an unknown currency', () => {
      expect(() => parseLicenseFeeSchedule({ EUR: '25.00', USD: '27.00', GBP: '22.00' })).toThrow(
        UnsupportedCurrencyError,
      );
    });

    it.each(['0.00', '-25.00', '25.001'])('refuses a fee of %s', (fee) => {
      expect(() => parseLicenseFeeSchedule({ EUR: fee, USD: '27.00' })).toThrow('positive whole number of cents');
    });
  });

  describe('Function: billableNumbers', () => {
    it('bills active and blocked numbers registered by the run, not cancelled ones', () => {
      const channels = [
        channel('active', '2026-11-01T00:00:00Z'),
        channel('blocked', '2026-10-01T00:00:00Z'),
        channel('cancelled', '2026-10-01T00:00:00Z', '2026-11-20T00:00:00Z'),
      ];
      expect(billableNumbers(channels, RUN)).toBe(2);
    });

    it('bills a number registered exactly at the run, not one registered after it', () => {
      expect(
        billableNumbers(
          [channel('active', '2026-12-01T00:00:00.000Z'), channel('active', '2026-12-01T00:00:00.001Z')],
          RUN,
        ),
      ).toBe(1);
    });

    it('bills a number cancelled after the run: it was hosted then', () => {
      expect(billableNumbers([channel('cancelled', '2026-10-01T00:00:00Z', '2026-12-01T00:00:00.001Z')], RUN)).toBe(1);
    });
  });

  describe('Function: licenseCharge', () => {
    it('charges 3 numbers × 25.00 = 75.00 plus 3.00 card fee: 78.00', () => {
      const charge = licenseCharge(amount('25.00'), 3);
      expect([charge.fees, charge.cardFee, charge.total].map(formatAmount)).toEqual(['75.00', '3.00', '78.00']);
    });

    it('rounds the card fee half up to the cent: 27.33 is charged 1.09 on top', () => {
      expect(formatAmount(licenseCharge(amount('27.33'), 1).cardFee)).toBe('1.09');
      expect(formatAmount(licenseCharge(amount('0.50'), 25).cardFee)).toBe('0.50');
      expect(formatAmount(licenseCharge(amount('0.13'), 1).cardFee)).toBe('0.01');
    });

    it('always charges whole cents: the fees plus 4% of them', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000 }), (cents, numbers) => {
          const charge = licenseCharge(micros(cents * 10_000), numbers);
          return (
            charge.fees === cents * 10_000 * numbers &&
            charge.cardFee === cardFee(charge.fees) &&
            charge.total === charge.fees + charge.cardFee &&
            charge.total % 10_000 === 0
          );
        }),
      );
    });

    it('refuses no numbers', () => {
      expect(() => licenseCharge(amount('25.00'), 0)).toThrow(RangeError);
    });
  });

  describe('Attempts', () => {
    const account = { partnerId: 'acme', currency: 'EUR' as const, paymentMethod: 'pm_card_chargeDeclined' };
    const first = firstAttempt(account, DECEMBER, licenseCharge(amount('25.00'), 2), RUN, '2026-12-01');
    const declined: LicenseFee = { ...first, state: 'declined', declineCode: 'generic_decline' };

    it('names attempts by partner, month and number, so a repeated run asks about the same charge', () => {
      expect(first.attemptId).toBe('lic-2026-12-acme-1');
      expect(licenseAttemptId('acme', DECEMBER, 1)).toBe(first.attemptId);
    });

    it('moves to the next key with the partner card and the same charge after a decline', () => {
      const next = nextAttempt(declined, { paymentMethod: 'pm_card_visa' }, '2026-12-02', NEXT_DAY);
      expect(next).toMatchObject({
        attemptNumber: 2,
        attemptId: 'lic-2026-12-acme-2',
        paymentMethod: 'pm_card_visa',
        state: 'pending',
        charge: first.charge,
      });
      expect(next.declineCode).toBeUndefined();
    });

    it('opens the next attempt now, for the key-expiry check, and keeps when the month was first charged', () => {
      const next = nextAttempt(declined, { paymentMethod: 'pm_card_chargeDeclined' }, '2026-12-02', NEXT_DAY);
      expect(next).toMatchObject({ openedAt: NEXT_DAY, createdAt: RUN, attemptedOn: '2026-12-02' });
      expect(first.openedAt).toEqual(RUN);
    });

    it('counts the declines of the same card from one attempt to the next, and starts a new card at 0', () => {
      expect(first.priorDeclinesOnCard).toBe(0);
      const second = nextAttempt(declined, { paymentMethod: 'pm_card_chargeDeclined' }, '2026-12-02', NEXT_DAY);
      const third = nextAttempt(
        { ...second, state: 'declined', declineCode: 'generic_decline' },
        { paymentMethod: 'pm_card_chargeDeclined' },
        '2026-12-03',
        new Date('2026-12-03T00:00:00.000Z'),
      );
      const newCard = nextAttempt(
        { ...third, state: 'declined', declineCode: 'generic_decline' },
        { paymentMethod: 'pm_card_visa' },
        '2026-12-04',
        new Date('2026-12-04T00:00:00.000Z'),
      );
      expect([second, third, newCard].map((attempt) => attempt.priorDeclinesOnCard)).toEqual([1, 2, 0]);
    });

    it('retries a decline once a day with the same card, at once with a new one, never a pending or charged fee', () => {
      expect(isRetryDue(declined, 'pm_card_chargeDeclined', '2026-12-01')).toBe(false);
      expect(isRetryDue(declined, 'pm_card_chargeDeclined', '2026-12-02')).toBe(true);
      expect(isRetryDue(declined, 'pm_card_visa', '2026-12-01')).toBe(true);
      expect(isRetryDue(first, 'pm_card_visa', '2026-12-02')).toBe(false);
      expect(isRetryDue({ ...first, state: 'succeeded' }, 'pm_card_visa', '2026-12-02')).toBe(false);
    });

    it.each(['lost_card', 'stolen_card', 'expired_card', 'fraudulent'])(
      'never retries the same card after a hard decline (%s), and retries a new card at once',
      (declineCode) => {
        const hard: LicenseFee = { ...first, state: 'declined', declineCode };
        expect(isRetryDue(hard, 'pm_card_chargeDeclined', '2026-12-02')).toBe(false);
        expect(isRetryDue(hard, 'pm_card_chargeDeclined', '2027-01-15')).toBe(false);
        expect(isRetryDue(hard, 'pm_card_visa', '2026-12-01')).toBe(true);
      },
    );

    it('retries the same card after its 7th soft decline of the month, not after its 8th', () => {
      const seventh: LicenseFee = { ...declined, priorDeclinesOnCard: 6, attemptedOn: '2026-12-07' };
      const eighth: LicenseFee = { ...declined, priorDeclinesOnCard: 7, attemptedOn: '2026-12-08' };
      expect(isRetryDue(seventh, 'pm_card_chargeDeclined', '2026-12-08')).toBe(true);
      expect(isRetryDue(eighth, 'pm_card_chargeDeclined', '2026-12-09')).toBe(false);
      expect(isRetryDue(eighth, 'pm_card_visa', '2026-12-09')).toBe(true);
    });

    it('stops after 8 soft declines when each retry is opened by nextAttempt', () => {
      let fee: LicenseFee = declined;
      let retries = 0;
      for (let day = 2; day <= 20; day += 1) {
        const today = `2026-12-${String(day).padStart(2, '0')}`;
        if (!isRetryDue(fee, 'pm_card_chargeDeclined', today)) continue;
        retries += 1;
        const next = nextAttempt(
          fee,
          { paymentMethod: 'pm_card_chargeDeclined' },
          today,
          new Date(`${today}T00:00:00Z`),
        );
        fee = { ...next, state: 'declined', declineCode: 'insufficient_funds' };
      }
      // The monthly run's decline and 7 daily retries: 8 declines of the card in all.
      expect(retries).toBe(7);
      expect(fee).toMatchObject({ attemptNumber: 8, priorDeclinesOnCard: 7 });
    });

    it('invoices the fees and the card fee as their own lines', () => {
      const invoice = licenseInvoice(first, 'pi_1', new Date('2026-12-01T00:00:01Z'));
      expect(invoice).toMatchObject({
        invoiceId: 'inv-lic-2026-12-acme-1',
        attemptId: 'lic-2026-12-acme-1',
        total: amount('52.00'),
        providerChargeId: 'pi_1',
      });
      expect(invoice.lines).toEqual([
        {
          kind: 'license-fee',
          description: 'License fee December 2026: 2 hosted numbers × 25.00 EUR',
          amount: amount('50.00'),
        },
        { kind: 'card-fee', description: 'Card fee (4%)', amount: amount('2.00') },
      ]);
    });
  });
});
