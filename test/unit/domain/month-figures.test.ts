import fc from 'fast-check';
import { micros, parseAmount } from '../../../functions/domain/money';
import type { Month } from '../../../functions/domain/month';
import {
  type MonthFigures,
  type MovementKind,
  type Tally,
  addFigures,
  netMovement,
  openingOf,
  usageTotal,
} from '../../../functions/domain/statements/month-figures';
import type { UsageCategory } from '../../../functions/domain/usage/usage-event';

const tally = (count: number, amount: string): Tally => ({ count, amount: parseAmount(amount) });

const NOVEMBER: MonthFigures = {
  usageByCategory: new Map<UsageCategory, Tally>([
    ['marketing', tally(3, '30.00')],
    ['utility', tally(2, '4.50')],
  ]),
  usageByChannel: new Map([
    ['+4915100000001', tally(4, '32.00')],
    ['+4915100000002', tally(1, '2.50')],
  ]),
  movementsByKind: new Map<MovementKind, Tally>([
    ['recharge', tally(1, '500.00')],
    ['adjustment', tally(1, '-3.50')],
  ]),
};

describe('Module: month-figures', () => {
  describe('Function: usageTotal', () => {
    it('adds the conversations and cost of every category', () => {
      expect(usageTotal(NOVEMBER)).toEqual(tally(5, '34.50'));
    });
  });

  describe('Function: netMovement', () => {
    it('is every movement less the cost of usage: 500.00 - 3.50 - 34.50 = 462.00', () => {
      expect(netMovement(NOVEMBER)).toBe(parseAmount('462.00'));
    });
  });

  describe('Function: openingOf', () => {
    it('is the closing balance less what the month moved', () => {
      const book = {
        partnerId: 'p-1',
        currency: 'EUR' as const,
        month: '2026-11' as Month,
        state: 'closed' as const,
        figures: NOVEMBER,
        closing: parseAmount('470.00'),
      };

      expect(openingOf(book)).toBe(parseAmount('8.00'));
    });
  });

  describe('Function: addFigures', () => {
    it('adds two parts of a month figure by figure, so their net movements add up', () => {
      const amount = fc.integer({ min: -1e9, max: 1e9 }).map(micros);
      const part = fc.record({
        usageByCategory: fc
          .array(fc.tuple(fc.constantFrom<UsageCategory>('marketing', 'utility', 'service'), amount), { maxLength: 3 })
          .map((pairs) => new Map(pairs.map(([key, value]) => [key, { count: 1, amount: micros(Math.abs(value)) }]))),
        usageByChannel: fc.constant(new Map<string, Tally>()),
        movementsByKind: fc
          .array(fc.tuple(fc.constantFrom<MovementKind>('payment', 'refund', 'opening'), amount), { maxLength: 3 })
          .map((pairs) => new Map(pairs.map(([key, value]) => [key, { count: 1, amount: value }]))),
      });
      fc.assert(fc.property(part, part, (a, b) => netMovement(addFigures(a, b)) === netMovement(a) + netMovement(b)));
    });
  });
});
