/**
 * The README's promise, end to end: `npm start` on free ports, driven only through HTTP
 * and SQS as a user would. Usage with duplicates and poison, a week and a day with a
 * declining card, the block, a finance payment, and a restart that finds the data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, ReceiveMessageCommand, type SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../functions/adapters/sqs/client';
import { LocalSystem } from '../support/local-system';

jest.setTimeout(300_000);

const PHONE = '+4915112345678';
/** Each partner's usage comes from its own number (usage on another partner's hosted number is refused); others from a number not hosted here. */
const NUMBERS: Record<string, string> = { 'p-declining': PHONE, 'p-paying': '+4915187654321' };
const BLOCKED_MESSAGE =
  'Could not send message due to lack of payment. Messaging can resume once overdue invoices towards 360dialog are settled. Please reach out to your integration partner.';

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'prepaid-billing-local-'));
  let system: LocalSystem | undefined;
  let sqs: SQSClient | undefined;

  afterAll(async () => {
    sqs?.destroy();
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the system: usage, a declined week, the block, a payment, and a restart that keeps the data', async () => {
    system = await LocalSystem.start(dataDir);
    const info = (await system.call('GET', '/local/info')).body;
    // Queue URLs a client can reach: on the emulator's own address.
    expect(new URL(info.usageQueueUrl).origin).toBe(info.sqsEndpoint);
    sqs = createSqsClient(info.sqsEndpoint);
    const startedAt = new Date((await system.call('GET', '/local/clock')).body.now);

    // Two partners: one whose card is declined from now on, one whose card pays.
    for (const partnerId of ['p-declining', 'p-paying']) {
      const created = await system.call('POST', '/partners', {
        partnerId,
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
      });
      expect(created.status).toBe(201);
      expect(created.body.liveBalance).toBe('500.00');
    }
    expect(
      (await system.call('PUT', '/partners/p-declining/payment-method', { paymentMethod: 'pm_card_chargeDeclined' }))
        .status,
    ).toBe(200);
    expect((await system.call('POST', '/partners/p-declining/channels', { phoneNumber: PHONE })).status).toBe(201);

    // 1,000 messages: 900 distinct events, 94 exact duplicates, 4 poison, then 2 conflicting repeats.
    const declining = range(600).map((n) => usage(`d-${n}`, 'p-declining', '1.0000', startedAt));
    const paying = range(300).map((n) => usage(`p-${n}`, 'p-paying', '1.5000', startedAt));
    const distinct = [...declining, ...paying];
    const duplicates = range(94).map((n) => distinct[(n * 37) % distinct.length] as string);
    const poison = [
      'not json at all',
      JSON.stringify({ ...JSON.parse(usage('x-schema', 'p-paying', '1.0000', startedAt)), category: 'spam' }),
      usage('x-unknown', 'nobody', '1.0000', startedAt),
      usage('x-currency', 'p-paying', '1.0000', startedAt, 'USD'),
    ];
    await sendAll(sqs, info.usageQueueUrl, shuffle([...distinct, ...duplicates, ...poison]));
    expect((await system.call('POST', '/local/drain')).status).toBe(200);
    await sendAll(sqs, info.usageQueueUrl, [
      usage('d-1', 'p-declining', '9.0000', startedAt),
      usage('p-2', 'p-paying', '0.5000', startedAt),
    ]);
    expect((await system.call('POST', '/local/drain')).status).toBe(200);

    // 500.00 - 600 x 1.00, the recharge declined; 500.00 - 300 x 1.50 + one 500.00 recharge.
    expect(await balanceOf(system, 'p-declining')).toMatchObject({ liveBalance: '-100.00', status: 'overdue' });
    expect(await balanceOf(system, 'p-paying')).toMatchObject({ liveBalance: '550.00', status: 'active' });
    const payingInvoices = (await system.call('GET', '/partners/p-paying/invoices')).body.items;
    expect(payingInvoices).toHaveLength(2);
    for (const invoice of payingInvoices) {
      expect(invoice.lines.map((line: { amount: string }) => line.amount)).toEqual(['500.00', '20.00']);
      expect(invoice.total).toBe('520.00');
    }
    expect((await system.call('GET', '/partners/p-declining/invoices')).body.items).toHaveLength(1);

    const deadLetters = await receiveAll(sqs, info.deadLetterQueueUrl);
    expect(deadLetters.map((message) => message.MessageAttributes?.rejectionReason?.StringValue).sort()).toEqual([
      'conflicting-repeat',
      'conflicting-repeat',
      'currency-mismatch',
      'invalid-json',
      'schema-violation',
      'unknown-partner',
    ]);

    // Eight days on: the declined charge is retried each day, and the partner is blocked at
    // the first daily run at least seven days after its balance went negative.
    const weekLater = new Date(startedAt.getTime() + 8 * 24 * 60 * 60 * 1000);
    const advanced = await system.call('POST', '/local/clock/advance', { to: weekLater.toISOString() });
    expect(advanced.status).toBe(200);
    expect(advanced.body.ran.filter((run: { job: string }) => run.job === 'daily-run')).toHaveLength(8);
    const blocked = await balanceOf(system, 'p-declining');
    expect(blocked).toMatchObject({ liveBalance: '-100.00', status: 'blocked', balance: '-100.00' });
    expect(new Date(blocked.blockedAt).getTime() - new Date(blocked.overdueSince).getTime()).toBeGreaterThanOrEqual(
      7 * 24 * 60 * 60 * 1000,
    );
    expect((await system.call('GET', '/partners/p-declining/balance-history')).body.items).toHaveLength(8);
    const denied = await system.call('GET', `/channels/${encodeURIComponent(PHONE)}/send-permission`);
    expect(denied).toMatchObject({
      status: 402,
      contentType: 'application/problem+json',
      body: { detail: BLOCKED_MESSAGE },
    });

    // Finance confirms a bank transfer: the balance is positive again and sending resumes.
    const paid = await system.call('POST', '/partners/p-declining/payments', {
      amount: '250.00',
      reference: 'bank-transfer-1',
    });
    expect(paid.status).toBe(201);
    expect(await balanceOf(system, 'p-declining')).toMatchObject({
      liveBalance: '150.00',
      status: 'active',
      blockedAt: null,
    });
    expect(await system.call('GET', `/channels/${encodeURIComponent(PHONE)}/send-permission`)).toMatchObject({
      status: 200,
      body: { allowed: true },
    });

    // Ctrl-C stops everything it started; a second start finds the data and the clock.
    sqs.destroy();
    sqs = undefined;
    await system.stop();
    expect(system.log).toContain('SIGINT: stopping');
    // An honest console: nothing failed, so nothing says so; a clean stop reports no error.
    expect(system.log).not.toMatch(/No application metrics to publish|ECONNREFUSED|"level":"ERROR"/);
    system = await LocalSystem.start(dataDir);
    expect((await system.call('GET', '/local/clock')).body.now).toBe(weekLater.toISOString());
    expect(await balanceOf(system, 'p-declining')).toMatchObject({ liveBalance: '150.00', status: 'active' });
    expect(await balanceOf(system, 'p-paying')).toMatchObject({ liveBalance: '550.00' });
    expect((await system.call('GET', '/partners/p-paying/invoices')).body.items).toHaveLength(2);
  });
});

function usage(eventId: string, partnerId: string, amount: string, at: Date, currency = 'EUR'): string {
  return JSON.stringify({
    eventId,
    partnerId,
    channelId: NUMBERS[partnerId] ?? '+4915100000000',
    conversationId: `c-${eventId}`,
    category: 'marketing',
    occurredAt: at.toISOString(),
    cost: { amount, currency },
  });
}

async function balanceOf(system: LocalSystem, partnerId: string) {
  const answer = await system.call('GET', `/partners/${partnerId}/balance`);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function sendAll(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const entries = bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: body }));
    const { Failed: failed = [] } = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    expect(failed).toEqual([]);
  }
}

async function receiveAll(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages: received = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    if (received.length === 0) return messages;
    messages.push(...received);
  }
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** A fixed interleaving (no randomness): duplicates and poison spread among the distinct events. */
function shuffle<T>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, key: (index * 7919) % items.length }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}
