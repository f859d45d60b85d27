import fc from 'fast-check';
import { isDueForBlocking, overdueVerdict } from '../../../functions/domain/overdue-rules';
import { micros } from '../../../functions/domain/money';

const wentNegativeAt = new Date('2026-11-03T14:25:00Z');

describe('Module: overdue rules', () => {
  describe('Function: isDueForBlocking', () => {
    it('is not due a day before the 7 days are over', () => {
      expect(isDueForBlocking(wentNegativeAt, new Date('2026-11-10T00:00:00Z'))).toBe(false);
    });

    it('is not due a millisecond before the 7 days are over', () => {
      expect(isDueForBlocking(wentNegativeAt, new Date('2026-11-10T14:24:59.999Z'))).toBe(false);
    });

    it('is due exactly 7 days after the balance went below 0', () => {
      expect(isDueForBlocking(wentNegativeAt, new Date('2026-11-10T14:25:00Z'))).toBe(true);
    });

    it('is due at the first midnight run after the 7 days', () => {
      expect(isDueForBlocking(wentNegativeAt, new Date('2026-11-11T00:00:00Z'))).toBe(true);
    });

    it('is due iff now - t >= 7 days, for any pair of times', () => {
      const anyTime = fc.integer({ min: 0, max: 4e12 });
      fc.assert(
        fc.property(
          anyTime,
          anyTime,
          (since, now) => isDueForBlocking(new Date(since), new Date(now)) === now - since >= 604_800_000,
        ),
      );
    });
  });

  describe('Function: overdueVerdict', () => {
    const now = new Date('2026-11-20T00:00:00Z');

    it('leaves a partner whose balance is back to >= 0 in good standing, however old its clock', () => {
      expect(overdueVerdict(micros(0), wentNegativeAt, now)).toBe('in-good-standing');
    });

    it('blocks a partner still below 0 after 7 days', () => {
      expect(overdueVerdict(micros(-1), wentNegativeAt, now)).toBe('block');
    });

    it('keeps a partner below 0 for less than 7 days overdue', () => {
      expect(overdueVerdict(micros(-1), new Date('2026-11-15T00:00:00Z'), now)).toBe('overdue');
    });

    it('never blocks a negative balance whose clock was not started', () => {
      expect(overdueVerdict(micros(-1), undefined, now)).toBe('overdue');
    });
  });
});
