/**
 * Monthly statements through the API handler (docs/contract.md §15), against DynamoDB Local:
 * a November with usage in 3 categories on 4 channels, two recharges, a finance payment and
 * the reconciliation of October, closed by the daily run of 1 December. The statement's
 * figures are checked against the ledger and the balances the daily run published, and
 * its CSV and PDF against its JSON.
 */
import { type Day, dayOf } from '../../../functions/domain/daily/daily-run-ports';
import type { LedgerEntry } from '../../../functions/domain/ledger';
import { type Micros, formatAmount, negate, parseAmount, sum } from '../../../functions/domain/money';
import { type Month, monthRange } from '../../../functions/domain/month';
import type { UsageCategory } from '../../../functions/domain/usage/usage-event';
import { ApiHarness, OPERATOR_NAME } from '../../support/api-harness';
import { DailyHarness } from '../../support/daily-harness';
import { RechargeHarness } from '../../support/recharge-harness';
import { pdfText } from '../../support/pdf-text';
import { debitUsage } from '../../support/usage-debit';

const PARTNER = 'stmt-1';
const NOVEMBER = '2026-11' as Month;
const CHANNELS = ['+4915100000011', '+4915100000012', '+4915100000013', '+4915100000014'];
const STATEMENT = `/partners/${PARTNER}/statements/${NOVEMBER}`;

interface StatementBody {
  opening: string;
  closing: string;
  netMovement: string;
  usage: {
    conversations: number;
    amount: string;
    byCategory: { category: string; conversations: number; amount: string }[];
    byChannel: { channelId: string; conversations: number; amount: string }[];
  };
  movements: { kind: string; count: number; amount: string }[];
  dailyBalances: { day: Day; balance: string; published: boolean }[];
  cardCharges: { invoiceId: string; credited: string; cardFee: string; total: string }[];
  charged: { credited: string; cardFees: string; total: string };
}

let recharge: RechargeHarness;
let api: ApiHarness;
let daily: DailyHarness;

async function spend(key: string, amount: string, category: UsageCategory, channelId: string, at: string) {
  recharge.clock.set(new Date(at));
  await debitUsage(recharge.table.client, recharge.table.tableName, {
    partnerId: PARTNER,
    amount,
    key,
    at: recharge.clock.now(),
    category,
    channelId,
  });
}

async function entriesOf(month: Month): Promise<LedgerEntry[]> {
  const { start, end } = monthRange(month);
  const { entries } = await recharge.ledger.ledgerPage(PARTNER, { limit: 100 });
  return entries.filter((entry) => entry.postedAt >= start && entry.postedAt < end);
}

async function published(): Promise<Map<Day, string>> {
  const { snapshots } = await api.deps.runs.historyPage(PARTNER, { limit: 100 });
  return new Map(snapshots.map((snapshot) => [snapshot.day, formatAmount(snapshot.balance)]));
}

/** The balance published as of a cut-off: the day's snapshot, or the latest before it (nothing had moved since). */
function publishedAsOf(balances: ReadonlyMap<Day, string>, day: Day): string | undefined {
  const days = [...balances.keys()].filter((candidate) => candidate <= day).sort();
  const latest = days[days.length - 1];
  return latest === undefined ? undefined : balances.get(latest);
}

beforeAll(async () => {
  recharge = await RechargeHarness.start();
  api = new ApiHarness(recharge);
  daily = new DailyHarness(recharge);

  // October: opened with 600.00, 50.00 of usage, published every night to the 1st.
  recharge.clock.set(new Date('2026-10-20T10:00:00Z'));
  await recharge.open(PARTNER, '600.00');
  await spend('oct-1', '50.00', 'marketing', CHANNELS[0] as string, '2026-10-25T10:00:00Z');
  await daily.runDay('2026-10-26');
  await daily.runDay('2026-11-01');

  // November: usage on 4 channels in 3 categories takes the balance below its threshold
  // twice, and each time the card is recharged; finance records a payment, and October
  // is reconciled against an upstream invoice of 53.50.
  await spend('nov-1', '100.00', 'marketing', CHANNELS[0] as string, '2026-11-03T09:00:00Z');
  await spend('nov-2', '50.00', 'utility', CHANNELS[1] as string, '2026-11-03T09:30:00Z');
  await spend('nov-3', '20.00', 'authentication', CHANNELS[2] as string, '2026-11-03T10:00:00Z');
  await spend('nov-4', '310.00', 'marketing', CHANNELS[3] as string, '2026-11-03T11:00:00Z');
  expect((await recharge.recharge(PARTNER)).outcome).toBe('succeeded');
  await daily.runDay('2026-11-06');
  recharge.clock.set(new Date('2026-11-10T12:00:00Z'));
  expect(
    (await api.call('POST', `/partners/${PARTNER}/payments`, { amount: '200.00', reference: 'bank-77' })).status,
  ).toBe(201);
  recharge.clock.set(new Date('2026-11-12T12:00:00Z'));
  expect(
    (await api.call('POST', `/partners/${PARTNER}/reconciliations`, { period: '2026-10', actualAmount: '53.50' })).body,
  ).toMatchObject({ estimated: '50.00', adjustment: '-3.50' });
  await spend('nov-5', '0.0625', 'utility', CHANNELS[1] as string, '2026-11-15T08:00:00Z');
  await spend('nov-6', '700.00', 'marketing', CHANNELS[0] as string, '2026-11-15T09:00:00Z');
  expect((await recharge.recharge(PARTNER)).outcome).toBe('succeeded');
  await daily.runDay('2026-11-20');
  await spend('nov-7', '12.50', 'authentication', CHANNELS[2] as string, '2026-11-30T23:59:59.999Z');
}, 600_000);

afterAll(async () => {
  await recharge.stop();
});

describe('Route: GET /partners/{partnerId}/statements/{period}', () => {
  it('answers 409 for a month not over, and for a month over that the daily run has not closed yet', async () => {
    recharge.clock.set(new Date('2026-11-30T12:00:00Z'));
    const running = await api.call('GET', STATEMENT);
    recharge.clock.set(new Date('2026-12-01T00:00:00.000Z'));
    const unclosed = await api.call('GET', STATEMENT);

    expect(running).toMatchObject({ status: 409, body: { type: 'urn:prepaid-billing:problem:period-not-closed' } });
    expect(unclosed).toMatchObject({ status: 409, body: { type: 'urn:prepaid-billing:problem:statement-not-ready' } });
  });

  describe('once the daily run of 1 December closed November', () => {
    let statement: StatementBody;

    beforeAll(async () => {
      await daily.runDay('2026-12-01');
      recharge.clock.set(new Date('2026-12-02T08:00:00Z'));
      const answer = await api.call('GET', STATEMENT);
      expect(answer.status).toBe(200);
      statement = answer.body as unknown as StatementBody;
    }, 300_000);

    it('opens at the balance published at the month’s first cut-off and closes at its last, moving by the month’s ledger', async () => {
      const balances = await published();
      const entries = await entriesOf(NOVEMBER);

      expect(statement.opening).toBe(publishedAsOf(balances, '2026-11-01'));
      expect(statement.closing).toBe(balances.get('2026-12-01'));
      const net = sum(entries.map((entry) => entry.amount));
      expect(statement.netMovement).toBe(formatAmount(net));
      expect(formatAmount((parseAmount(statement.closing) - parseAmount(statement.opening)) as Micros)).toBe(
        formatAmount(net),
      );
    });

    it('holds the usage by category and by channel, and every other movement by kind, as the ledger does', async () => {
      const entries = await entriesOf(NOVEMBER);
      const ofKind = (kind: string) => entries.filter((entry) => entry.kind === kind);
      const amountOf = (kind: string) => formatAmount(sum(ofKind(kind).map((entry) => entry.amount)));

      expect(statement.usage).toMatchObject({
        conversations: 7,
        amount: formatAmount(negate(sum(ofKind('usage').map((entry) => entry.amount)))),
        byCategory: [
          { category: 'authentication', conversations: 2, amount: '32.50' },
          { category: 'marketing', conversations: 3, amount: '1110.00' },
          { category: 'utility', conversations: 2, amount: '50.0625' },
        ],
        byChannel: [
          { channelId: CHANNELS[0], conversations: 2, amount: '800.00' },
          { channelId: CHANNELS[1], conversations: 2, amount: '50.0625' },
          { channelId: CHANNELS[2], conversations: 2, amount: '32.50' },
          { channelId: CHANNELS[3], conversations: 1, amount: '310.00' },
        ],
      });
      expect(statement.movements).toEqual([
        { kind: 'adjustment', count: 1, amount: '-3.50' },
        { kind: 'payment', count: 1, amount: '200.00' },
        { kind: 'recharge', count: 2, amount: amountOf('recharge') },
      ]);
      expect(ofKind('recharge')).toHaveLength(2);
    });

    it('ends each day at the balance the daily run published as of the next cut-off, and lists the card charges', async () => {
      const balances = await published();
      const nextDay = (day: Day) => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000));

      expect(statement.dailyBalances).toHaveLength(30);
      for (const day of statement.dailyBalances) {
        const snapshot = balances.get(nextDay(day.day));
        if (day.published) expect({ day: day.day, balance: day.balance }).toEqual({ day: day.day, balance: snapshot });
      }
      expect(statement.dailyBalances.filter((day) => day.published).map((day) => day.day)).toEqual(
        expect.arrayContaining(['2026-11-05', '2026-11-19', '2026-11-30']),
      );
      const invoices = await recharge.invoices(PARTNER);
      const november = invoices.filter((invoice) => invoice.issuedAt.toISOString().startsWith(NOVEMBER));
      expect(statement.cardCharges.map((charge) => charge.invoiceId).sort()).toEqual(
        november.map((invoice) => invoice.invoiceId).sort(),
      );
      expect(statement.charged.total).toBe(formatAmount(sum(november.map((invoice) => invoice.total))));
    });

    it('published StatementReady once for each month the partner moved in, November’s with its opening and closing', async () => {
      const ready = await recharge.events.ofType('StatementReady', PARTNER);

      expect(ready.map((event) => event.detail)).toEqual([
        expect.objectContaining({ period: '2026-10', opening: '0.00', closing: statement.opening }),
        expect.objectContaining({ period: NOVEMBER, opening: statement.opening, closing: statement.closing }),
      ]);
    });

    it('answers the same figures as one CSV table', async () => {
      const answer = await api.raw('GET', STATEMENT, { accept: 'text/csv' });
      const [header, ...rows] = answer.body
        .trimEnd()
        .split('\r\n')
        .map((line) => line.split(','));
      const value = (section: string, item: string) => rows.find((row) => row[2] === section && row[3] === item)?.[7];

      expect(answer.headers?.['content-type']).toMatch(/^text\/csv/);
      expect(header).toEqual([
        'partner_id',
        'period',
        'section',
        'item',
        'reference',
        'date',
        'count',
        'amount',
        'currency',
      ]);
      expect(rows.every((row) => row[0] === PARTNER && row[1] === NOVEMBER && row[8] === 'EUR')).toBe(true);
      expect(value('opening', 'balance')).toBe(statement.opening);
      expect(value('closing', 'balance')).toBe(statement.closing);
      expect(value('usage', 'total')).toBe(statement.usage.amount);
      for (const category of statement.usage.byCategory)
        expect(value('usage by category', category.category)).toBe(category.amount);
      for (const channel of statement.usage.byChannel)
        expect(value('usage by channel', channel.channelId)).toBe(channel.amount);
      for (const movement of statement.movements) expect(value('movement', movement.kind)).toBe(movement.amount);
      expect(value('charged', 'total')).toBe(statement.charged.total);
    });

    it('answers the same figures as a PDF with the operator’s name, its text read back', async () => {
      const answer = await api.raw('GET', STATEMENT, { accept: 'application/pdf' });
      const bytes = Buffer.from(answer.body, 'base64');
      const text = await pdfText(bytes);

      expect(answer).toMatchObject({ statusCode: 200, isBase64Encoded: true });
      expect(answer.headers?.['content-type']).toBe('application/pdf');
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      for (const expected of [
        OPERATOR_NAME,
        PARTNER,
        `${statement.opening} EUR`,
        `${statement.closing} EUR`,
        statement.usage.amount,
        ...statement.usage.byCategory.map((category) => category.amount),
        ...statement.usage.byChannel.map((channel) => channel.channelId),
        statement.charged.total,
      ])
        expect({ expected, found: text.includes(expected) }).toEqual({ expected, found: true });
    });

    it('refuses a format it does not make with 406, and answers JSON to a request that states no preference', async () => {
      const refused = await api.raw('GET', STATEMENT, { accept: 'image/png' });
      const anything = await api.raw('GET', STATEMENT, { accept: '*/*' });

      expect(refused.statusCode).toBe(406);
      expect(JSON.parse(refused.body)).toMatchObject({ type: 'urn:prepaid-billing:problem:not-acceptable' });
      expect(anything.headers?.['content-type']).toBe('application/json');
    });

    it('answers 400 for a period that is not a month, and 404 for an unknown partner', async () => {
      expect((await api.call('GET', `/partners/${PARTNER}/statements/2026-13`)).status).toBe(400);
      expect((await api.call('GET', `/partners/nobody/statements/${NOVEMBER}`)).status).toBe(404);
    });
  });
});
