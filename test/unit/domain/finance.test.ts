import fc from 'fast-check';
import { InvalidPaymentReferenceError } from '../../../functions/domain/finance/finance-errors';
import { assertPaymentReference } from '../../../functions/domain/finance/record-payment';
import { type UsageAmount, adjustmentOf, estimatedUsage } from '../../../functions/domain/finance/reconciliation';
import { ENTRY_KINDS } from '../../../functions/domain/ledger';
import { formatAmount, micros, parseAmount } from '../../../functions/domain/money';
import { monthRange, parseMonth } from '../../../functions/domain/month';

const amount = parseAmount;
const november = monthRange(parseMonth('2026-11'));
const usage = (debit: string, postedAt: string): UsageAmount => ({
  kind: 'usage',
  amount: amount(`-${debit}`),
  postedAt: new Date(postedAt),
});

describe('Module: reconciliation', () => {
  describe('Function: estimatedUsage', () => {
    it('sums the usage debited in the month as a positive amount, start inclusive and end exclusive', () => {
      const entries = [
        usage('7.00', '2026-10-31T23:59:59.999Z'),
        usage('40.00', '2026-11-01T00:00:00.000Z'),
        usage('60.00', '2026-11-30T23:59:59.999Z'),
        usage('9.00', '2026-12-01T00:00:00.000Z'),
      ];

      expect(formatAmount(estimatedUsage(entries, november))).toBe('100.00');
    });

    it('counts no other kind of entry', () => {
      const entries: UsageAmount[] = [
        usage('10.00', '2026-11-10T00:00:00Z'),
        { kind: 'payment', amount: amount('200.00'), postedAt: new Date('2026-11-10T00:00:00Z') },
        { kind: 'recharge', amount: amount('500.00'), postedAt: new Date('2026-11-10T00:00:00Z') },
        { kind: 'adjustment', amount: amount('-3.50'), postedAt: new Date('2026-11-10T00:00:00Z') },
        { kind: 'opening', amount: amount('500.00'), postedAt: new Date('2026-11-10T00:00:00Z') },
      ];

      expect(formatAmount(estimatedUsage(entries, november))).toBe('10.00');
    });

    it('is 0 for a month without usage', () => {
      expect(estimatedUsage([], november)).toBe(0);
    });

    it('equals the negated sum of the usage entries inside the range, for any entries', () => {
      const anyEntry = fc.record({
        kind: fc.constantFrom(...ENTRY_KINDS),
        amount: fc.integer({ min: -1e10, max: 1e10 }).map(micros),
        postedAt: fc.integer({ min: Date.UTC(2026, 9, 1), max: Date.UTC(2027, 0, 1) }).map((time) => new Date(time)),
      });
      fc.assert(
        fc.property(fc.array(anyEntry, { maxLength: 50 }), (entries) => {
          const inside = entries.filter(
            (entry) => entry.kind === 'usage' && entry.postedAt >= november.start && entry.postedAt < november.end,
          );
          return estimatedUsage(entries, november) === -inside.reduce((total, entry) => total + entry.amount, 0);
        }),
      );
    });
  });

  describe('Function: adjustmentOf', () => {
    it('debits the partner when Meta billed more than estimated: 100.00 estimated, 103.50 actual is -3.50', () => {
      expect(formatAmount(adjustmentOf(amount('100.00'), amount('103.50')))).toBe('-3.50');
    });

    it('credits the partner when Meta billed less', () => {
      expect(formatAmount(adjustmentOf(amount('100.00'), amount('98.25')))).toBe('1.75');
    });

    it('is 0 when both agree', () => {
      expect(adjustmentOf(amount('100.00'), amount('100.00'))).toBe(0);
    });
  });
});

describe('Module: record payment', () => {
  describe('Function: assertPaymentReference', () => {
    it.each(['BANK-77', 'SEPA 2026-11-0042', 'x', 'a'.repeat(128), 'INV/2026/11#3'])('accepts "%s"', (reference) => {
      expect(assertPaymentReference(reference)).toBe(reference);
    });

    it.each(['', ' BANK-77', 'BANK-77 ', 'a'.repeat(129), 'line\nbreak', 'tab\there', 'Überweisung'])(
      'refuses "%s"',
      (reference) => {
        expect(() => assertPaymentReference(reference)).toThrow(InvalidPaymentReferenceError);
      },
    );
  });
});
