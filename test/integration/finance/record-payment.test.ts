import { CurrencyMismatchError, PostingConflictError, UnknownPartnerError } from '../../../functions/domain/errors';
import {
  InvalidPaymentAmountError,
  InvalidPaymentReferenceError,
} from '../../../functions/domain/finance/finance-errors';
import { recordPayment } from '../../../functions/domain/finance/record-payment';
import { formatAmount, parseAmount } from '../../../functions/domain/money';
import { FinanceHarness } from '../../support/finance-harness';

const amount = parseAmount;

describe('Use case: recordPayment', () => {
  let harness: FinanceHarness;

  beforeAll(async () => {
    harness = await FinanceHarness.start();
  });

  afterAll(async () => {
    await harness.stop();
  });

  let numbers = 0;
  const nextNumber = () => {
    numbers += 1;
    return `+491510000${String(numbers).padStart(4, '0')}`;
  };

  /** A partner at -20.00, blocked with its two numbers. */
  async function blockedPartner(partnerId: string): Promise<void> {
    harness.at('2026-11-02T10:00:00Z');
    await harness.recharge.open(partnerId, '500.00');
    await harness.recharge.channels.register(partnerId, nextNumber(), harness.recharge.clock.now());
    await harness.recharge.channels.register(partnerId, nextNumber(), harness.recharge.clock.now());
    await harness.recharge.spend(partnerId, '520.00', 'u-1');
    await harness.block(partnerId);
  }

  it('credits the balance with a payment entry keyed by the reference', async () => {
    // Prepare
    harness.at('2026-11-10T09:00:00Z');
    await harness.recharge.open('pay-1', '500.00');
    await harness.recharge.spend('pay-1', '120.00', 'u-1');

    // Act
    const result = await harness.pay('pay-1', '250.00', 'SEPA 2026-11-0042');

    // Assess
    expect(result).toMatchObject({
      outcome: 'recorded',
      unblocked: false,
      account: { liveBalance: amount('630.00'), status: 'active' },
    });
    expect(result.entry).toMatchObject({
      kind: 'payment',
      entryId: 'payment:SEPA 2026-11-0042',
      amount: amount('250.00'),
      currency: 'EUR',
    });
    expect(await harness.recharge.ledgerSum('pay-1')).toBe(amount('630.00'));
    expect(await harness.events.ofType('PartnerUnblocked', 'pay-1')).toEqual([]);
  });

  it('unblocks a blocked partner and its channels when the payment brings the balance back to >= 0', async () => {
    // Prepare
    await blockedPartner('pay-2');
    expect(await harness.channelStatuses('pay-2')).toEqual(['blocked', 'blocked']);

    // Act
    harness.at('2026-11-12T15:00:00Z');
    const result = await harness.pay('pay-2', '20.00', 'BANK-77');

    // Assess
    expect(result.unblocked).toBe(true);
    const account = await harness.recharge.ledger.getPartner('pay-2');
    expect(account).toMatchObject({ status: 'active', liveBalance: amount('0.00') });
    expect(account?.overdueSince).toBeUndefined();
    expect(account?.blockedAt).toBeUndefined();
    expect(await harness.channelStatuses('pay-2')).toEqual(['active', 'active']);
    const unblocked = await harness.events.ofType('PartnerUnblocked', 'pay-2');
    expect(unblocked).toHaveLength(1);
    expect(unblocked[0]?.detail).toMatchObject({ currency: 'EUR', liveBalance: '0.00', reference: 'BANK-77' });
  });

  it('keeps a partner blocked when the payment leaves the balance below 0', async () => {
    await blockedPartner('pay-3');

    const result = await harness.pay('pay-3', '19.99', 'BANK-78');

    expect(result.unblocked).toBe(false);
    expect(await harness.recharge.ledger.getPartner('pay-3')).toMatchObject({
      status: 'blocked',
      liveBalance: amount('-0.01'),
    });
    expect(await harness.channelStatuses('pay-3')).toEqual(['blocked', 'blocked']);
    expect(await harness.events.ofType('PartnerUnblocked', 'pay-3')).toEqual([]);
  });

  it('changes nothing when the same reference is paid again with the same amount', async () => {
    // Prepare
    await blockedPartner('pay-4');
    harness.at('2026-11-12T15:00:00Z');
    const first = await harness.pay('pay-4', '100.00', 'BANK-79');
    const before = await harness.recharge.ledger.getPartner('pay-4');

    // Act
    harness.at('2026-11-13T08:00:00Z');
    const second = await harness.pay('pay-4', '100.00', 'BANK-79');

    // Assess
    expect(second.outcome).toBe('duplicate');
    expect(second.entry).toEqual(first.entry);
    expect(second.unblocked).toBe(false);
    expect(await harness.recharge.ledger.getPartner('pay-4')).toEqual(before);
    expect((await harness.entries('pay-4')).filter((entry) => entry.kind === 'payment')).toHaveLength(1);
    expect(await harness.events.ofType('PartnerUnblocked', 'pay-4')).toHaveLength(1);
    expect(await harness.channelStatuses('pay-4')).toEqual(['active', 'active']);
  });

  it('refuses the same reference with another amount as a conflict and changes nothing', async () => {
    harness.at('2026-11-10T09:00:00Z');
    await harness.recharge.open('pay-5', '500.00');
    await harness.pay('pay-5', '100.00', 'BANK-80');

    await expect(harness.pay('pay-5', '100.01', 'BANK-80')).rejects.toThrow(PostingConflictError);

    expect((await harness.recharge.ledger.getPartner('pay-5'))?.liveBalance).toBe(amount('600.00'));
  });

  it('keeps references apart per partner', async () => {
    harness.at('2026-11-10T09:00:00Z');
    await harness.recharge.open('pay-6a', '500.00');
    await harness.recharge.open('pay-6b', '500.00');

    const results = [
      await harness.pay('pay-6a', '10.00', 'SHARED-1'),
      await harness.pay('pay-6b', '20.00', 'SHARED-1'),
    ];

    expect(results.map((result) => result.outcome)).toEqual(['recorded', 'recorded']);
    expect(formatAmount((await harness.recharge.ledger.getPartner('pay-6b'))?.liveBalance ?? amount('0.00'))).toBe(
      '520.00',
    );
  });

  it('records one payment for two concurrent calls with the same reference', async () => {
    harness.at('2026-11-10T09:00:00Z');
    await harness.recharge.open('pay-7', '500.00');

    const results = await Promise.all([
      harness.pay('pay-7', '50.00', 'BANK-81'),
      harness.pay('pay-7', '50.00', 'BANK-81'),
    ]);

    expect(results.map((result) => result.outcome).sort()).toEqual(['duplicate', 'recorded']);
    expect((await harness.recharge.ledger.getPartner('pay-7'))?.liveBalance).toBe(amount('550.00'));
  });

  it.each([
    ['an unknown partner', { partnerId: 'nobody', amount: amount('10.00'), reference: 'R-1' }, UnknownPartnerError],
    ['a zero amount', { partnerId: 'pay-1', amount: amount('0.00'), reference: 'R-2' }, InvalidPaymentAmountError],
    ['a negative amount', { partnerId: 'pay-1', amount: amount('-5.00'), reference: 'R-3' }, InvalidPaymentAmountError],
    [
      'an empty reference',
      { partnerId: 'pay-1', amount: amount('10.00'), reference: '' },
      InvalidPaymentReferenceError,
    ],
    [
      'a reference with a line break',
      { partnerId: 'pay-1', amount: amount('10.00'), reference: 'R\n4' },
      InvalidPaymentReferenceError,
    ],
    [
      'another currency',
      { partnerId: 'pay-1', amount: amount('10.00'), reference: 'R-5', currency: 'USD' as const },
      CurrencyMismatchError,
    ],
  ])('refuses %s', async (_, request, error) => {
    await expect(recordPayment(request, harness.deps)).rejects.toThrow(error);
  });
});
