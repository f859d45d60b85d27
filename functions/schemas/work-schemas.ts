/** Schemas of the messages the system sends itself: recharge requests, daily and monthly run work. */
import * as z from 'zod';
import type { Day } from '../domain/daily/daily-run-ports';
import type { Month } from '../domain/month';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE } from '../domain/partner';
import { RECHARGE_TRIGGERS } from '../domain/recharge/charge-attempt';

export const RechargeRequestSchema = z.object({
  partnerId: z.string().regex(PARTNER_ID_PATTERN, PARTNER_ID_RULE),
  trigger: z.enum(RECHARGE_TRIGGERS),
  requestedAt: z.iso.datetime().transform((time) => new Date(time)),
});
export type RechargeRequestMessage = z.infer<typeof RechargeRequestSchema>;

const DaySchema = z.iso.date().transform((day) => day as Day);

export const DailyWorkSchema = z.object({
  day: DaySchema,
  now: z.iso.datetime().transform((time) => new Date(time)),
  cutoffs: z.array(z.iso.datetime().transform((time) => new Date(time))).min(1),
  shard: z.number().int().min(0),
  cursor: z.string().min(1).optional(),
  monthsCursor: z.string().min(1).optional(),
});
export type DailyWork = z.infer<typeof DailyWorkSchema>;

export const MonthlyWorkSchema = z.object({
  periods: z
    .array(
      z
        .string()
        .regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/)
        .transform((month) => month as Month),
    )
    .min(1),
  shard: z.number().int().min(0),
  cursor: z.string().min(1).optional(),
});
export type MonthlyWork = z.infer<typeof MonthlyWorkSchema>;
