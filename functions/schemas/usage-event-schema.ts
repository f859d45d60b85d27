/**
 * The usage event body of docs/contract.md §4, exactly: unknown fields are refused, so a
 * platform change is noticed in the dead-letter queue instead of being billed blindly.
 */
import * as z from 'zod';
import { CURRENCIES, formatAmount } from '../domain/money';
import { AmountOutOfRangeError } from '../domain/errors';
import { E164_PATTERN, E164_RULE } from '../domain/channels/phone-number';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE } from '../domain/partner';
import { AmountSchema } from './amount-schema';
import { FREE_CATEGORIES, type Rejection, USAGE_CATEGORIES, type UsageEvent } from '../domain/usage/usage-event';

export const UsageEventSchema = z.strictObject({
  eventId: z.string().min(1).max(128),
  partnerId: z.string().regex(PARTNER_ID_PATTERN, PARTNER_ID_RULE),
  channelId: z.string().regex(E164_PATTERN, E164_RULE),
  conversationId: z.string().min(1).max(256),
  category: z.enum(USAGE_CATEGORIES),
  occurredAt: z.iso.datetime({ offset: true }),
  cost: z.strictObject({
    amount: AmountSchema,
    currency: z.enum(CURRENCIES),
  }),
});

export type UsageParseResult =
  | { readonly ok: true; readonly event: UsageEvent }
  | { readonly ok: false; readonly rejection: Rejection; readonly partnerId?: string; readonly eventId?: string };

/** Parses an SQS message body. Never throws: every way a body can be wrong is a rejection. */
export function parseUsageBody(body: string): UsageParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      rejection: { reason: 'invalid-json', detail: `body is not JSON: ${(error as Error).message}` },
    };
  }
  const parsed = UsageEventSchema.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues.some(isOutOfRange) ? 'amount-out-of-range' : 'schema-violation';
    return { ok: false, rejection: { reason, detail: describeIssues(parsed.error) }, ...identifiersOf(json) };
  }
  const { cost, occurredAt, ...fields } = parsed.data;
  const event: UsageEvent = { ...fields, occurredAt: new Date(occurredAt), cost: cost.amount, currency: cost.currency };
  const free = FREE_CATEGORIES.includes(event.category);
  if (event.cost < 0 || (event.cost === 0 && !free)) {
    return {
      ok: false,
      rejection: {
        reason: 'non-positive-cost',
        detail: `cost ${formatAmount(cost.amount)} ${cost.currency} of a ${event.category} conversation must be ${free ? '>= 0' : '> 0'}`,
      },
      partnerId: event.partnerId,
      eventId: event.eventId,
    };
  }
  return { ok: true, event };
}

function isOutOfRange(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && issue.params?.code === AmountOutOfRangeError.code;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

/** The ids of a refused body where they can be read, to tag its dead letter. */
function identifiersOf(json: unknown): { partnerId?: string; eventId?: string } {
  const loose = z.looseObject({ partnerId: z.string().optional(), eventId: z.string().optional() }).safeParse(json);
  if (!loose.success) return {};
  return {
    ...(loose.data.partnerId !== undefined && { partnerId: loose.data.partnerId.slice(0, 64) }),
    ...(loose.data.eventId !== undefined && { eventId: loose.data.eventId.slice(0, 128) }),
  };
}
