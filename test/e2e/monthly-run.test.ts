/**
 * The monthly run under `npm start`: advancing the test clock over the 1st starts the run,
 * whose pieces of work go through the monthly work queue to the piece worker, and the
 * month's license fee is invoiced once, driven only through HTTP as a user would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSystem } from '../support/local-system';

jest.setTimeout(300_000);

describe('npm start: the monthly run', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'prepaid-billing-monthly-'));
  let system: LocalSystem | undefined;

  afterAll(async () => {
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('charges the license fee of a hosted number on the 1st through the monthly work queue, once', async () => {
    // Prepare: the data folder's clock on the last day of a month (as a restart finds it), and a partner with a number.
    writeFileSync(join(dataDir, 'clock.json'), `${JSON.stringify({ now: '2027-01-31T12:00:00.000Z' })}\n`);
    system = await LocalSystem.start(dataDir);
    const created = await system.call('POST', '/partners', {
      partnerId: 'p-licensed',
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
    });
    expect(created.status).toBe(201);
    const registered = await system.call('POST', '/partners/p-licensed/channels', { phoneNumber: '+4915112340001' });
    expect(registered.status).toBe(201);

    // Act: past the 1st, and two days on.
    const advanced = await system.call('POST', '/local/clock/advance', { to: '2027-02-01T01:00:00.000Z' });
    const later = await system.call('POST', '/local/clock/advance', { to: '2027-02-03T01:00:00.000Z' });

    // Assess: the start recorded the month, the worker charged 25.00 + 1.00, in one invoice.
    expect(advanced.status).toBe(200);
    expect(advanced.body.ran).toContainEqual(
      expect.objectContaining({
        job: 'monthly-run',
        result: { period: '2027-02', months: [{ period: '2027-02', state: 'new' }] },
      }),
    );
    expect(later.body.ran.map((run: { job: string }) => run.job)).toEqual(['daily-run', 'daily-run']);
    const invoices = (await system.call('GET', '/partners/p-licensed/invoices')).body.items as {
      lines: { kind: string; amount: string }[];
      total: string;
    }[];
    const licenseInvoices = invoices.filter((invoice) => invoice.lines.some((line) => line.kind === 'license-fee'));
    expect(licenseInvoices.map((invoice) => invoice.total)).toEqual(['26.00']);
    const monthlyTrouble = system.log
      .split('\n')
      .filter((line) => /monthly-(run|shard)/.test(line) && /"level":"ERROR"|failed/.test(line));
    expect(monthlyTrouble).toEqual([]);
  });
});
