/**
 * `events replay --from <ISO> --to <ISO> [--type <T>] [--partner <id>]`: puts the outbox
 * events of a time range on the bus again, through the publisher the event relay uses,
 * with their ids, times and details as first published. Consumers deduplicate on
 * `detail.id`, so an event they had is ignored and one they missed (a relay batch given
 * up on, a consumer that was down) arrives. `UsageRejected` has no outbox item and is
 * not replayed; outbox items are kept 7 days after their time.
 */
import * as z from 'zod';
import { OUTBOX_RETENTION_SECONDS } from '../../functions/adapters/dynamodb/outbox';
import { EVENT_TYPES } from '../../functions/domain/events';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE } from '../../functions/domain/partner';
import { type Command, parseOptions } from '../command';
import { UsageError } from '../operator-errors';
import { readOutboxRange } from '../reads/outbox-range';
import { textTable } from '../text-table';

const OptionsSchema = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  type: z.enum(EVENT_TYPES).optional(),
  partner: z.string().regex(PARTNER_ID_PATTERN, PARTNER_ID_RULE).optional(),
});

export const eventsReplay: Command = {
  words: ['events', 'replay'],
  usage: 'events replay --from <ISO-8601> --to <ISO-8601> [--type <event type>] [--partner <id>]',
  summary:
    'puts the outbox events of [from, to) on the bus again (consumers deduplicate on detail.id); without --partner it scans the table',
  operands: [],
  options: { from: { type: 'string' }, to: { type: 'string' }, type: { type: 'string' }, partner: { type: 'string' } },
  async run(target, input, progress) {
    const options = parseOptions(OptionsSchema, input.options);
    const from = new Date(options.from);
    const to = new Date(options.to);
    if (from >= to) throw new UsageError('--from must be before --to');
    const kept = new Date(target.now.getTime() - OUTBOX_RETENTION_SECONDS * 1000);
    const warnings =
      from < kept
        ? [`outbox items are kept 7 days after their time: events before ${kept.toISOString()} may be gone`]
        : [];
    const range = {
      from,
      to,
      ...(options.type !== undefined && { type: options.type }),
      ...(options.partner !== undefined && { partnerId: options.partner }),
    };
    const byType = new Map<string, number>();
    let itemsRead = 0;
    let published = 0;
    try {
      await readOutboxRange(target.dynamoDb, target.tableName, range, async (page) => {
        await target.bus.publisher.publish(page.events);
        for (const event of page.events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
        itemsRead += page.itemsRead;
        published += page.events.length;
        progress.update(`read ${itemsRead} items, put ${published} events on the bus again`);
      });
    } finally {
      progress.done();
    }
    const types = [...byType.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]) => ({ type, count }));
    const json = {
      from: from.toISOString(),
      to: to.toISOString(),
      ...(options.type !== undefined && { type: options.type }),
      ...(options.partner !== undefined && { partnerId: options.partner }),
      bus: target.bus.name,
      itemsRead,
      published,
      byType: types,
      warnings,
    };
    const text = [
      ...warnings,
      `put ${published} events of ${from.toISOString()} to ${to.toISOString()} on ${target.bus.name} again (${target.description}); consumers deduplicate on detail.id`,
      textTable(types.map(({ type, count }) => [type, String(count)])),
    ]
      .filter((line) => line !== '')
      .join('\n');
    return { json, text };
  },
};
