import fc from 'fast-check';
import {
  MAX_AMOUNT,
  MAX_BALANCE,
  MAX_CARD_CREDIT,
  MAX_CARD_TOTAL,
  type Micros,
  formatAmount,
  micros,
  parseAmount,
} from '../../../functions/domain/money';
import {
  DEFAULT_RECHARGE_SETTINGS,
  type RechargeSettings,
  decideOpeningCharge,
  decideRecharge,
} from '../../../functions/domain/recharge-rules';

const amount = (text: string) => parseAmount(text);
const settings = (threshold: string, autoRenewAmount: string, autoRecharge = true): RechargeSettings => ({
  threshold: amount(threshold),
  autoRenewAmount: amount(autoRenewAmount),
  autoRecharge,
});

/** The whole money range, its edges drawn more often: where a cap or an overflow would show. */
const anyBalance = fc
  .oneof(
    fc.integer({ min: -MAX_BALANCE, max: MAX_BALANCE }),
    fc.integer({ min: -2 * MAX_CARD_CREDIT, max: 2 * MAX_CARD_CREDIT }),
    fc.constantFrom(-MAX_BALANCE, MAX_BALANCE, -MAX_CARD_CREDIT, -MAX_CARD_CREDIT - 1, 0),
  )
  .map(micros);
/** Settings the API accepts: a threshold up to MAX_AMOUNT, an auto-renew amount one card charge can carry. */
const anySettings = fc.record({
  threshold: fc.integer({ min: 0, max: MAX_AMOUNT }).map(micros),
  autoRenewAmount: fc.integer({ min: 10_000, max: MAX_CARD_CREDIT }).map(micros),
  autoRecharge: fc.boolean(),
});

describe('Module: recharge rules', () => {
  describe('Function: decideRecharge', () => {
    it('charges nothing at or above the threshold', () => {
      expect(decideRecharge(amount('100.00'), DEFAULT_RECHARGE_SETTINGS)).toEqual({ kind: 'none' });
    });

    it('charges the auto-renew amount plus 4% below the threshold: 80.00 is recharged 500.00 for 520.00', () => {
      const decision = decideRecharge(amount('80.00'), DEFAULT_RECHARGE_SETTINGS);
      expect(decision).toEqual({
        kind: 'charge',
        reason: 'below-threshold',
        charge: { credit: amount('500.00'), fee: amount('20.00'), total: amount('520.00') },
      });
    });

    it('covers a negative balance and renews: -20.00 is charged 520.00 + 20.80', () => {
      const decision = decideRecharge(amount('-20.00'), DEFAULT_RECHARGE_SETTINGS);
      expect(decision).toEqual({
        kind: 'charge',
        reason: 'overdue',
        charge: { credit: amount('520.00'), fee: amount('20.80'), total: amount('540.80') },
      });
    });

    it('only covers the deficit when auto-recharge is off', () => {
      const decision = decideRecharge(amount('-20.00'), settings('100.00', '500.00', false));
      expect(decision.kind === 'charge' && formatAmount(decision.charge.credit)).toBe('20.00');
    });

    it('charges nothing for a positive balance below threshold when auto-recharge is off', () => {
      expect(decideRecharge(amount('50.00'), settings('100.00', '500.00', false))).toEqual({ kind: 'none' });
    });

    it('charges nothing for a zero balance when auto-recharge is off', () => {
      expect(decideRecharge(amount('0.00'), settings('100.00', '500.00', false))).toEqual({ kind: 'none' });
    });

    it('rounds a credit covering a fraction of a cent up, so the balance is back to >= 0', () => {
      const decision = decideRecharge(amount('-20.0625'), settings('100.00', '500.00', false));
      expect(decision.kind === 'charge' && formatAmount(decision.charge.credit)).toBe('20.07');
    });

    it('follows the table of docs/contract.md §5 for any balance and settings', () => {
      fc.assert(
        fc.property(anyBalance, anySettings, (balance, rules) => {
          const decision = decideRecharge(balance, rules);
          const expected = expectedCredit(balance, rules);
          if (expected === undefined) return decision.kind === 'none';
          if (decision.kind !== 'charge') return false;
          const { credit, fee, total } = decision.charge;
          return (
            credit === expected &&
            fee % 10_000 === 0 &&
            total === credit + fee &&
            total <= MAX_CARD_TOTAL &&
            (balance > 0 || balance + credit >= 0 || credit === MAX_CARD_CREDIT)
          );
        }),
      );
    });
  });

  describe('Function: decideOpeningCharge', () => {
    it('charges 380.00 + 15.20 for a remainder of 120.00, so the partner opens at 500.00', () => {
      expect(decideOpeningCharge(amount('120.00'))).toEqual({
        credit: amount('380.00'),
        fee: amount('15.20'),
        total: amount('395.20'),
      });
    });

    it('charges nothing when the remainder is 500.00 or more', () => {
      expect(decideOpeningCharge(amount('500.00'))).toBeUndefined();
      expect(decideOpeningCharge(amount('812.34'))).toBeUndefined();
    });

    it('covers a negative remainder too: -20.00 is charged 520.00', () => {
      expect(decideOpeningCharge(amount('-20.00'))?.credit).toBe(amount('520.00'));
    });

    it('always opens at 500.00 or above, never by more than a cent, unless the charge is the largest one card charge can carry', () => {
      fc.assert(
        fc.property(anyBalance, (remainder) => {
          const charge = decideOpeningCharge(remainder);
          const opening = remainder + (charge?.credit ?? 0);
          if (charge === undefined) return remainder >= amount('500.00');
          if (charge.credit === MAX_CARD_CREDIT) return opening < amount('500.01') && charge.total <= MAX_CARD_TOTAL;
          return opening >= amount('500.00') && opening < amount('500.01');
        }),
      );
    });

    it('caps a charge at the largest credit one card charge carries: a remainder of -2,000,000.00 is credited 961,538.45 for 999,999.99', () => {
      expect(decideOpeningCharge(amount('-2000000.00'))).toEqual({
        credit: amount('961538.45'),
        fee: amount('38461.54'),
        total: amount('999999.99'),
      });
    });
  });
});

/** The table of docs/contract.md §5, written independently of the implementation. */
function expectedCredit(balance: Micros, rules: RechargeSettings): number | undefined {
  const roundUpToCent = (value: number) => Math.ceil(value / 10_000) * 10_000;
  if (balance >= rules.threshold) return undefined;
  if (balance > 0) return rules.autoRecharge ? roundUpToCent(rules.autoRenewAmount) : undefined;
  const credit = rules.autoRecharge ? -balance + rules.autoRenewAmount : -balance;
  // One card charge carries at most 961,538.45 of credit (999,999.99 with the fee).
  return credit === 0 ? undefined : Math.min(roundUpToCent(credit), 96_153_845 * 10_000);
}
