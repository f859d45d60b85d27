import fc from 'fast-check';
import { parseAmount } from '../../../functions/domain/money';
import { IngestionHarness } from '../../support/ingestion-harness';
import { sqsEvent, usageBody } from '../../support/usage-factory';

const json = (value: unknown) => JSON.stringify(value);

describe('Handler: ingest-usage, refused input', () => {
  let harness: IngestionHarness;

  beforeAll(async () => {
    harness = await IngestionHarness.start();
    await harness.createPartner('poison-1', '100.00');
    await harness.createPartner('fuzz-1', '100.00');
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('sends every kind of poison message to the dead-letter queue at once with its reason, and applies the good records beside them', async () => {
    // Prepare: one event debited earlier, repeated now with another cost.
    const earlier = usageBody({ partnerId: 'poison-1', cost: { amount: '1.00', currency: 'EUR' } });
    await harness.invoke(sqsEvent([json(earlier)]));
    const twin = usageBody({ partnerId: 'poison-1', cost: { amount: '3.00', currency: 'EUR' } });
    const poison: Record<string, string> = {
      'invalid-json': '{"eventId": "half',
      'schema-violation': json({ ...usageBody({ partnerId: 'poison-1' }), category: 'promotion' }),
      'unknown-partner': json(usageBody({ partnerId: 'nobody-here' })),
      'currency-mismatch': json(usageBody({ partnerId: 'poison-1', cost: { amount: '1.00', currency: 'USD' } })),
      'non-positive-cost': json(
        usageBody({ partnerId: 'poison-1', category: 'utility', cost: { amount: '0.00', currency: 'EUR' } }),
      ),
      'conflicting-repeat': json({ ...earlier, cost: { amount: '2.00', currency: 'EUR' } }),
    };
    const good = [twin, usageBody({ partnerId: 'poison-1', cost: { amount: '3.00', currency: 'EUR' } })].map(json);
    // The same event id twice in one batch with different content: the first is debited, the second refused.
    const inBatchConflict = json({ ...twin, cost: { amount: '4.00', currency: 'EUR' } });

    // Act
    const response = await harness.invoke(sqsEvent([...Object.values(poison), ...good, inBatchConflict]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.books('poison-1')).toMatchObject({
      liveBalance: parseAmount('93.00'),
      ledgerSum: parseAmount('93.00'),
    });
    const letters = await harness.deadLetters();
    expect(letters.map((letter) => letter.attributes.rejectionReason).sort()).toEqual(
      [...Object.keys(poison), 'conflicting-repeat'].sort(),
    );
    for (const [reason, body] of Object.entries(poison)) {
      const letter = letters.find((candidate) => candidate.body === body);
      expect(letter?.attributes).toMatchObject({ rejectionReason: reason, sourceMessageId: expect.any(String) });
      expect(letter?.attributes.rejectionDetail?.length).toBeGreaterThan(10);
    }
    expect(letters.find((letter) => letter.body === inBatchConflict)?.attributes.eventId).toBe(twin.eventId);
    expect(await harness.events.ofType('UsageRejected')).toHaveLength(7);
  });

  it('acknowledges a redelivery that follows a conflicting repeat of a debited event in the same batch', async () => {
    // Prepare: the event is debited; later one batch brings a conflicting repeat first, then the event itself again.
    await harness.createPartner('conflict-order-1', '100.00');
    const original = usageBody({ partnerId: 'conflict-order-1', cost: { amount: '1.00', currency: 'EUR' } });
    await harness.invoke(sqsEvent([json(original)]));
    await harness.deadLetters();
    const conflicting = json({ ...original, cost: { amount: '2.00', currency: 'EUR' } });
    const event = sqsEvent([conflicting, json(original)]);
    const [, redelivery] = event.Records;

    // Act
    const response = await harness.invoke(event);

    // Assess: only the conflict is refused; the redelivery comes back alone and is the duplicate it is.
    expect((await harness.deadLetters()).map((letter) => letter.body)).toEqual([conflicting]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: redelivery?.messageId }]);
    expect((await harness.invoke(sqsEvent([json(original)]))).batchItemFailures).toEqual([]);
    expect(await harness.deadLetters()).toEqual([]);
    expect(await harness.books('conflict-order-1')).toMatchObject({
      liveBalance: parseAmount('99.00'),
      eventsDebited: 1,
    });
  });

  it('names the field a schema violation is about', async () => {
    const body = json({ ...usageBody({ partnerId: 'poison-1' }), occurredAt: 'yesterday' });

    await harness.invoke(sqsEvent([body]));

    const [letter] = await harness.deadLetters();
    expect(letter?.attributes).toMatchObject({ rejectionReason: 'schema-violation', partnerId: 'poison-1' });
    expect(letter?.attributes.rejectionDetail).toContain('occurredAt');
  });

  describe('Fuzz: arbitrary bodies', () => {
    const validEvent = fc.record({ cents: fc.integer({ min: 1, max: 500 }), id: fc.uuid() }).map(({ cents, id }) => ({
      body: json(
        usageBody({
          partnerId: 'fuzz-1',
          eventId: `fuzz-${id}`,
          cost: { amount: (cents / 100).toFixed(2), currency: 'EUR' },
        }),
      ),
      cost: cents * 10_000,
    }));
    const garbage = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => json(value)),
      // Valid events with one field replaced by a value of the wrong type.
      fc
        .tuple(
          fc.constantFrom('eventId', 'partnerId', 'channelId', 'conversationId', 'category', 'occurredAt', 'cost'),
          fc.oneof(
            fc.integer(),
            fc.double(),
            fc.boolean(),
            fc.constant(null),
            fc.array(fc.jsonValue(), { maxLength: 3 }),
          ),
        )
        .map(([field, value]) => json({ ...usageBody({ partnerId: 'fuzz-1' }), [field]: value })),
    );
    const body = fc.oneof(
      { arbitrary: validEvent, weight: 1 },
      { arbitrary: garbage.map((text) => ({ body: text, cost: 0 })), weight: 3 },
    );

    it('never throws out of the handler and moves the balance by exactly the valid events', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 12 }), async (bodies) => {
          const before = (await harness.balance('fuzz-1')) ?? Number.NaN;

          const response = await harness.invoke(sqsEvent(bodies.map((item) => item.body)));

          expect(response.batchItemFailures).toEqual([]);
          const expected = before - bodies.reduce((total, item) => total + item.cost, 0);
          const books = await harness.books('fuzz-1');
          expect(books.liveBalance).toBe(expected);
          expect(books.ledgerSum).toBe(expected);
        }),
        { numRuns: 40 },
      );
    }, 120_000);
  });
});
