import { InvalidPaymentReferenceError } from '../../../functions/domain/finance/finance-errors';
import { assertPaymentReference } from '../../../functions/domain/finance/record-payment';
import { adjustmentOf } from '../../../functions/domain/finance/reconciliation';
import { formatAmount, parseAmount } from '../../../functions/domain/money';

const amount = parseAmount;

describe('Module: reconciliation', () => {
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
