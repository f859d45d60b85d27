import fc from 'fast-check';
import { parseUsageBody } from '../../../functions/schemas/usage-event-schema';
import { usageBody } from '../../support/usage-factory';

const json = (value: unknown) => JSON.stringify(value);

describe('Function: parseUsageBody', () => {
  it('reads the example event of the contract', () => {
    const result = parseUsageBody(
      json({
        eventId: 'wamid-7f3a-0001',
        partnerId: 'partner-42',
        channelId: '+4915112345678',
        conversationId: 'c-98765',
        category: 'marketing',
        occurredAt: '2026-11-22T10:15:00Z',
        cost: { amount: '0.0625', currency: 'EUR' },
      }),
    );

    expect(result).toEqual({
      ok: true,
      event: {
        eventId: 'wamid-7f3a-0001',
        partnerId: 'partner-42',
        channelId: '+4915112345678',
        conversationId: 'c-98765',
        category: 'marketing',
        occurredAt: new Date('2026-11-22T10:15:00Z'),
        cost: 62_500,
        currency: 'EUR',
      },
    });
  });

  it.each([
    ['not JSON', '{"eventId":', 'invalid-json', /not JSON/],
    ['an empty body', '', 'invalid-json', /not JSON/],
    ['a JSON array', '[]', 'schema-violation', /body/],
    ['a missing eventId', json({ ...usageBody(), eventId: undefined }), 'schema-violation', /eventId/],
    ['an eventId of 129 characters', json(usageBody({ eventId: 'e'.repeat(129) })), 'schema-violation', /eventId/],
    ['a partner id with a #', json(usageBody({ partnerId: 'a#b' })), 'schema-violation', /partnerId/],
    [
      'a channel that is not E.164',
      json(usageBody({ channelId: '004915112345678' })),
      'schema-violation',
      /channelId.*E\.164/,
    ],
    ['an unknown category', json(usageBody({ category: 'promotion' })), 'schema-violation', /category/],
    ['a time without zone', json(usageBody({ occurredAt: '2026-11-22T10:15:00' })), 'schema-violation', /occurredAt/],
    [
      'an unsupported currency',
      json(usageBody({ cost: { amount: '1.00', currency: 'GBP' } })),
      'schema-violation',
      /cost\.currency/,
    ],
    [
      'an amount with 7 decimals',
      json(usageBody({ cost: { amount: '0.0000001', currency: 'EUR' } })),
      'schema-violation',
      /more than 6 fraction digits/,
    ],
    [
      'an amount as a number',
      json({ ...usageBody(), cost: { amount: 0.0625, currency: 'EUR' } }),
      'schema-violation',
      /cost\.amount/,
    ],
    ['an unknown field', json({ ...usageBody(), price: '1.00' }), 'schema-violation', /price/],
    [
      'a free marketing conversation',
      json(usageBody({ cost: { amount: '0.00', currency: 'EUR' } })),
      'non-positive-cost',
      /> 0/,
    ],
    [
      'a negative service cost',
      json(usageBody({ category: 'service', cost: { amount: '-0.01', currency: 'EUR' } })),
      'non-positive-cost',
      />= 0/,
    ],
  ])('refuses %s as %s', (_, body, reason, detail) => {
    const result = parseUsageBody(body);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.rejection.reason).toBe(reason);
    expect(!result.ok && result.rejection.detail).toMatch(detail);
  });

  it('keeps the ids of a refused body that has them, to tag its dead letter', () => {
    const result = parseUsageBody(json({ ...usageBody({ partnerId: 'p-1', eventId: 'e-1' }), category: 'promotion' }));

    expect(result).toMatchObject({ ok: false, partnerId: 'p-1', eventId: 'e-1' });
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (body) => {
        parseUsageBody(body);
      }),
    );
  });
});
