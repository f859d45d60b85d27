import fc from 'fast-check';
import { cardAttributes } from '../../../functions/adapters/dynamodb/items';
import { DynamoDbLedgerRepository } from '../../../functions/adapters/dynamodb/ledger-repository';
import {
  CurrencyMismatchError,
  InvalidCursorError,
  PartnerExistsError,
  PostingConflictError,
  UnknownPartnerError,
} from '../../../functions/domain/errors';
import type { EntryKind, LedgerEntry, Posting } from '../../../functions/domain/ledger';
import { type Currency, type Micros, micros, parseAmount } from '../../../functions/domain/money';
import { DEFAULT_RECHARGE_SETTINGS } from '../../../functions/domain/recharge-rules';
import { NO_DECLINES } from '../../../functions/domain/recharge/decline-policy';
import { type TestTable, createTestTable } from '../../support/billing-table';
import { storeOnAccount } from '../../support/hostile-account';
import { startOverdueClock } from '../../support/standing';

const createdAt = new Date('2026-11-22T09:00:00Z');

function newPartner(partnerId: string, opening = '500.00', currency: Currency = 'EUR') {
  return {
    account: {
      partnerId,
      currency,
      paymentMethod: 'pm_card_visa',
      rechargeSettings: DEFAULT_RECHARGE_SETTINGS,
      createdAt,
    },
    openingBalance: parseAmount(opening),
  };
}

function posting(partnerId: string, overrides: Partial<Posting> = {}): Posting {
  return {
    partnerId,
    currency: 'EUR',
    kind: 'payment',
    idempotencyKey: 'bank-ref-1',
    amount: parseAmount('100.00'),
    postedAt: new Date('2026-11-22T10:00:00Z'),
    ...overrides,
  };
}

async function allEntries(repository: DynamoDbLedgerRepository, partnerId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await repository.ledgerPage(partnerId, { limit: 7, ...(cursor !== undefined && { cursor }) });
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return entries;
}

describe('Class: DynamoDbLedgerRepository', () => {
  let table: TestTable;
  let repository: DynamoDbLedgerRepository;

  beforeAll(async () => {
    table = await createTestTable();
    repository = new DynamoDbLedgerRepository(table.client, table.tableName);
  });

  afterAll(async () => {
    await table.drop();
  });

  describe('Method: createPartner', () => {
    it('opens the account with its remainder as the first ledger entry', async () => {
      // Act
      const { outcome, account } = await repository.createPartner(newPartner('create-1', '120.00'));

      // Assess
      expect(outcome).toBe('created');
      expect(account).toMatchObject({ status: 'active', liveBalance: parseAmount('120.00') });
      expect(await repository.getPartner('create-1')).toEqual(account);
      const [opening] = (await repository.ledgerPage('create-1', { limit: 10 })).entries;
      expect(opening).toMatchObject({ kind: 'opening', amount: parseAmount('120.00'), postedAt: createdAt });
    });

    it('answers a repeated create with the account it made, without a second opening entry', async () => {
      // Prepare
      await repository.createPartner(newPartner('create-2', '120.00'));

      // Act
      const { outcome, account } = await repository.createPartner(newPartner('create-2', '999.00'));

      // Assess
      expect(outcome).toBe('exists');
      expect(account.liveBalance).toBe(parseAmount('120.00'));
      expect((await repository.ledgerPage('create-2', { limit: 10 })).entries).toHaveLength(1);
    });

    it('refuses a second partner with the same id in another currency', async () => {
      await repository.createPartner(newPartner('create-3'));

      await expect(repository.createPartner(newPartner('create-3', '500.00', 'USD'))).rejects.toThrow(
        PartnerExistsError,
      );
    });
  });

  describe('Method: setCard', () => {
    const at = (time: string) => new Date(time);
    /** Declines as the settlements store them on the account item. */
    const storeDeclines = (partnerId: string, role: 'primary' | 'backup', soft: number, hard?: string) =>
      storeOnAccount(table, partnerId, {
        [cardAttributes(role).softDeclines]: soft,
        ...(hard !== undefined && { [cardAttributes(role).hardDecline]: hard }),
      });

    it('puts a card in the primary role with the time it was chosen, and starts its declines from zero', async () => {
      // Prepare
      await repository.createPartner(newPartner('card-1'));
      await storeDeclines('card-1', 'primary', 3, 'lost_card');

      // Act
      const outcome = await repository.setCard({
        partnerId: 'card-1',
        role: 'primary',
        paymentMethod: 'pm_card_mastercard',
        at: at('2026-11-22T10:00:00Z'),
      });

      // Assess
      expect(outcome).toBe('set');
      expect(await repository.getPartner('card-1')).toMatchObject({
        paymentMethod: 'pm_card_mastercard',
        cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
        cardsSetAt: { primary: at('2026-11-22T10:00:00Z') },
      });
    });

    it('keeps the declines of a card given again (a repeated request), and still moves the time it was chosen', async () => {
      // Prepare
      await repository.createPartner(newPartner('card-again'));
      const card = (await repository.getPartner('card-again'))?.paymentMethod ?? '';
      await storeDeclines('card-again', 'primary', 4);

      // Act
      const outcome = await repository.setCard({
        partnerId: 'card-again',
        role: 'primary',
        paymentMethod: card,
        at: at('2026-11-22T11:00:00Z'),
      });

      // Assess
      expect(outcome).toBe('set');
      expect(await repository.getPartner('card-again')).toMatchObject({
        paymentMethod: card,
        cardDeclines: { primary: { soft: 4 } },
        cardsSetAt: { primary: at('2026-11-22T11:00:00Z') },
      });
    });

    it('puts a backup card beside the primary, leaving the primary and its declines alone', async () => {
      // Prepare
      await repository.createPartner(newPartner('card-2'));
      await storeDeclines('card-2', 'primary', 2);
      await storeDeclines('card-2', 'backup', 5);

      // Act
      await repository.setCard({
        partnerId: 'card-2',
        role: 'backup',
        paymentMethod: 'pm_card_mastercard',
        at: at('2026-11-22T10:00:00Z'),
      });

      // Assess
      const account = await repository.getPartner('card-2');
      expect(account).toMatchObject({
        paymentMethod: 'pm_card_visa',
        backupPaymentMethod: 'pm_card_mastercard',
        cardDeclines: { primary: { soft: 2 }, backup: NO_DECLINES },
      });
      expect(account?.cardsSetAt).toEqual({ backup: at('2026-11-22T10:00:00Z') });
    });

    it('replaces the customer when one is given and keeps it when none is', async () => {
      // Prepare
      await repository.createPartner(newPartner('card-3'));

      // Act
      await repository.setCard({
        partnerId: 'card-3',
        role: 'primary',
        paymentMethod: 'pm_1',
        paymentCustomerId: 'cus_1',
        at: at('2026-11-22T10:00:00Z'),
      });
      await repository.setCard({
        partnerId: 'card-3',
        role: 'backup',
        paymentMethod: 'pm_2',
        at: at('2026-11-22T10:00:00Z'),
      });

      // Assess
      expect(await repository.getPartner('card-3')).toMatchObject({
        paymentMethod: 'pm_1',
        backupPaymentMethod: 'pm_2',
        paymentCustomerId: 'cus_1',
      });
    });

    it('does not apply a change older than the last one of that role, and applies one of the same time', async () => {
      // Prepare
      await repository.createPartner(newPartner('card-4'));
      await repository.setCard({
        partnerId: 'card-4',
        role: 'primary',
        paymentMethod: 'pm_new',
        at: at('2026-11-22T12:00:00Z'),
      });
      await storeDeclines('card-4', 'primary', 1);

      // Act
      const older = await repository.setCard({
        partnerId: 'card-4',
        role: 'primary',
        paymentMethod: 'pm_old',
        at: at('2026-11-22T11:59:59.999Z'),
      });
      const unchanged = await repository.getPartner('card-4');
      const otherRole = await repository.setCard({
        partnerId: 'card-4',
        role: 'backup',
        paymentMethod: 'pm_backup',
        at: at('2026-11-22T08:00:00Z'),
      });
      const sameTime = await repository.setCard({
        partnerId: 'card-4',
        role: 'primary',
        paymentMethod: 'pm_same_time',
        at: at('2026-11-22T12:00:00Z'),
      });

      // Assess
      expect([older, otherRole, sameTime]).toEqual(['superseded', 'set', 'set']);
      expect(unchanged).toMatchObject({ paymentMethod: 'pm_new', cardDeclines: { primary: { soft: 1 } } });
      expect(await repository.getPartner('card-4')).toMatchObject({
        paymentMethod: 'pm_same_time',
        backupPaymentMethod: 'pm_backup',
      });
    });

    it('answers unknown-partner for a partner that does not exist, and creates nothing', async () => {
      expect(
        await repository.setCard({ partnerId: 'card-none', role: 'primary', paymentMethod: 'pm_1', at: createdAt }),
      ).toBe('unknown-partner');
      expect(await repository.getPartner('card-none')).toBeUndefined();
    });
  });

  describe('Method: post', () => {
    it('moves the live balance and writes the entry in one step', async () => {
      // Prepare
      await repository.createPartner(newPartner('post-1'));

      // Act
      const result = await repository.post(posting('post-1', { amount: parseAmount('-20.0625'), kind: 'adjustment' }));

      // Assess
      expect(result.outcome).toBe('posted');
      expect((await repository.getPartner('post-1'))?.liveBalance).toBe(parseAmount('479.9375'));
      const [newest] = (await repository.ledgerPage('post-1', { limit: 1 })).entries;
      expect(newest).toEqual(result.entry);
    });

    it('changes nothing when the same entry is posted again, and returns the original', async () => {
      // Prepare
      await repository.createPartner(newPartner('post-2'));
      const first = await repository.post(posting('post-2'));

      // Act
      const again = await repository.post(posting('post-2', { postedAt: new Date('2026-11-23T10:00:00Z') }));

      // Assess
      expect(again).toEqual({ outcome: 'duplicate', entry: first.entry });
      expect((await repository.getPartner('post-2'))?.liveBalance).toBe(parseAmount('600.00'));
      expect((await repository.ledgerPage('post-2', { limit: 10 })).entries).toHaveLength(2);
    });

    it('refuses the same idempotency key with another amount as a conflict', async () => {
      await repository.createPartner(newPartner('post-3'));
      await repository.post(posting('post-3'));

      await expect(repository.post(posting('post-3', { amount: parseAmount('100.01') }))).rejects.toThrow(
        PostingConflictError,
      );
      expect((await repository.getPartner('post-3'))?.liveBalance).toBe(parseAmount('600.00'));
    });

    it('refuses a posting for a partner that does not exist', async () => {
      await expect(repository.post(posting('nobody'))).rejects.toThrow(UnknownPartnerError);
      expect(await repository.getPartner('nobody')).toBeUndefined();
    });

    it('refuses a posting in another currency than the contract', async () => {
      await repository.createPartner(newPartner('post-4'));

      await expect(repository.post(posting('post-4', { currency: 'USD' }))).rejects.toThrow(CurrencyMismatchError);
      expect((await repository.getPartner('post-4'))?.liveBalance).toBe(parseAmount('500.00'));
    });
  });

  describe('Method: postCredit', () => {
    it('returns an overdue partner to active when the credit brings the balance back to 0', async () => {
      // Prepare
      await repository.createPartner(newPartner('credit-1', '-20.00'));
      await startOverdueClock(repository, 'credit-1', new Date('2026-11-22T10:00:00Z'));

      // Act
      const result = await repository.postCredit(
        posting('credit-1', { amount: parseAmount('20.00'), idempotencyKey: 'bank-1' }),
      );

      // Assess
      expect(result).toMatchObject({ outcome: 'posted', unblocked: false });
      const account = await repository.getPartner('credit-1');
      expect(account).toMatchObject({ status: 'active', liveBalance: 0 });
      expect(account?.overdueSince).toBeUndefined();
    });

    it('keeps the partner overdue, with its clock, when the credit falls short', async () => {
      await repository.createPartner(newPartner('credit-2', '-20.00'));
      await startOverdueClock(repository, 'credit-2', new Date('2026-11-22T10:00:00Z'));

      await repository.postCredit(posting('credit-2', { amount: parseAmount('19.99'), idempotencyKey: 'bank-1' }));

      expect(await repository.getPartner('credit-2')).toMatchObject({
        status: 'overdue',
        liveBalance: parseAmount('-0.01'),
        overdueSince: new Date('2026-11-22T10:00:00Z'),
      });
    });

    it('changes nothing for a repeated reference and refuses one with another amount', async () => {
      await repository.createPartner(newPartner('credit-3', '0.00'));
      const first = await repository.postCredit(
        posting('credit-3', { amount: parseAmount('50.00'), idempotencyKey: 'bank-9' }),
      );

      const again = await repository.postCredit(
        posting('credit-3', { amount: parseAmount('50.00'), idempotencyKey: 'bank-9' }),
      );

      expect(again).toEqual({ outcome: 'duplicate', entry: first.entry, unblocked: false });
      await expect(
        repository.postCredit(posting('credit-3', { amount: parseAmount('60.00'), idempotencyKey: 'bank-9' })),
      ).rejects.toThrow(PostingConflictError);
      expect((await repository.getPartner('credit-3'))?.liveBalance).toBe(parseAmount('50.00'));
    });

    it('stays exact when debits race the credit', async () => {
      await repository.createPartner(newPartner('credit-4', '-5.00'));
      await startOverdueClock(repository, 'credit-4', new Date('2026-11-22T10:00:00Z'));

      await Promise.all([
        repository.postCredit(posting('credit-4', { amount: parseAmount('10.00'), idempotencyKey: 'bank-1' })),
        ...Array.from({ length: 8 }, (_, index) =>
          repository.post(
            posting('credit-4', { kind: 'adjustment', amount: parseAmount('-1.00'), idempotencyKey: `u-${index}` }),
          ),
        ),
      ]);

      // Whichever order the writes took, the status agrees with the clock.
      const account = await repository.getPartner('credit-4');
      expect(account?.liveBalance).toBe(parseAmount('-3.00'));
      expect(account?.status === 'overdue').toBe(account?.overdueSince !== undefined);
    });
  });

  describe('Method: ledgerPage', () => {
    it('lists entries newest first across pages with an opaque cursor', async () => {
      // Prepare
      await repository.createPartner(newPartner('page-1'));
      for (let day = 1; day <= 5; day += 1) {
        await repository.post(
          posting('page-1', { idempotencyKey: `ref-${day}`, postedAt: new Date(Date.UTC(2026, 11, day)) }),
        );
      }

      // Act
      const first = await repository.ledgerPage('page-1', { limit: 4 });
      const second = await repository.ledgerPage('page-1', { limit: 4, cursor: String(first.nextCursor) });

      // Assess
      expect([...first.entries, ...second.entries].map((entry) => entry.idempotencyKey)).toEqual([
        'ref-5',
        'ref-4',
        'ref-3',
        'ref-2',
        'ref-1',
        'page-1',
      ]);
      expect(second.nextCursor).toBeUndefined();
    });

    it('refuses a cursor it did not issue', async () => {
      await expect(repository.ledgerPage('page-1', { limit: 4, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(
        InvalidCursorError,
      );
    });
  });

  describe('Invariant: balance equals the sum of the ledger', () => {
    const partners = ['inv-a', 'inv-b', 'inv-c'];
    const kinds: EntryKind[] = ['refund', 'recharge', 'payment', 'adjustment'];
    const anyPosting = fc.record({
      partner: fc.constantFrom(...partners),
      kind: fc.constantFrom(...kinds),
      key: fc.integer({ min: 1, max: 12 }),
    });

    it('holds for random postings with duplicates, some applied concurrently, each entry counted once', async () => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(anyPosting, { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
          async (waves) => {
            // Prepare: fresh partners per run, so runs cannot see each other's postings.
            round += 1;
            const id = (partner: string) => `${partner}-${round}`;
            await Promise.all(partners.map((partner) => repository.createPartner(newPartner(id(partner), '0.00'))));
            // The amount of an idempotency key is fixed by the key, so a repeat is a true duplicate.
            const amountOf = (kind: EntryKind, key: number, partner: string): Micros =>
              micros((key % 2 === 0 ? -1 : 1) * (key * 1_000_003 + kind.length * 17 + partner.length));

            // Act: each wave's postings race each other; waves follow one another.
            for (const wave of waves) {
              await Promise.all(
                wave.map(({ partner, kind, key }) =>
                  repository.post(
                    posting(id(partner), {
                      kind,
                      idempotencyKey: `k${key}`,
                      amount: amountOf(kind, key, partner),
                      postedAt: new Date(Date.UTC(2026, 10, 22, 0, 0, key)),
                    }),
                  ),
                ),
              );
            }

            // Assess
            for (const partner of partners) {
              const entries = await allEntries(repository, id(partner));
              const ids = entries.map((entry) => entry.entryId);
              expect(new Set(ids).size).toBe(ids.length);
              const account = await repository.getPartner(id(partner));
              expect(account?.liveBalance).toBe(entries.reduce((total, entry) => total + entry.amount, 0));
              const distinct = new Map<string, number>();
              for (const wave of waves) {
                for (const p of wave.filter((candidate) => candidate.partner === partner)) {
                  distinct.set(`${p.kind}:k${p.key}`, amountOf(p.kind, p.key, partner));
                }
              }
              expect(ids.filter((entryId) => !entryId.startsWith('opening:')).sort()).toEqual(
                [...distinct.keys()].sort(),
              );
            }
          },
        ),
        { numRuns: 25 },
      );
    }, 120_000);
  });
});
