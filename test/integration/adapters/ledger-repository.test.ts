import fc from 'fast-check';
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
import { type TestTable, createTestTable } from '../../support/billing-table';
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
            posting('credit-4', { kind: 'usage', amount: parseAmount('-1.00'), idempotencyKey: `u-${index}` }),
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
    const kinds: EntryKind[] = ['usage', 'recharge', 'payment', 'adjustment'];
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
