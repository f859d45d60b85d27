/**
 * The operator command line (`npx prepaid-billing ... --local`) against `npm start`, as an
 * operator uses it: each command on what the system did, and its answers to wrong names,
 * a system that is not there and missing credentials.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../functions/adapters/sqs/client';
import { LocalSystem } from '../support/local-system';
import { OperatorCli, runBin, runInProcess, runNpx } from '../support/operator-cli';

jest.setTimeout(240_000);

interface LoggedEvent {
  readonly 'detail-type': string;
  readonly time: string;
  // biome-ignore lint/suspicious/noExplicitAny: an event's detail is JSON of any shape; the assertions check it.
  readonly detail: any;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

describe('Operator command line against npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'prepaid-billing-cli-'));
  let system: LocalSystem;
  let cli: OperatorCli;
  let sqs: SQSClient;
  // biome-ignore lint/suspicious/noExplicitAny: /local/info as JSON.
  let info: any;

  beforeAll(async () => {
    system = await LocalSystem.start(dataDir);
    info = (await system.call('GET', '/local/info')).body;
    sqs = createSqsClient(info.sqsEndpoint);
    cli = new OperatorCli(system.apiUrl);
  });

  afterAll(async () => {
    sqs?.destroy();
    await system?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const now = async () => new Date((await system.call('GET', '/local/clock')).body.now);
  const drain = async () => expect((await system.call('POST', '/local/drain')).status).toBe(200);
  const advance = async (to: Date) =>
    expect((await system.call('POST', '/local/clock/advance', { to: to.toISOString() })).status).toBe(200);
  const createPartner = async (partnerId: string, details: Record<string, unknown> = {}) =>
    expect(
      (
        await system.call('POST', '/partners', {
          partnerId,
          currency: 'EUR',
          paymentMethod: 'pm_card_visa',
          ...details,
        })
      ).status,
    ).toBe(201);
  const balanceOf = async (partnerId: string) => (await system.call('GET', `/partners/${partnerId}/balance`)).body;
  const send = async (queueUrl: string, body: string) =>
    sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const usage = (eventId: string, partnerId: string, amount: string, at: Date) =>
    JSON.stringify({
      eventId,
      partnerId,
      channelId: '+4915100000000',
      conversationId: `c-${eventId}`,
      category: 'marketing',
      occurredAt: at.toISOString(),
      cost: { amount, currency: 'EUR' },
    });
  const loggedEvents = (): LoggedEvent[] =>
    readFileSync(info.eventLog, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedEvent);
  const countsOf = (groups: { reason: string; count: number }[]) =>
    Object.fromEntries(groups.map((group) => [group.reason, group.count]));

  it('lists dead letters by reason without consuming them, and redrives refused usage by its reason once repaired: debited once', async () => {
    // Prepare: usage of a partner that does not exist yet, and a body that is not JSON.
    await send(info.usageQueueUrl, usage('late-1', 'p-late', '12.50', await now()));
    await send(info.usageQueueUrl, 'not json');
    await drain();

    // Act: list twice.
    const listed = await cli.json('dlq', 'list', 'usage');
    const again = await cli.json('dlq', 'list', 'usage');

    // Assess: grouped by reason, with the bodies and the command that moves each group back; nothing consumed.
    expect(countsOf(listed.groups)).toEqual({ 'unknown-partner': 1, 'invalid-json': 1 });
    const unknown = listed.groups.find((group: { reason: string }) => group.reason === 'unknown-partner');
    expect(unknown).toMatchObject({ redrive: 'dlq redrive usage --reason unknown-partner' });
    expect(JSON.parse(unknown.samples[0].body)).toMatchObject({ eventId: 'late-1', partnerId: 'p-late' });
    expect(unknown.samples[0].detail).toContain('p-late');
    expect(countsOf(again.groups)).toEqual(countsOf(listed.groups));
    // Through the package's bin, as an operator runs it.
    const text = await runBin(['dlq', 'list', 'usage', '--local', '--port', new URL(system.apiUrl).port]);
    expect(text).toMatchObject({ code: 0 });
    expect(text.stdout).toMatch(/unknown-partner\s+1\s+moved back by: npx prepaid-billing dlq redrive usage --reason/);

    // Without a reason, refused usage stays where it is.
    expect(await cli.json('dlq', 'redrive', 'usage')).toMatchObject({
      moved: 0,
      left: expect.arrayContaining([
        { reason: 'unknown-partner', count: 1 },
        { reason: 'invalid-json', count: 1 },
      ]),
    });

    // The cause repaired (the partner created: 500.00 opening), the unknown-partner group is moved back.
    await createPartner('p-late');
    expect(await cli.json('dlq', 'redrive', 'usage', '--reason', 'unknown-partner')).toMatchObject({
      moved: 1,
      left: [{ reason: 'invalid-json', count: 1 }],
    });
    await drain();
    expect(await balanceOf('p-late')).toMatchObject({ liveBalance: '487.50' });

    // Debited once: moving the group again finds nothing, and the ledger holds one usage entry.
    expect(await cli.json('dlq', 'redrive', 'usage', '--reason', 'unknown-partner')).toMatchObject({ moved: 0 });
    await drain();
    expect(await balanceOf('p-late')).toMatchObject({ liveBalance: '487.50' });
    const entries = (await system.call('GET', '/partners/p-late/ledger')).body.items;
    expect(entries.filter((entry: { kind: string }) => entry.kind === 'usage')).toEqual([
      expect.objectContaining({ amount: '-12.50', eventCount: 1 }),
    ]);
    expect(countsOf((await cli.json('dlq', 'list', 'usage')).groups)).toEqual({ 'invalid-json': 1 });
  });

  it('redrives a recharge request that failed too often back to the recharge queue: the card is charged once', async () => {
    // Prepare: 50.00 left and automatic recharges turned on after the usage, so no request was made;
    // the request sits in the dead-letter queue as SQS leaves one that failed 5 times.
    await createPartner('p-recharge', {
      previousInvoiceRemainder: '500.00',
      rechargeSettings: { threshold: '100.00', autoRenewAmount: '500.00', autoRecharge: false },
    });
    await send(info.usageQueueUrl, usage('rch-1', 'p-recharge', '450.00', await now()));
    await drain();
    const settings = { threshold: '100.00', autoRenewAmount: '500.00', autoRecharge: true };
    expect((await system.call('PUT', '/partners/p-recharge/recharge-settings', settings)).status).toBe(200);
    const request = { partnerId: 'p-recharge', trigger: 'below-threshold', requestedAt: (await now()).toISOString() };
    await send(info.queues.recharge.deadLetterQueueUrl, JSON.stringify(request));
    expect(countsOf((await cli.json('dlq', 'list', 'recharge')).groups)).toEqual({ 'retries-exhausted': 1 });

    // Act
    const redriven = await cli.json('dlq', 'redrive', 'recharge');
    await drain();

    // Assess: moved back one by one (the emulator has no message move tasks), charged once.
    expect(redriven).toMatchObject({ method: 'one-by-one', moved: 1, left: [], failures: [] });
    expect(await balanceOf('p-recharge')).toMatchObject({ liveBalance: '550.00' });
    expect((await cli.json('dlq', 'list', 'recharge')).groups).toEqual([]);
  });

  it('puts the outbox events of a time range on the bus again: each detail.id of the range once more, nothing else', async () => {
    // Prepare: events an hour apart, on the test clock.
    const from = new Date((await now()).getTime() + HOUR_MS);
    const to = new Date(from.getTime() + HOUR_MS);
    await advance(from);
    await createPartner('p-replay-1');
    await createPartner('p-replay-2', { paymentMethod: 'pm_card_chargeDeclined' });
    await drain();
    await advance(to);
    await createPartner('p-replay-3');
    await drain();
    const before = loggedEvents();
    // UsageRejected is published by ingestion directly and has no outbox item to replay.
    const inRange = before.filter(
      (event) =>
        event.time >= from.toISOString() && event.time < to.toISOString() && event['detail-type'] !== 'UsageRejected',
    );
    expect(inRange.map((event) => event.detail.partnerId)).toEqual(
      expect.arrayContaining(['p-replay-1', 'p-replay-2']),
    );

    // Act
    const replayed = await cli.json('events', 'replay', '--from', from.toISOString(), '--to', to.toISOString());

    // Assess: the range's ids once more each, nothing else; their times and details as first published.
    const added = loggedEvents().slice(before.length);
    expect(replayed).toMatchObject({ published: inRange.length });
    expect(added.map((event) => event.detail.id).sort()).toEqual(inRange.map((event) => event.detail.id).sort());
    expect(added).toEqual(expect.arrayContaining(inRange));

    // One type of one partner: only those.
    const declines = await cli.json(
      'events',
      'replay',
      '--from',
      from.toISOString(),
      '--to',
      to.toISOString(),
      '--type',
      'RechargeFailed',
      '--partner',
      'p-replay-2',
    );
    const declined = inRange.filter((event) => event['detail-type'] === 'RechargeFailed');
    expect(declined).toHaveLength(1);
    expect(declines).toMatchObject({ published: 1, byType: [{ type: 'RechargeFailed', count: 1 }] });
    expect(loggedEvents().slice(before.length + added.length)).toEqual(declined);
  });

  it("tells a blocked partner's story: its declines with their codes, the daily runs that retried them, and the block's day", async () => {
    // Prepare: 520.00 left, 600.00 of usage, a card that declines; eight days of daily runs.
    const start = await now();
    await createPartner('p-blocked', {
      paymentMethod: 'pm_card_chargeDeclined',
      previousInvoiceRemainder: '520.00',
    });
    await send(info.usageQueueUrl, usage('blk-1', 'p-blocked', '600.00', start));
    await drain();
    await advance(new Date(start.getTime() + 8 * DAY_MS));

    // Act
    const story = await cli.json('partner', 'p-blocked');
    const text = (await cli.run('partner', 'p-blocked')).stdout;

    // Assess: blocked, with the day it was blocked, the declines and their codes, and the runs.
    const blockedAt: string = story.balance.blockedAt;
    const blockDay = blockedAt.slice(0, 10);
    expect(story.account).toMatchObject({ partnerId: 'p-blocked', status: 'blocked' });
    expect(story.balance).toMatchObject({ liveBalance: '-80.00', amountDue: '80.00' });
    expect(story.lastDecline).toMatchObject({ declineCode: 'generic_decline' });
    const declined = story.charges.filter((charge: { state: string }) => charge.state === 'declined');
    expect(declined.length).toBeGreaterThanOrEqual(8);
    for (const charge of declined) expect(charge.declineCode).toBe('generic_decline');
    expect(story.dailyRuns[0]).toMatchObject({ day: blockDay, blocked: true, published: '-80.00' });
    const retries = story.dailyRuns.filter((run: { charges: unknown[] }) => run.charges.length > 0);
    expect(retries.length).toBeGreaterThanOrEqual(6);
    for (const run of retries)
      expect(run.charges).toEqual([expect.objectContaining({ declineCode: 'generic_decline' })]);
    expect(story.events.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining(['PartnerOverdue', 'RechargeFailed', 'PartnerBlocked']),
    );
    expect(text).toMatch(new RegExp(`blocked on\\s+${blockDay}`));
    expect(text).toMatch(new RegExp(`${blockDay}\\s+published -80.00; blocked`));
    expect(text).toMatch(/daily-run\s+declined\s+603.20 EUR\s+generic_decline/);

    // The runs: each day's daily run completed.
    const { daily } = await cli.json('runs', '--limit', '8');
    expect(daily).toHaveLength(8);
    expect(daily[0]).toMatchObject({ day: blockDay, state: 'completed' });
    for (const run of daily) expect(run).toMatchObject({ state: 'completed', durationSeconds: expect.any(Number) });
  });

  it('answers wrong names, a system that is not there and missing credentials with a sentence and an exit code', async () => {
    const help = await runNpx(['prepaid-billing', '--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('dlq redrive <queue> [--reason <reason>]') });

    const unknownQueue = await cli.run('dlq', 'list', 'billing');
    expect(unknownQueue).toMatchObject({ code: 2, stdout: '' });
    expect(unknownQueue.stderr).toContain('there is no queue billing: name one of usage, recharge, daily-work');
    const unknownPartner = await cli.run('partner', 'p-nobody');
    expect(unknownPartner).toMatchObject({ code: 1 });
    expect(unknownPartner.stderr).toContain('there is no partner p-nobody');
    expect((await cli.run('dlq', 'redrive', 'usage', '--reason', 'bored')).stderr).toContain('--reason');
    expect((await cli.run('events', 'replay', '--from', 'yesterday', '--to', 'today')).code).toBe(2);

    const stopped = await runInProcess(['dlq', 'list', 'usage', '--local', '--port', '1']);
    expect(stopped).toMatchObject({ code: 1 });
    expect(stopped.stderr).toContain('nothing answers at http://127.0.0.1:1');
    expect((await runInProcess(['dlq', 'list', 'usage'])).stderr).toContain('say which system: --stack <name>');

    const noCredentials = await runBin(['dlq', 'list', 'usage', '--stack', 'PrepaidBilling'], {
      PATH: process.env.PATH,
      HOME: dataDir,
      AWS_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(noCredentials).toMatchObject({ code: 1 });
    expect(noCredentials.stderr).toContain('no AWS credentials were found');
  });
});
