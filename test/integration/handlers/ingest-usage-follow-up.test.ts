import { parseAmount } from '../../../functions/domain/money';
import { IngestionHarness } from '../../support/ingestion-harness';
import { sqsEvent, usageBody } from '../../support/usage-factory';

const json = (value: unknown) => JSON.stringify(value);
const costing = (partnerId: string, amount: string) =>
  json(usageBody({ partnerId, cost: { amount, currency: 'EUR' } }));

describe('Handler: ingest-usage, balance follow-up', () => {
  let harness: IngestionHarness;

  beforeAll(async () => {
    harness = await IngestionHarness.start();
  });

  afterAll(async () => {
    await harness.stop();
  });

  beforeEach(() => {
    harness.faults.disarm();
  });

  it('announces the fall below the threshold once and requests one recharge', async () => {
    // Prepare
    await harness.createPartner('follow-1', '150.00');

    // Act: 150.00 -> 110.00 (above), -> 80.00 (below), -> 70.00 (still below)
    await harness.invoke(sqsEvent([costing('follow-1', '40.00')]));
    await harness.invoke(sqsEvent([costing('follow-1', '30.00')]));
    await harness.invoke(sqsEvent([costing('follow-1', '10.00')]));

    // Assess
    const [event, ...others] = await harness.events.ofType('BalanceBelowThreshold', 'follow-1');
    expect(others).toEqual([]);
    expect(event?.detail).toEqual({
      partnerId: 'follow-1',
      currency: 'EUR',
      liveBalance: '80.00',
      threshold: '100.00',
      id: expect.any(String),
    });
    const requests = (await harness.rechargeRequests()).map((request) => JSON.parse(request.body));
    expect(requests.filter((request) => request.partnerId === 'follow-1')).toEqual([
      { partnerId: 'follow-1', trigger: 'below-threshold', requestedAt: harness.clock.now().toISOString() },
    ]);
    expect((await harness.ledger.getPartner('follow-1'))?.belowThresholdSince).toEqual(harness.clock.now());
  });

  it('starts the 7-day clock when the balance first goes below 0, at the time the debit was processed', async () => {
    // Prepare
    await harness.createPartner('follow-2', '10.00');
    const processedAt = new Date('2026-11-23T08:00:00Z');
    harness.clock.set(processedAt);

    // Act
    await harness.invoke(sqsEvent([costing('follow-2', '10.00')]));
    const atZero = await harness.ledger.getPartner('follow-2');
    await harness.invoke(sqsEvent([costing('follow-2', '0.0625')]));
    harness.clock.set(new Date('2026-11-24T08:00:00Z'));
    await harness.invoke(sqsEvent([costing('follow-2', '5.00')]));

    // Assess
    expect(atZero).toMatchObject({ status: 'active', liveBalance: 0 });
    expect(atZero?.overdueSince).toBeUndefined();
    const account = await harness.ledger.getPartner('follow-2');
    expect(account).toMatchObject({
      status: 'overdue',
      overdueSince: processedAt,
      liveBalance: parseAmount('-5.0625'),
    });
    expect((await harness.events.ofType('PartnerOverdue', 'follow-2')).map((event) => event.detail)).toEqual([
      {
        partnerId: 'follow-2',
        currency: 'EUR',
        liveBalance: '-0.0625',
        threshold: '100.00',
        overdueSince: processedAt.toISOString(),
        id: expect.any(String),
      },
    ]);
    const triggers = (await harness.rechargeRequests())
      .map((request) => JSON.parse(request.body))
      .filter((request) => request.partnerId === 'follow-2');
    expect(triggers.map((request) => request.trigger)).toEqual(['below-threshold', 'overdue']);
  });

  it('still starts the clock when the handler crashed after the debit and before the follow-up', async () => {
    // Prepare
    await harness.createPartner('follow-3', '1.00');
    harness.clock.set(new Date('2026-11-25T08:00:00Z'));
    const event = sqsEvent([costing('follow-3', '2.00')]);
    harness.faults.arm('usageLedger.debit:after');

    // Act: the first delivery debits and fails; the redelivery finds a duplicate and follows up.
    const first = await harness.invoke(event);
    harness.clock.set(new Date('2026-11-25T08:00:30Z'));
    const second = await harness.invoke(event);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(await harness.ledger.getPartner('follow-3')).toMatchObject({
      liveBalance: parseAmount('-1.00'),
      status: 'overdue',
      overdueSince: new Date('2026-11-25T08:00:30Z'),
    });
    expect(await harness.events.ofType('PartnerOverdue', 'follow-3')).toHaveLength(1);
  });

  it('repeats the request rather than lose it, and announces once, when the crash comes between the request and the mark', async () => {
    await harness.createPartner('follow-4', '100.00');
    const event = sqsEvent([costing('follow-4', '1.00')]);
    harness.faults.arm('ledger.markBelowThreshold:before');

    await harness.invoke(event);
    await harness.invoke(event);

    // The event is written with the mark: the crashed attempt wrote neither.
    expect(await harness.events.ofType('BalanceBelowThreshold', 'follow-4')).toHaveLength(1);
    const requests = (await harness.rechargeRequests())
      .map((request) => JSON.parse(request.body))
      .filter((request) => request.partnerId === 'follow-4');
    expect(requests.map((request) => request.trigger)).toEqual(['below-threshold', 'below-threshold']);
    expect((await harness.ledger.getPartner('follow-4'))?.belowThresholdSince).toBeDefined();
    expect(await harness.balance('follow-4')).toBe(parseAmount('99.00'));
  });
});
