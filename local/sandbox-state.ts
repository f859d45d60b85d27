/**
 * Where the local runtime keeps the sandbox card provider's state, next to the data that
 * refers to it: the charges (a charge waiting for authentication can still be completed or
 * canceled after a restart, and a key replays its charge), the setup sessions and the
 * cards they saved, the payment pages (one still open can be paid after a restart, and an
 * attempt's key answers with its page), the disputes and refunds of the charges (a dispute
 * can still be closed, and a refund's key replays it), and the charge id sequence (an id
 * is never handed out twice, so an old `actionUrl` never opens another partner's charge).
 *
 * The file is written after each change, before the call that made the change answers and
 * before its event is delivered: what billing records of a charge is never newer than what
 * the sandbox would find on the next start. The write is synchronous but not flushed to the
 * disk (a process that dies keeps what it wrote; a machine that loses power may not), as
 * the clock's, so a slow disk holds up requests only for the write itself.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import { SANDBOX_DISPUTE_STATUSES } from '../functions/adapters/payments/sandbox-money-back';
import { PAYMENT_INTENT_STATUSES, type SandboxState } from '../functions/adapters/payments/sandbox-payment-provider';
import { CURRENCIES } from '../functions/domain/money';

/** The file's name in the data folder. */
export const SANDBOX_STATE_FILE = 'sandbox.json';

const PaymentErrorSchema = z.object({
  type: z.enum(['card_error', 'invalid_request_error']),
  code: z.string(),
  decline_code: z.string().optional(),
  message: z.string(),
});

const SandboxStateSchema = z.object({
  sequence: z.number().int().nonnegative(),
  charges: z.array(
    z.object({
      chargeId: z.string().min(1),
      request: z.object({
        partnerId: z.string(),
        customerId: z.string().optional(),
        paymentMethod: z.string(),
        amountCents: z.number().int(),
        currency: z.enum(CURRENCIES),
        idempotencyKey: z.string().min(1),
        description: z.string(),
        firstTriedAt: z.iso.datetime().optional(),
      }),
      status: z.enum(PAYMENT_INTENT_STATUSES),
      lastPaymentError: PaymentErrorSchema.nullable(),
    }),
  ),
  setupSessions: z.array(
    z.object({
      sessionId: z.string().min(1),
      request: z.object({ partnerId: z.string(), customerId: z.string(), role: z.enum(['primary', 'backup']) }),
      expiresAt: z.iso.datetime(),
      setupReference: z.string().optional(),
    }),
  ),
  savedCards: z.array(
    z.object({ setupReference: z.string().min(1), paymentMethod: z.string(), customerId: z.string() }),
  ),
  // A file written before payment pages were played has none.
  paymentSessions: z
    .array(
      z.object({
        sessionId: z.string().min(1),
        request: z.object({
          partnerId: z.string(),
          customerId: z.string(),
          amountCents: z.number().int().positive(),
          currency: z.enum(CURRENCIES),
          idempotencyKey: z.string().min(1),
          description: z.string(),
        }),
        expiresAt: z.iso.datetime(),
        paid: z.object({ paymentIntent: z.string().min(1), paymentMethod: z.string().min(1) }).optional(),
        expired: z.literal(true).optional(),
      }),
    )
    .default([]),
  // A file written before disputes and refunds were played has none.
  disputes: z
    .array(
      z.object({
        disputeId: z.string().min(1),
        chargeId: z.string().min(1),
        status: z.enum(SANDBOX_DISPUTE_STATUSES),
        amountCents: z.number().int().positive(),
        reason: z.string(),
        createdAt: z.iso.datetime(),
      }),
    )
    .default([]),
  refunds: z
    .array(
      z.object({
        refundId: z.string().min(1),
        chargeId: z.string().min(1),
        amountCents: z.number().int().positive(),
        createdAt: z.iso.datetime(),
        idempotencyKey: z.string().min(1).optional(),
        operatorReference: z.string().optional(),
      }),
    )
    .default([]),
}) satisfies z.ZodType<SandboxState, unknown>;

export class SandboxStateFile {
  constructor(readonly file: string) {}

  /**
   * The state saved, or undefined when none is (a new data folder). A file that cannot be
   * read as the sandbox's state stops the start, rather than a fresh sandbox: it would
   * forget the charges the data refers to and hand out their ids again.
   */
  read(): SandboxState | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw this.unreadable(`not JSON (${(error as Error).message})`);
    }
    const parsed = SandboxStateSchema.safeParse(json);
    if (!parsed.success) throw this.unreadable(firstIssueOf(parsed.error));
    return parsed.data;
  }

  write(state: SandboxState): void {
    // Written aside and renamed over, so a crash never leaves half a file.
    const next = `${this.file}.next`;
    writeFileSync(next, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(next, this.file);
  }

  private unreadable(detail: string): Error {
    return new Error(
      `${this.file} does not hold the sandbox card provider's state: ${detail}. Put the file back as it was, or start ` +
        'from a new data folder: deleting this file alone forgets the charges the data refers to, and hands their ids out again',
    );
  }
}

/** Where the file first departs from the state, e.g. `charges[0].status: Invalid option: …`, and how many more. */
function firstIssueOf(error: z.ZodError): string {
  const [first, ...others] = error.issues;
  if (first === undefined) return 'not the expected shape';
  const path = first.path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
  const more = others.length === 0 ? '' : ` (and ${others.length} more)`;
  return `${path === '' ? 'the whole file' : path}: ${first.message}${more}`;
}
