/**
 * Money that comes back (docs/contract.md §13) as `npm start` plays it with the sandbox
 * provider, driven only over HTTP as a tester would: a charge on Stripe's dispute test card
 * disputed when the test clock moves, the dispute closed on the local stand-in for Stripe's
 * dashboard, a refund made there, and disputes and refunds kept across a restart. What the
 * dashboard does reaches billing only through the signed webhook deliveries, as from Stripe.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HttpAnswer, LocalSystem } from '../support/local-system';

jest.setTimeout(240_000);

const HOUR_MS = 60 * 60 * 1000;

describe('npm start: money that comes back', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'prepaid-billing-money-back-'));
  let system: LocalSystem;
  let eventLog: string;

  beforeAll(async () => {
    system = await LocalSystem.start(dataDir);
    eventLog = (await system.call('GET', '/local/info')).body.eventLog;
  });

  afterAll(async () => {
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const typesOf = (partnerId: string): string[] =>
    readFileSync(eventLog, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter((event) => event.detail.partnerId === partnerId)
      .map((event) => event['detail-type']);
  const drain = async () => expect((await system.call('POST', '/local/drain')).status).toBe(200);
  const open = async (partnerId: string, paymentMethod: string) => {
    expect((await system.call('POST', '/partners', { partnerId, currency: 'EUR', paymentMethod })).status).toBe(201);
    await drain();
  };
  const advanceOneHour = async () => {
    const now = Date.parse((await system.call('GET', '/local/clock')).body.now);
    const to = new Date(now + HOUR_MS).toISOString();
    expect((await system.call('POST', '/local/clock/advance', { to })).status).toBe(200);
    await drain();
  };
  const disputesOf = async (partnerId: string) =>
    (await system.call('GET', `/local/stripe/disputes?partnerId=${partnerId}`)).body.data;
  /** The ledger's entries of a kind: the test clock stands still, so entries of one moment have no order. */
  const entriesOf = async (partnerId: string, kind: string) =>
    (await system.call('GET', `/partners/${partnerId}/ledger`)).body.items.filter(
      (entry: { kind: string }) => entry.kind === kind,
    );
  const liveBalance = async (partnerId: string) =>
    (await system.call('GET', `/partners/${partnerId}/balance`)).body.liveBalance;

  it('disputes a pm_card_createDispute charge when the clock moves, and credits it back when the dispute is won', async () => {
    // Prepare: the opening charge (500.00 + 20.00 fee) pays.
    await open('p-dispute', 'pm_card_createDispute');
    const disputesBeforeTheMove = await disputesOf('p-dispute');

    // Act
    await advanceOneHour();
    const [dispute] = await disputesOf('p-dispute');
    const afterChargeback = {
      entries: await entriesOf('p-dispute', 'chargeback'),
      balance: await liveBalance('p-dispute'),
    };
    const card = (await system.call('GET', '/partners/p-dispute')).body.cards.primary;
    const won = await post(`/local/stripe/disputes/${dispute.id}/close`, { outcome: 'won' });
    await drain();

    // Assess
    expect(disputesBeforeTheMove).toEqual([]);
    expect(dispute).toMatchObject({
      object: 'dispute',
      status: 'needs_response',
      amount: 52_000,
      reason: 'fraudulent',
    });
    expect(afterChargeback).toEqual({
      entries: [expect.objectContaining({ entryId: `chargeback:${dispute.id}`, amount: '-500.00' })],
      balance: '0.00',
    });
    expect(card).toMatchObject({ paymentMethod: 'pm_card_createDispute', chargeable: false });
    expect(won).toMatchObject({ status: 200, body: { id: dispute.id, status: 'won' } });
    expect(await entriesOf('p-dispute', 'chargeback-reversal')).toEqual([
      expect.objectContaining({ amount: '500.00' }),
    ]);
    expect(await liveBalance('p-dispute')).toBe('500.00');
    expect(typesOf('p-dispute')).toEqual(
      expect.arrayContaining(['RechargeSucceeded', 'ChargeDisputed', 'DisputeClosed']),
    );
    expect(typesOf('p-dispute').filter((type) => type === 'ChargeDisputed')).toHaveLength(1);
  });

  it('books a refund made on the dashboard once, and refuses more than is left of the charge', async () => {
    // Prepare
    await open('p-refund', 'pm_card_visa');
    const [intent] = (await system.call('GET', '/local/stripe/payment-intents?partnerId=p-refund')).body.data;
    const refunds = `/local/stripe/payment-intents/${intent.id}/refunds`;

    // Act
    const refunded = await post(refunds, { amount: '104.00' });
    await drain();
    const tooMuch = await post(refunds, { amount: '416.01' });

    // Assess
    expect(refunded).toMatchObject({ status: 200, body: { object: 'refund', amount: 10_400, status: 'succeeded' } });
    expect(tooMuch).toMatchObject({
      status: 422,
      body: { type: 'urn:prepaid-billing:problem:refund-amount-too-large' },
    });
    expect(await entriesOf('p-refund', 'refund')).toEqual([expect.objectContaining({ amount: '-104.00' })]);
    expect(await liveBalance('p-refund')).toBe('396.00');
    expect(typesOf('p-refund').filter((type) => type === 'ChargeRefunded')).toHaveLength(1);
  });

  it('keeps disputes and refunds across a restart: a dispute opened before it is lost after it', async () => {
    // Prepare
    await open('p-restart', 'pm_card_createDispute');
    await advanceOneHour();
    const [dispute] = await disputesOf('p-restart');
    const refundsBefore = (await system.call('GET', '/local/stripe/refunds')).body.data;

    // Act: Ctrl-C and a new start on the same data folder (on other ports).
    await system.stop();
    system = await LocalSystem.start(dataDir);
    const lost = await post(`/local/stripe/disputes/${dispute.id}/close`, { outcome: 'lost' });
    await drain();

    // Assess
    expect((await system.call('GET', '/local/stripe/refunds')).body.data).toEqual(refundsBefore);
    expect(lost).toMatchObject({ status: 200, body: { id: dispute.id, status: 'lost' } });
    expect(await entriesOf('p-restart', 'chargeback')).toEqual([expect.objectContaining({ amount: '-500.00' })]);
    expect(await entriesOf('p-restart', 'chargeback-reversal')).toEqual([]);
    expect(typesOf('p-restart').filter((type) => type === 'DisputeClosed')).toHaveLength(1);
  });

  async function post(path: string, body: unknown): Promise<HttpAnswer> {
    return system.call('POST', path, body);
  }
});
