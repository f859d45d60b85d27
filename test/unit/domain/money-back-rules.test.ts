import fc from 'fast-check';
import { MICROS_PER_CENT, type Micros, micros } from '../../../functions/domain/money';
import type { CreditedCharge } from '../../../functions/domain/money-back/money-back-ports';
import type { DisputeStatus } from '../../../functions/domain/money-back/money-back-provider';
import {
  MAX_REFUND_PARTS,
  creditLeft,
  creditPartOf,
  nextDisputeState,
  planRefund,
} from '../../../functions/domain/money-back/money-back-rules';

const units = (value: number): Micros => micros(value * 1_000_000);

function charge(attemptId: string, credit: Micros, taken: Partial<CreditedCharge> = {}): CreditedCharge {
  return {
    partnerId: 'p1',
    attemptId,
    providerChargeId: `pi_${attemptId}`,
    currency: 'EUR',
    paymentMethod: 'pm_card_visa',
    credit,
    total: micros(credit + credit / 25),
    settledAt: new Date('2026-11-01T00:00:00Z'),
    refundedCredit: micros(0),
    disputedCredit: micros(0),
    moneyBackVersion: 0,
    ...taken,
  };
}

describe('credit first', () => {
  it('takes what comes back from the credit, never more than the credit left', () => {
    const recharge = charge('a', units(500), { refundedCredit: units(100) });
    expect(creditLeft(recharge)).toBe(units(400));
    expect(creditPartOf(recharge, 150_00)).toBe(units(150));
    // The whole charge refunded, card fee included: only the credit left leaves the balance.
    expect(creditPartOf(recharge, 520_00)).toBe(units(400));
  });

  it('has nothing left to take from a charge whose credit was all taken back', () => {
    const disputed = charge('a', units(500), { refundedCredit: units(100), disputedCredit: units(400) });
    expect(creditLeft(disputed)).toBe(0);
    expect(creditPartOf(disputed, 20_00)).toBe(0);
  });

  it('never takes more than the credit, however the refunds of a charge add up', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 12 }), (refundCents) => {
        let state = charge('a', units(500));
        for (const cents of refundCents) {
          const part = creditPartOf(state, cents);
          expect(part).toBeLessThanOrEqual(cents * MICROS_PER_CENT);
          state = { ...state, refundedCredit: micros(state.refundedCredit + part) };
        }
        expect(state.refundedCredit).toBeLessThanOrEqual(units(500));
      }),
    );
  });
});

describe('planning an operator refund', () => {
  it('takes the most recent charges first, each for the credit it has left', () => {
    const plan = planRefund(units(700), [
      charge('new', units(500), { refundedCredit: units(100) }),
      charge('older', units(500)),
      charge('oldest', units(500)),
    ]);
    expect(plan).toEqual({
      kind: 'planned',
      parts: [
        { attemptId: 'new', providerChargeId: 'pi_new', amount: units(400), state: 'open' },
        { attemptId: 'older', providerChargeId: 'pi_older', amount: units(300), state: 'open' },
      ],
      charges: [expect.objectContaining({ attemptId: 'new' }), expect.objectContaining({ attemptId: 'older' })],
    });
  });

  it('skips a charge under dispute, which the provider refuses to refund', () => {
    const plan = planRefund(units(100), [
      charge('disputed', units(500), { disputedCredit: units(500) }),
      charge('clean', units(500)),
    ]);
    expect(plan.kind === 'planned' && plan.parts.map((part) => part.attemptId)).toEqual(['clean']);
  });

  it('says how much the charges carry when they carry less than asked', () => {
    expect(planRefund(units(1_200), [charge('a', units(500)), charge('b', units(500))])).toEqual({
      kind: 'short',
      refundable: units(1_000),
      tooManyCharges: false,
    });
  });

  it('refuses to spread one refund over more charges than one transaction can hold', () => {
    const many = Array.from({ length: MAX_REFUND_PARTS + 5 }, (_, index) => charge(`c${index}`, units(10)));
    expect(planRefund(units(10 * (MAX_REFUND_PARTS + 1)), many)).toEqual({
      kind: 'short',
      refundable: units(10 * MAX_REFUND_PARTS),
      tooManyCharges: true,
    });
  });

  it('plans parts that add up to the amount, each within its charge', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 2_000_000 }),
        (creditsCents, amountCents) => {
          const charges = creditsCents.map((cents, index) => charge(`c${index}`, micros(cents * MICROS_PER_CENT)));
          const plan = planRefund(micros(amountCents * MICROS_PER_CENT), charges);
          if (plan.kind === 'short') return;
          const total = plan.parts.reduce((sum, part) => sum + part.amount, 0);
          expect(total).toBe(amountCents * MICROS_PER_CENT);
          plan.parts.forEach((part, index) => {
            expect(part.amount).toBeGreaterThan(0);
            expect(part.amount).toBeLessThanOrEqual(creditLeft(plan.charges[index] as CreditedCharge));
          });
        },
      ),
    );
  });
});

describe('the steps of a dispute', () => {
  const walk = (reports: readonly DisputeStatus[]): DisputeStatus[] => {
    const booked: DisputeStatus[] = [];
    let stored: DisputeStatus | undefined;
    for (const report of reports) {
      for (let next = nextDisputeState(stored, report); next !== undefined; next = nextDisputeState(stored, report)) {
        booked.push(next);
        stored = next;
      }
    }
    return booked;
  };

  it('books the chargeback before the outcome, whatever order the reports come in', () => {
    expect(walk(['open', 'won'])).toEqual(['open', 'won']);
    expect(walk(['won', 'open'])).toEqual(['open', 'won']);
    expect(walk(['lost', 'open', 'lost'])).toEqual(['open', 'lost']);
  });

  it('takes no money for an inquiry, and books the chargeback when it becomes a dispute', () => {
    expect(walk(['inquiry', 'inquiry-closed'])).toEqual(['inquiry', 'inquiry-closed']);
    expect(walk(['inquiry', 'open', 'won'])).toEqual(['inquiry', 'open', 'won']);
  });

  it('never leaves a won dispute, and credits back a lost one won on appeal', () => {
    expect(walk(['won', 'lost', 'open', 'inquiry'])).toEqual(['open', 'won']);
    expect(walk(['lost', 'open', 'won'])).toEqual(['open', 'lost', 'won']);
  });
});
