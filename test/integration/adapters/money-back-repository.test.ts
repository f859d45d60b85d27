import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DISPUTED_CARD } from '../../../functions/adapters/dynamodb/money-back-writes';
import { licensedKey } from '../../../functions/adapters/dynamodb/keys';
import { markLicensedWrite } from '../../../functions/adapters/dynamodb/license-repository';
import { InvalidCursorError } from '../../../functions/domain/errors';
import type { DomainEvent } from '../../../functions/domain/events';
import type {
  CreditedCharge,
  DisputeRecord,
  OperatorRefund,
  RefundPart,
} from '../../../functions/domain/money-back/money-back-ports';
import { type Micros, ZERO, formatAmount, parseAmount } from '../../../functions/domain/money';
import type { CreditEvents } from '../../../functions/domain/ports';
import { type TestTable, createTestTable } from '../../support/billing-table';
import { MoneyBackBooks } from '../../support/money-back-books';
import { block, startOverdueClock } from '../../support/standing';

const amount = parseAmount;
const at = (time: string) => new Date(time);

function dispute(charge: CreditedCharge, overrides: Partial<DisputeRecord> = {}): DisputeRecord {
  return {
    partnerId: charge.partnerId,
    disputeId: `dp_${charge.attemptId}`,
    attemptId: charge.attemptId,
    providerChargeId: charge.providerChargeId,
    currency: charge.currency,
    chargeKind: 'credit',
    amountCents: 52_000,
    reason: 'fraudulent',
    state: 'open',
    chargeback: charge.credit,
    openedAt: at('2026-11-10T09:00:00Z'),
    updatedAt: at('2026-11-10T09:00:00Z'),
    ...overrides,
  };
}

/** The event a step commits, with the balance and unblocking the repository hands it. */
const noted =
  (type: DomainEvent['type'], partnerId: string, time: Date): CreditEvents =>
  ({ liveBalance, unblocked }) => [
    { type, time, detail: { partnerId, liveBalance: formatAmount(liveBalance), unblocked } },
  ];

function refundOf(partnerId: string, reference: string, parts: readonly RefundPart[]): OperatorRefund {
  return {
    partnerId,
    reference,
    currency: 'EUR',
    amount: parts.reduce((total, part) => total + part.amount, 0) as Micros,
    requestedAt: at('2026-11-12T09:00:00Z'),
    parts,
    state: 'open',
  };
}

const partOf = (charge: CreditedCharge, refunded: string): RefundPart => ({
  attemptId: charge.attemptId,
  providerChargeId: charge.providerChargeId,
  amount: amount(refunded),
  state: 'open',
});

describe('Class: DynamoDbMoneyBackRepository', () => {
  let table: TestTable;
  let books: MoneyBackBooks;

  beforeAll(async () => {
    table = await createTestTable();
    books = new MoneyBackBooks(table);
  });

  afterAll(async () => {
    await table.drop();
  });

  const repository = () => books.moneyBack;

  describe('Method: creditedCharge', () => {
    it('reads a paid attempt as a credited charge with nothing taken back yet', async () => {
      // Prepare
      await books.openPartner('charge-1', '0.00');

      // Act
      const charge = await books.charge('charge-1', '500.00', at('2026-11-02T09:00:00Z'));

      // Assess
      expect(charge).toMatchObject({
        partnerId: 'charge-1',
        providerChargeId: `pi_${charge.attemptId}`,
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        credit: amount('500.00'),
        total: amount('520.00'),
        settledAt: at('2026-11-02T09:00:00Z'),
        refundedCredit: 0,
        disputedCredit: 0,
        moneyBackVersion: 0,
      });
    });

    it('reads no credited charge from an attempt that has not been paid', async () => {
      // Prepare
      await books.openPartner('charge-2', '0.00');
      const attempt = await books.openCharge('charge-2', '500.00', at('2026-11-02T09:00:00Z'));

      // Act
      const charge = await repository().creditedCharge('charge-2', attempt.attemptId);

      // Assess
      expect(charge).toBeUndefined();
    });
  });

  describe('Method: creditedCharges', () => {
    it('lists the paid attempts newest first, page by page, leaving out the ones not paid', async () => {
      // Prepare: five paid charges and a declined one among them.
      await books.openPartner('list-1', '0.00');
      const paid: string[] = [];
      for (const day of ['02', '03', '04'])
        paid.push((await books.charge('list-1', '100.00', at(`2026-11-${day}T09:00:00Z`))).attemptId);
      const declined = await books.openCharge('list-1', '100.00', at('2026-11-05T09:00:00Z'));
      await books.attempts.settleDeclined(
        declined,
        { code: 'card_declined', card: { soft: 1 } },
        at('2026-11-05T09:00:00Z'),
        {
          type: 'RechargeFailed',
          time: at('2026-11-05T09:00:00Z'),
          detail: { partnerId: 'list-1' },
        },
      );
      for (const day of ['06', '07'])
        paid.push((await books.charge('list-1', '100.00', at(`2026-11-${day}T09:00:00Z`))).attemptId);

      // Act
      const listed: string[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await repository().creditedCharges('list-1', {
          limit: 2,
          ...(cursor !== undefined && { cursor }),
        });
        listed.push(...page.charges.map((charge) => charge.attemptId));
        pages.push(page.charges.length);
        cursor = page.nextCursor;
      } while (cursor !== undefined);

      // Assess
      expect(listed).toEqual([...paid].reverse());
      expect(pages).toEqual([2, 2, 1]);
    });

    it("refuses a cursor of another partner's list", async () => {
      // Prepare
      await books.openPartner('list-2', '0.00');
      await books.openPartner('list-3', '0.00');
      for (const day of ['02', '03']) await books.charge('list-2', '100.00', at(`2026-11-${day}T09:00:00Z`));
      const { nextCursor } = await repository().creditedCharges('list-2', { limit: 1 });

      // Act
      const read = repository().creditedCharges('list-3', { limit: 1, cursor: nextCursor ?? '' });

      // Assess
      await expect(read).rejects.toThrow(InvalidCursorError);
    });
  });

  describe('Method: moveDispute', () => {
    it('records an inquiry without moving money, once', async () => {
      // Prepare
      await books.openPartner('inquiry-1', '0.00');
      const charge = await books.charge('inquiry-1', '500.00', at('2026-11-02T09:00:00Z'));
      const record = dispute(charge, { state: 'inquiry', chargeback: ZERO });
      const time = at('2026-11-10T09:00:00Z');

      // Act
      const first = await repository().moveDispute(
        { record, from: undefined },
        noted('ChargeDisputed', 'inquiry-1', time),
      );
      const again = await repository().moveDispute(
        { record, from: undefined },
        noted('ChargeDisputed', 'inquiry-1', time),
      );

      // Assess
      expect([first, again]).toEqual(['moved', 'stale']);
      expect(await repository().getDispute('inquiry-1', record.disputeId)).toEqual(record);
      expect(await books.books('inquiry-1')).toEqual({ liveBalance: amount('500.00'), ledgerSum: amount('500.00') });
      expect((await books.events('inquiry-1', 'ChargeDisputed')).map((event) => event.detail.liveBalance)).toEqual([
        '500.00',
      ]);
    });

    it('books a chargeback below 0: the debit, its entry, the charge noted at its version, the card never charged again', async () => {
      // Prepare: 500.00 credited, 450.00 spent.
      await books.openPartner('chargeback-1', '0.00', { backupPaymentMethod: 'pm_card_mastercard' });
      const charge = await books.charge('chargeback-1', '500.00', at('2026-11-02T09:00:00Z'));
      await books.spend('chargeback-1', '450.00', 'u-1', at('2026-11-03T09:00:00Z'));
      const record = dispute(charge);

      // Act
      const moved = await repository().moveDispute(
        { record, from: undefined, posting: 'chargeback', chargeVersion: 0, paymentMethod: charge.paymentMethod },
        noted('ChargeDisputed', 'chargeback-1', record.updatedAt),
      );

      // Assess
      expect(moved).toBe('moved');
      expect(await books.books('chargeback-1')).toEqual({
        liveBalance: amount('-450.00'),
        ledgerSum: amount('-450.00'),
      });
      expect((await books.entries('chargeback-1')).find((entry) => entry.kind === 'chargeback')).toMatchObject({
        idempotencyKey: record.disputeId,
        amount: amount('-500.00'),
        postedAt: record.updatedAt,
      });
      expect(await repository().creditedCharge('chargeback-1', charge.attemptId)).toMatchObject({
        disputedCredit: amount('500.00'),
        refundedCredit: 0,
        moneyBackVersion: 1,
      });
      const account = await books.account('chargeback-1');
      expect(account.cardDeclines).toEqual({ primary: { soft: 0, hard: DISPUTED_CARD }, backup: { soft: 0 } });
      expect(await repository().getDispute('chargeback-1', record.disputeId)).toEqual(record);
      expect((await books.events('chargeback-1', 'ChargeDisputed')).map((event) => event.detail.liveBalance)).toEqual([
        '-450.00',
      ]);
    });

    it('answers stale and books nothing when the charge moved since it was read, or the step was applied', async () => {
      // Prepare: the chargeback is booked once.
      await books.openPartner('chargeback-2', '0.00');
      const charge = await books.charge('chargeback-2', '500.00', at('2026-11-02T09:00:00Z'));
      const step = { record: dispute(charge), from: undefined, posting: 'chargeback' as const, chargeVersion: 0 };
      await repository().moveDispute(step, () => []);

      // Act
      const repeated = await repository().moveDispute(step, () => []);
      const other = await repository().moveDispute(
        { ...step, record: dispute(charge, { disputeId: 'dp_other' }) },
        () => [],
      );

      // Assess
      expect([repeated, other]).toEqual(['stale', 'stale']);
      expect(await repository().getDispute('chargeback-2', 'dp_other')).toBeUndefined();
      expect(await books.books('chargeback-2')).toEqual({ liveBalance: 0, ledgerSum: 0 });
    });

    it('marks no card the partner replaced meanwhile', async () => {
      // Prepare
      await books.openPartner('chargeback-3', '0.00');
      const charge = await books.charge('chargeback-3', '500.00', at('2026-11-02T09:00:00Z'));
      await books.ledger.setCard({
        partnerId: 'chargeback-3',
        role: 'primary',
        paymentMethod: 'pm_card_mastercard',
        at: at('2026-11-05T09:00:00Z'),
      });

      // Act
      await repository().moveDispute(
        {
          record: dispute(charge),
          from: undefined,
          posting: 'chargeback',
          chargeVersion: 0,
          paymentMethod: charge.paymentMethod,
        },
        () => [],
      );

      // Assess
      const account = await books.account('chargeback-3');
      expect(account.paymentMethod).toBe('pm_card_mastercard');
      expect(account.cardDeclines.primary).toEqual({ soft: 0 });
      expect(account.liveBalance).toBe(amount('0.00'));
    });

    it('credits a won dispute back once, unblocking a blocked partner, and gives the credit back to its charge', async () => {
      // Prepare: the chargeback takes the partner to -100.00, blocked 7 days later.
      await books.openPartner('won-1', '0.00');
      const charge = await books.charge('won-1', '500.00', at('2026-11-02T09:00:00Z'));
      await books.spend('won-1', '100.00', 'u-1', at('2026-11-03T09:00:00Z'));
      const opened = dispute(charge, { updatedAt: at('2026-11-10T09:00:00Z') });
      await repository().moveDispute(
        { record: opened, from: undefined, posting: 'chargeback', chargeVersion: 0 },
        () => [],
      );
      await startOverdueClock(books.ledger, 'won-1', at('2026-11-10T09:00:00Z'));
      await block(books.ledger, books.runs, 'won-1', at('2026-11-18T00:00:00Z'));
      expect((await books.account('won-1')).status).toBe('blocked');
      const won = { ...opened, state: 'won' as const, updatedAt: at('2026-11-20T09:00:00Z') };
      const step = { record: won, from: 'open' as const, posting: 'chargeback-reversal' as const };

      // Act
      const first = await repository().moveDispute(step, noted('DisputeClosed', 'won-1', won.updatedAt));
      const again = await repository().moveDispute(step, noted('DisputeClosed', 'won-1', won.updatedAt));

      // Assess
      expect([first, again]).toEqual(['moved', 'stale']);
      expect(await books.account('won-1')).toMatchObject({ status: 'active', liveBalance: amount('400.00') });
      expect((await books.account('won-1')).overdueSince).toBeUndefined();
      expect(await books.books('won-1')).toEqual({ liveBalance: amount('400.00'), ledgerSum: amount('400.00') });
      expect((await books.entries('won-1')).find((entry) => entry.kind === 'chargeback-reversal')).toMatchObject({
        idempotencyKey: opened.disputeId,
        amount: amount('500.00'),
      });
      expect(await repository().creditedCharge('won-1', charge.attemptId)).toMatchObject({
        disputedCredit: 0,
        moneyBackVersion: 2,
      });
      expect((await books.events('won-1', 'DisputeClosed')).map((event) => event.detail)).toEqual([
        expect.objectContaining({ liveBalance: '400.00', unblocked: true }),
      ]);
    });

    it('records a lost dispute without moving money', async () => {
      // Prepare
      await books.openPartner('lost-1', '0.00');
      const charge = await books.charge('lost-1', '500.00', at('2026-11-02T09:00:00Z'));
      const opened = dispute(charge);
      await repository().moveDispute(
        { record: opened, from: undefined, posting: 'chargeback', chargeVersion: 0 },
        () => [],
      );
      const lost = { ...opened, state: 'lost' as const, updatedAt: at('2026-11-20T09:00:00Z') };

      // Act
      const moved = await repository().moveDispute(
        { record: lost, from: 'open' },
        noted('DisputeClosed', 'lost-1', lost.updatedAt),
      );

      // Assess
      expect(moved).toBe('moved');
      expect(await repository().getDispute('lost-1', opened.disputeId)).toEqual(lost);
      expect(await books.books('lost-1')).toEqual({ liveBalance: 0, ledgerSum: 0 });
      expect((await repository().creditedCharge('lost-1', charge.attemptId))?.disputedCredit).toBe(amount('500.00'));
    });
  });

  describe('Method: bookProviderRefund', () => {
    it('debits the credit part once, notes it on the charge, and commits its events', async () => {
      // Prepare
      await books.openPartner('provider-1', '0.00');
      const charge = await books.charge('provider-1', '500.00', at('2026-11-02T09:00:00Z'));
      const booking = {
        charge,
        refundId: 're_1',
        amountCents: 10_000,
        creditPart: amount('100.00'),
        at: at('2026-11-10T09:00:00Z'),
      };
      const event: DomainEvent = { type: 'ChargeRefunded', time: booking.at, detail: { partnerId: 'provider-1' } };

      // Act
      const first = await repository().bookProviderRefund(booking, [event]);
      const again = await repository().bookProviderRefund(booking, [event]);

      // Assess
      expect([first, again]).toEqual(['booked', 'duplicate']);
      expect(await books.books('provider-1')).toEqual({ liveBalance: amount('400.00'), ledgerSum: amount('400.00') });
      expect((await books.entries('provider-1')).find((entry) => entry.kind === 'refund')).toMatchObject({
        idempotencyKey: 'provider:re_1',
        amount: amount('-100.00'),
      });
      expect(await repository().creditedCharge('provider-1', charge.attemptId)).toMatchObject({
        refundedCredit: amount('100.00'),
        moneyBackVersion: 1,
      });
      expect(await books.events('provider-1', 'ChargeRefunded')).toHaveLength(1);
    });

    it('answers stale for a charge read before it changed, and books a refund of no credit without an entry', async () => {
      // Prepare: a first refund moved the charge to version 1.
      await books.openPartner('provider-2', '0.00');
      const read = await books.charge('provider-2', '500.00', at('2026-11-02T09:00:00Z'));
      const base = { amountCents: 10_000, creditPart: amount('100.00'), at: at('2026-11-10T09:00:00Z') };
      await repository().bookProviderRefund({ ...base, charge: read, refundId: 're_a' }, []);

      // Act
      const stale = await repository().bookProviderRefund({ ...base, charge: read, refundId: 're_b' }, []);
      const current = await books.creditedCharge('provider-2', read.attemptId);
      const feeOnly = await repository().bookProviderRefund(
        { ...base, charge: current, refundId: 're_c', amountCents: 800, creditPart: ZERO },
        [],
      );

      // Assess
      expect([stale, feeOnly]).toEqual(['stale', 'booked']);
      expect((await books.entries('provider-2')).filter((entry) => entry.kind === 'refund')).toHaveLength(1);
      expect(await books.books('provider-2')).toEqual({ liveBalance: amount('400.00'), ledgerSum: amount('400.00') });
      expect(await repository().creditedCharge('provider-2', read.attemptId)).toMatchObject({
        refundedCredit: amount('100.00'),
        moneyBackVersion: 2,
      });
    });
  });

  describe('Method: openOperatorRefund', () => {
    it('debits the refund, takes the refund slot and notes each part on its charge, in one write', async () => {
      // Prepare
      await books.openPartner('open-1', '0.00');
      const older = await books.charge('open-1', '500.00', at('2026-11-02T09:00:00Z'));
      const newer = await books.charge('open-1', '200.00', at('2026-11-03T09:00:00Z'));
      const refund = refundOf('open-1', 'ref-1', [partOf(newer, '200.00'), partOf(older, '150.00')]);

      // Act
      const outcome = await repository().openOperatorRefund(refund, [newer, older]);

      // Assess
      expect(outcome).toBe('opened');
      expect(await repository().getOperatorRefund('open-1', 'ref-1')).toEqual(refund);
      expect(await books.account('open-1')).toMatchObject({ refundInFlight: 'ref-1', liveBalance: amount('350.00') });
      expect(await books.books('open-1')).toEqual({ liveBalance: amount('350.00'), ledgerSum: amount('350.00') });
      expect((await books.entries('open-1')).find((entry) => entry.kind === 'refund')).toMatchObject({
        idempotencyKey: 'operator:ref-1',
        amount: amount('-350.00'),
      });
      expect(await repository().creditedCharge('open-1', newer.attemptId)).toMatchObject({
        refundedCredit: amount('200.00'),
        moneyBackVersion: 1,
      });
      expect((await repository().creditedCharge('open-1', older.attemptId))?.refundedCredit).toBe(amount('150.00'));
    });

    it('answers exists for the same reference and busy for another while one is in flight', async () => {
      // Prepare
      await books.openPartner('open-2', '0.00');
      const charge = await books.charge('open-2', '500.00', at('2026-11-02T09:00:00Z'));
      const refund = refundOf('open-2', 'ref-1', [partOf(charge, '100.00')]);
      await repository().openOperatorRefund(refund, [charge]);
      const current = await books.creditedCharge('open-2', charge.attemptId);

      // Act
      const repeated = await repository().openOperatorRefund(refund, [current]);
      const other = await repository().openOperatorRefund(refundOf('open-2', 'ref-2', [partOf(current, '100.00')]), [
        current,
      ]);

      // Assess
      expect([repeated, other]).toEqual(['exists', 'busy']);
      expect(await books.books('open-2')).toEqual({ liveBalance: amount('400.00'), ledgerSum: amount('400.00') });
    });

    it('answers balance-too-low, charges-changed and unknown-partner without writing anything', async () => {
      // Prepare: 500.00 credited, 450.00 spent; a refund moved the charge since `read`.
      await books.openPartner('open-3', '0.00');
      const read = await books.charge('open-3', '500.00', at('2026-11-02T09:00:00Z'));
      await repository().bookProviderRefund(
        {
          charge: read,
          refundId: 're_1',
          amountCents: 1_000,
          creditPart: amount('10.00'),
          at: at('2026-11-03T09:00:00Z'),
        },
        [],
      );
      await books.spend('open-3', '450.00', 'u-1', at('2026-11-04T09:00:00Z'));
      const current = await books.creditedCharge('open-3', read.attemptId);

      // Act
      const tooMuch = await repository().openOperatorRefund(refundOf('open-3', 'ref-1', [partOf(current, '60.00')]), [
        current,
      ]);
      const changed = await repository().openOperatorRefund(refundOf('open-3', 'ref-2', [partOf(read, '20.00')]), [
        read,
      ]);
      const unknown = await repository().openOperatorRefund(
        { ...refundOf('open-3', 'ref-3', [partOf(current, '20.00')]), partnerId: 'nobody' },
        [{ ...current, partnerId: 'nobody' }],
      );

      // Assess
      expect([tooMuch, changed, unknown]).toEqual(['balance-too-low', 'charges-changed', 'unknown-partner']);
      expect(await repository().getOperatorRefund('open-3', 'ref-1')).toBeUndefined();
      expect(await repository().getOperatorRefund('open-3', 'ref-2')).toBeUndefined();
      expect(await books.account('open-3')).not.toHaveProperty('refundInFlight');
      expect(await books.books('open-3')).toEqual({ liveBalance: amount('40.00'), ledgerSum: amount('40.00') });
    });
  });

  describe('Method: settleRefundPart', () => {
    it('keeps the debit of a part the provider refunded, once', async () => {
      // Prepare
      await books.openPartner('settle-1', '0.00');
      const charge = await books.charge('settle-1', '500.00', at('2026-11-02T09:00:00Z'));
      const refund = refundOf('settle-1', 'ref-1', [partOf(charge, '100.00')]);
      await repository().openOperatorRefund(refund, [charge]);

      // Act
      const first = await repository().settleRefundPart(
        refund,
        charge.attemptId,
        { refundId: 're_1' },
        at('2026-11-12T10:00:00Z'),
      );
      const again = await repository().settleRefundPart(
        refund,
        charge.attemptId,
        { refusedBecause: 'late' },
        at('2026-11-12T11:00:00Z'),
      );

      // Assess
      expect([first, again]).toEqual(['settled', 'already-settled']);
      expect((await repository().getOperatorRefund('settle-1', 'ref-1'))?.parts).toEqual([
        { ...partOf(charge, '100.00'), state: 'refunded', refundId: 're_1' },
      ]);
      expect(await books.books('settle-1')).toEqual({ liveBalance: amount('400.00'), ledgerSum: amount('400.00') });
    });

    it('releases a refused part back to the balance and its charge, once', async () => {
      // Prepare
      await books.openPartner('settle-2', '0.00');
      const first = await books.charge('settle-2', '500.00', at('2026-11-02T09:00:00Z'));
      const second = await books.charge('settle-2', '300.00', at('2026-11-03T09:00:00Z'));
      const refund = refundOf('settle-2', 'ref-1', [partOf(second, '300.00'), partOf(first, '100.00')]);
      await repository().openOperatorRefund(refund, [second, first]);
      const refused = at('2026-11-12T10:00:00Z');

      // Act
      const settled = await repository().settleRefundPart(
        refund,
        first.attemptId,
        { refusedBecause: 'charge_disputed' },
        refused,
      );
      const again = await repository().settleRefundPart(
        refund,
        first.attemptId,
        { refusedBecause: 'charge_disputed' },
        refused,
      );

      // Assess
      expect([settled, again]).toEqual(['settled', 'already-settled']);
      expect((await repository().getOperatorRefund('settle-2', 'ref-1'))?.parts).toEqual([
        partOf(second, '300.00'),
        { ...partOf(first, '100.00'), state: 'refused', reason: 'charge_disputed' },
      ]);
      expect(await books.books('settle-2')).toEqual({ liveBalance: amount('500.00'), ledgerSum: amount('500.00') });
      expect((await books.entries('settle-2')).find((entry) => entry.kind === 'refund-release')).toMatchObject({
        idempotencyKey: `ref-1:${first.attemptId}`,
        amount: amount('100.00'),
        postedAt: refused,
      });
      expect(await repository().creditedCharge('settle-2', first.attemptId)).toMatchObject({
        refundedCredit: 0,
        moneyBackVersion: 2,
      });
    });

    it('unblocks a partner blocked since the refund was opened when a refused part brings it back to 0', async () => {
      // Prepare: 100.00 of 500.00 refunded, then 450.00 spent: -50.00, blocked.
      await books.openPartner('settle-3', '0.00');
      const charge = await books.charge('settle-3', '500.00', at('2026-11-02T09:00:00Z'));
      const refund = refundOf('settle-3', 'ref-1', [partOf(charge, '100.00')]);
      await repository().openOperatorRefund(refund, [charge]);
      await books.spend('settle-3', '450.00', 'u-1', at('2026-11-02T10:00:00Z'));
      await startOverdueClock(books.ledger, 'settle-3', at('2026-11-02T10:00:00Z'));
      await block(books.ledger, books.runs, 'settle-3', at('2026-11-10T00:00:00Z'));

      // Act
      await repository().settleRefundPart(
        refund,
        charge.attemptId,
        { refusedBecause: 'expired_card' },
        at('2026-11-12T10:00:00Z'),
      );

      // Assess
      expect(await books.account('settle-3')).toMatchObject({ status: 'active', liveBalance: amount('50.00') });
      expect((await books.events('settle-3', 'PartnerUnblocked')).map((event) => event.detail)).toEqual([
        expect.objectContaining({ partnerId: 'settle-3', liveBalance: '50.00', reference: 'ref-1' }),
      ]);
    });
  });

  describe('Method: finishOperatorRefund', () => {
    it('marks the refund done and frees the refund slot, with its event, once', async () => {
      // Prepare
      await books.openPartner('finish-1', '0.00');
      const charge = await books.charge('finish-1', '500.00', at('2026-11-02T09:00:00Z'));
      const refund = refundOf('finish-1', 'ref-1', [partOf(charge, '100.00')]);
      await repository().openOperatorRefund(refund, [charge]);
      await repository().settleRefundPart(refund, charge.attemptId, { refundId: 're_1' }, at('2026-11-12T10:00:00Z'));
      const done = at('2026-11-12T10:05:00Z');
      const event: DomainEvent = { type: 'RefundIssued', time: done, detail: { partnerId: 'finish-1' } };

      // Act
      const first = await repository().finishOperatorRefund(refund, done, event);
      const again = await repository().finishOperatorRefund(refund, done, event);

      // Assess
      expect([first, again]).toEqual(['finished', 'already-finished']);
      expect(await repository().getOperatorRefund('finish-1', 'ref-1')).toMatchObject({
        state: 'done',
        finishedAt: done,
      });
      expect(await books.account('finish-1')).not.toHaveProperty('refundInFlight');
      expect(await books.events('finish-1', 'RefundIssued')).toHaveLength(1);
    });

    it('refuses to finish a refund with a part still open', async () => {
      // Prepare
      await books.openPartner('finish-2', '0.00');
      const charge = await books.charge('finish-2', '500.00', at('2026-11-02T09:00:00Z'));
      const refund = refundOf('finish-2', 'ref-1', [partOf(charge, '100.00')]);
      await repository().openOperatorRefund(refund, [charge]);

      // Act
      const finish = repository().finishOperatorRefund(refund, at('2026-11-12T10:05:00Z'), {
        type: 'RefundIssued',
        time: at('2026-11-12T10:05:00Z'),
        detail: { partnerId: 'finish-2' },
      });

      // Assess
      await expect(finish).rejects.toThrow();
      expect(await books.account('finish-2')).toMatchObject({ refundInFlight: 'ref-1' });
    });
  });

  describe('Method: closeAccount', () => {
    it('closes the account for good: no clock, no block, off the licensed list, with its event, once', async () => {
      // Prepare: a blocked partner with a hosted number.
      await books.openPartner('close-1', '0.00');
      await books.spend('close-1', '10.00', 'u-1', at('2026-11-02T10:00:00Z'));
      await startOverdueClock(books.ledger, 'close-1', at('2026-11-02T10:00:00Z'));
      await block(books.ledger, books.runs, 'close-1', at('2026-11-10T00:00:00Z'));
      const { Update: licensed } = markLicensedWrite(table.tableName, 'close-1', at('2026-11-01T09:00:00Z'));
      await table.client.send(new UpdateCommand(licensed));
      const closedAt = at('2026-11-15T09:00:00Z');
      const event: DomainEvent = { type: 'PartnerClosed', time: closedAt, detail: { partnerId: 'close-1' } };

      // Act
      const first = await repository().closeAccount('close-1', closedAt, event);
      const again = await repository().closeAccount('close-1', closedAt, event);
      const unknown = await repository().closeAccount('nobody', closedAt, event);

      // Assess
      expect([first, again, unknown]).toEqual(['closed', 'already-closed', 'unknown-partner']);
      const account = await books.account('close-1');
      expect(account).toMatchObject({ status: 'closed', closedAt, liveBalance: amount('-10.00') });
      expect(account).not.toHaveProperty('overdueSince');
      expect(account).not.toHaveProperty('blockedAt');
      expect(account).not.toHaveProperty('belowThresholdSince');
      const { Item: listed } = await table.client.send(
        new GetCommand({ TableName: table.tableName, Key: licensedKey('close-1'), ConsistentRead: true }),
      );
      expect(listed).toBeUndefined();
      expect(await books.events('close-1', 'PartnerClosed')).toHaveLength(1);
    });
  });
});
