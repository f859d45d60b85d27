import fc from 'fast-check';
import { MAX_CARD_CREDIT, type Micros, micros, parseAmount } from '../../../functions/domain/money';
import type { AutomaticCredits } from '../../../functions/domain/partner';
import {
  afterAutomaticCredit,
  automaticTotalIn,
  capVerdict,
  countsTowardCap,
} from '../../../functions/domain/recharge/monthly-cap';
import { DEFAULT_RECHARGE_SETTINGS } from '../../../functions/domain/recharge-rules';

const amount = (text: string) => parseAmount(text);
const NOVEMBER = new Date('2026-11-30T23:59:59.999Z');
const DECEMBER = new Date('2026-12-01T00:00:00.000Z');

const partner = (credits: AutomaticCredits | undefined, monthlyLimit?: Micros) => ({
  ...(credits !== undefined && { automaticCredits: credits }),
  rechargeSettings: { ...DEFAULT_RECHARGE_SETTINGS, ...(monthlyLimit !== undefined && { monthlyLimit }) },
});

describe('Module: monthly-cap', () => {
  describe('Function: countsTowardCap', () => {
    it('counts recharges only: not the opening charge, nor a top-up', () => {
      expect(countsTowardCap({ purpose: 'recharge' })).toBe(true);
      expect(countsTowardCap({ purpose: 'opening' })).toBe(false);
      expect(countsTowardCap({ purpose: 'top-up' })).toBe(false);
    });
  });

  describe('Function: automaticTotalIn', () => {
    it("reads the month's total in its UTC month and 0 from the first instant of the next", () => {
      const credits = { month: '2026-11', total: amount('500.00') };

      expect(automaticTotalIn(partner(credits), NOVEMBER)).toBe(amount('500.00'));
      expect(automaticTotalIn(partner(credits), DECEMBER)).toBe(0);
      expect(automaticTotalIn(partner(undefined), NOVEMBER)).toBe(0);
    });
  });

  describe('Function: afterAutomaticCredit', () => {
    it('adds a credit to the same month and starts a new month from it', () => {
      const credits = { month: '2026-11', total: amount('500.00') };

      expect(afterAutomaticCredit(partner(credits), amount('250.00'), NOVEMBER)).toEqual({
        month: '2026-11',
        total: amount('750.00'),
      });
      expect(afterAutomaticCredit(partner(credits), amount('250.00'), DECEMBER)).toEqual({
        month: '2026-12',
        total: amount('250.00'),
      });
    });
  });

  describe('Function: capVerdict', () => {
    it('lets a charge reach the limit exactly, stops the one that would pass it, and never stops without a limit', () => {
      const credits = { month: '2026-11', total: amount('500.00') };
      const limit = amount('1000.00');

      expect(capVerdict(partner(credits, limit), amount('500.00'), NOVEMBER)).toEqual({ kind: 'within' });
      expect(capVerdict(partner(credits, limit), amount('500.01'), NOVEMBER)).toEqual({
        kind: 'over',
        month: '2026-11',
        total: amount('500.00'),
        limit,
      });
      expect(capVerdict(partner(credits, limit), amount('1000.00'), DECEMBER)).toEqual({ kind: 'within' });
      expect(capVerdict(partner(credits), MAX_CARD_CREDIT, NOVEMBER)).toEqual({ kind: 'within' });
    });

    it('never lets the credits of a month pass the limit, whatever the charges asked for', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 100_000_000 }),
          fc.array(fc.integer({ min: 1, max: 5_000_000 }), { maxLength: 40 }),
          (limitCents, creditCents) => {
            let account = partner(undefined, micros(limitCents * 10_000));
            for (const cents of creditCents) {
              const credit = micros(cents * 10_000);
              if (capVerdict(account, credit, NOVEMBER).kind === 'over') continue;
              account = { ...account, automaticCredits: afterAutomaticCredit(account, credit, NOVEMBER) };
            }
            expect(automaticTotalIn(account, NOVEMBER)).toBeLessThanOrEqual(limitCents * 10_000);
          },
        ),
      );
    });
  });
});
