import {
  InvalidPeriodError,
  isClosed,
  monthName,
  monthOf,
  monthRange,
  parseMonth,
} from '../../../functions/domain/month';

describe('Module: month', () => {
  describe('Function: parseMonth', () => {
    it.each(['2026-11', '2026-01', '2026-12', '0001-01'])('accepts %s', (text) => {
      expect(parseMonth(text)).toBe(text);
    });

    it.each(['2026-13', '2026-00', '2026-1', '26-11', '2026-11-01', '2026/11', '', ' 2026-11'])(
      'refuses "%s"',
      (text) => {
        expect(() => parseMonth(text)).toThrow(InvalidPeriodError);
      },
    );
  });

  describe('Function: monthRange', () => {
    it('runs from 00:00 UTC of the 1st to 00:00 UTC of the next 1st', () => {
      expect(monthRange(parseMonth('2026-11'))).toEqual({
        start: new Date('2026-11-01T00:00:00.000Z'),
        end: new Date('2026-12-01T00:00:00.000Z'),
      });
    });

    it('ends December at the next year', () => {
      expect(monthRange(parseMonth('2026-12')).end).toEqual(new Date('2027-01-01T00:00:00.000Z'));
    });

    it('knows February of a leap year', () => {
      expect(monthRange(parseMonth('2028-02')).end).toEqual(new Date('2028-03-01T00:00:00.000Z'));
    });
  });

  describe('Function: monthOf', () => {
    it('puts the first instant of a month in that month and the last one before it in the previous', () => {
      expect(monthOf(new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12');
      expect(monthOf(new Date('2026-11-30T23:59:59.999Z'))).toBe('2026-11');
    });
  });

  describe('Function: isClosed', () => {
    it('closes a month at the first instant of the next one', () => {
      const november = parseMonth('2026-11');
      expect(isClosed(november, new Date('2026-11-30T23:59:59.999Z'))).toBe(false);
      expect(isClosed(november, new Date('2026-12-01T00:00:00.000Z'))).toBe(true);
    });
  });

  describe('Function: monthName', () => {
    it('names the month in English', () => {
      expect(monthName(parseMonth('2026-12'))).toBe('December 2026');
    });
  });
});
