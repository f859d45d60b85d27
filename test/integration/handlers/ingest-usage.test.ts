import { parseAmount } from '../../../functions/domain/money';
import { IngestionHarness } from '../../support/ingestion-harness';
import { sqsEvent, usageBody } from '../../support/usage-factory';

const json = (value: unknown) => JSON.stringify(value);

describe('Handler: ingest-usage', () => {
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

  describe('Debiting', () => {
    it('debits a batch of one partner with one ledger entry per chunk of 98 events', async () => {
      // Prepare
      await harness.createPartner('debit-1', '500.00');
      const bodies = Array.from({ length: 100 }, () => json(usageBody({ partnerId: 'debit-1' })));

      // Act
      const response = await harness.invoke(sqsEvent(bodies));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(await harness.books('debit-1')).toEqual({
        liveBalance: parseAmount('493.75'),
        ledgerSum: parseAmount('493.75'),
        usageEntries: 2,
        eventsDebited: 100,
      });
    });

    it('keeps the partners of one batch apart', async () => {
      await harness.createPartner('debit-2a', '10.00');
      await harness.createPartner('debit-2b', '10.00');

      await harness.invoke(
        sqsEvent([
          json(usageBody({ partnerId: 'debit-2a', cost: { amount: '1.00', currency: 'EUR' } })),
          json(usageBody({ partnerId: 'debit-2b', cost: { amount: '2.00', currency: 'EUR' } })),
          json(usageBody({ partnerId: 'debit-2a', cost: { amount: '0.000001', currency: 'EUR' } })),
        ]),
      );

      expect(await harness.balance('debit-2a')).toBe(parseAmount('8.999999'));
      expect(await harness.balance('debit-2b')).toBe(parseAmount('8.00'));
    });

    it('debits a free service conversation without moving the balance', async () => {
      await harness.createPartner('debit-3', '10.00');

      const response = await harness.invoke(
        sqsEvent([
          json(usageBody({ partnerId: 'debit-3', category: 'service', cost: { amount: '0.00', currency: 'EUR' } })),
        ]),
      );

      expect(response.batchItemFailures).toEqual([]);
      expect(await harness.books('debit-3')).toMatchObject({ liveBalance: parseAmount('10.00'), eventsDebited: 1 });
    });
  });

  describe('Exactly once', () => {
    it('debits an event repeated inside one batch once and acknowledges the repeat', async () => {
      await harness.createPartner('once-1', '100.00');
      const body = json(usageBody({ partnerId: 'once-1', cost: { amount: '1.00', currency: 'EUR' } }));

      const response = await harness.invoke(sqsEvent([body, body, body]));

      expect(response.batchItemFailures).toEqual([]);
      expect(await harness.books('once-1')).toMatchObject({ liveBalance: parseAmount('99.00'), eventsDebited: 1 });
    });

    it('debits an event redelivered in later batches once, and still debits the new events beside it', async () => {
      // Prepare
      await harness.createPartner('once-2', '100.00');
      const old = Array.from({ length: 5 }, () =>
        json(usageBody({ partnerId: 'once-2', cost: { amount: '1.00', currency: 'EUR' } })),
      );
      await harness.invoke(sqsEvent(old));
      const fresh = Array.from({ length: 3 }, () =>
        json(usageBody({ partnerId: 'once-2', cost: { amount: '1.00', currency: 'EUR' } })),
      );

      // Act: the old events come again, mixed with new ones, and in another spelling.
      const respelled = old.map((body) => json({ ...JSON.parse(body), cost: { amount: '1.000000', currency: 'EUR' } }));
      const response = await harness.invoke(sqsEvent([...old.slice(0, 2), ...fresh, ...respelled.slice(2)]));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(await harness.books('once-2')).toMatchObject({
        liveBalance: parseAmount('92.00'),
        ledgerSum: parseAmount('92.00'),
        eventsDebited: 8,
      });
      expect(await harness.deadLetters()).toEqual([]);
    });

    it('debits each event once when 8 concurrent invocations hold overlapping events of one partner', async () => {
      // Prepare: 60 distinct events; every invocation holds a different, overlapping 40 of them.
      await harness.createPartner('once-3', '1000.00');
      const events = Array.from({ length: 60 }, (_, index) =>
        json(usageBody({ partnerId: 'once-3', eventId: `once-3-${index}`, cost: { amount: '0.50', currency: 'EUR' } })),
      );
      const batches = Array.from({ length: 8 }, (_, invocation) =>
        Array.from({ length: 40 }, (_, offset) => events[(invocation * 7 + offset) % events.length] as string),
      );

      // Act
      const responses = await Promise.all(batches.map((bodies) => harness.invoke(sqsEvent(bodies))));

      // Assess
      expect(responses.flatMap((response) => response.batchItemFailures)).toEqual([]);
      expect(await harness.books('once-3')).toMatchObject({
        liveBalance: parseAmount('970.00'),
        ledgerSum: parseAmount('970.00'),
        eventsDebited: 60,
      });
    });
  });

  describe('Crashes and redelivery through SQS', () => {
    it('leaves the balance exact when the handler crashes after the debit and before the acknowledgement', async () => {
      // Prepare
      await harness.createPartner('crash-1', '100.00');
      await harness.send(
        Array.from({ length: 20 }, () =>
          json(usageBody({ partnerId: 'crash-1', cost: { amount: '1.00', currency: 'EUR' } })),
        ),
      );
      // The follow-up's read of the balances, the handler's first port call after the debit.
      harness.faults.arm('ledger.getPartners:before');

      // Act
      const { invocations } = await harness.drain();

      // Assess: every record came back once and was found debited.
      expect(harness.faults.hits).toEqual(['ledger.getPartners:before']);
      expect(invocations).toBeGreaterThan(1);
      expect(await harness.books('crash-1')).toMatchObject({
        liveBalance: parseAmount('80.00'),
        ledgerSum: parseAmount('80.00'),
        eventsDebited: 20,
      });
    });

    it('leaves the balance exact when the debit fails before its transaction, by retrying only the failed records', async () => {
      await harness.createPartner('crash-2', '100.00');
      await harness.send(
        Array.from({ length: 20 }, () =>
          json(usageBody({ partnerId: 'crash-2', cost: { amount: '1.00', currency: 'EUR' } })),
        ),
      );
      harness.faults.arm('usageLedger.debit:before');

      await harness.drain();

      expect(harness.faults.hits).toContain('usageLedger.debit:before');
      expect(await harness.books('crash-2')).toMatchObject({
        liveBalance: parseAmount('80.00'),
        ledgerSum: parseAmount('80.00'),
        eventsDebited: 20,
      });
    });

    it('reports a failure after the debit as a batch item failure and finds the events debited on the retry', async () => {
      await harness.createPartner('crash-3', '100.00');
      const bodies = Array.from({ length: 4 }, () =>
        json(usageBody({ partnerId: 'crash-3', cost: { amount: '1.00', currency: 'EUR' } })),
      );
      const event = sqsEvent(bodies);
      harness.faults.arm('usageLedger.debit:after');

      const first = await harness.invoke(event);
      const retry = await harness.invoke(event);

      expect(first.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
        event.Records.map((record) => record.messageId).sort(),
      );
      expect(retry.batchItemFailures).toEqual([]);
      expect(await harness.books('crash-3')).toMatchObject({ liveBalance: parseAmount('96.00'), eventsDebited: 4 });
    });

    it('dead-letters a record that keeps failing transiently only after the redrive limit', async () => {
      await harness.createPartner('crash-4', '100.00');
      await harness.send([json(usageBody({ partnerId: 'crash-4' }))]);
      harness.faults.arm('usageLedger.debit:before', Infinity);

      const { invocations } = await harness.drain();

      const letters = await harness.deadLetters();
      expect(invocations).toBe(3);
      expect(letters).toHaveLength(1);
      expect(letters[0]?.attributes.rejectionReason).toBeUndefined();
      expect(await harness.balance('crash-4')).toBe(parseAmount('100.00'));
    });
  });
});
