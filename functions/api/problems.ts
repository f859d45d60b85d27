/**
 * application/problem+json (RFC 9457). Every domain error has a stable `type` derived
 * from its code and a `detail` a person can act on; unexpected errors answer 500 without
 * internals.
 */
import type * as z from 'zod';
import { AmountOutOfRangeError, type DomainError } from '../domain/errors';
import { MAX_REFUND_PARTS } from '../domain/money-back/money-back-rules';
import type { PartnerAccount } from '../domain/partner';

export const PROBLEM_TYPE_BASE = 'urn:prepaid-billing:problem:';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status and title per domain error code; codes not listed are 400. */
const STATUS_BY_CODE: Readonly<Record<string, { status: number; title: string }>> = {
  'unknown-partner': { status: 404, title: 'Unknown partner' },
  'unknown-channel': { status: 404, title: 'Unknown channel' },
  'channel-of-another-partner': { status: 404, title: 'Number of another partner' },
  'partner-exists': { status: 409, title: 'Partner exists' },
  'partner-exists-with-other-details': { status: 409, title: 'Partner exists with other details' },
  'posting-conflict': { status: 409, title: 'Idempotency key reused' },
  'number-already-registered': { status: 409, title: 'Number registered before' },
  'reconciliation-conflict': { status: 409, title: 'Month reconciled with another amount' },
  'period-not-closed': { status: 409, title: 'Month not over' },
  'statement-not-ready': { status: 409, title: 'Statement not ready' },
  'period-before-account': { status: 400, title: 'Month before the account' },
  'payment-required': { status: 402, title: 'Payment required' },
  'currency-mismatch': { status: 400, title: 'Currency mismatch' },
  'blocked-region': { status: 400, title: 'Blocked region' },
};

/**
 * A refusal decided by a route itself, not by a use case: a card the provider refused, a
 * customer the provider needs, a provider that could not be asked. Thrown by the route,
 * answered by the router like a domain error.
 */
export class RequestProblem extends Error {
  /** Members of the problem beyond RFC 9457's own (`declineCode`), as its extensions allow. */
  readonly extensions: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    options?: ErrorOptions & { readonly extensions?: Readonly<Record<string, string>> },
  ) {
    super(detail, options);
    this.name = 'RequestProblem';
    this.extensions = options?.extensions ?? {};
  }
}

/** The card provider keeps cards per customer (Stripe) and the request names none. */
export function customerRequired(status: 400 | 409, detail: string): RequestProblem {
  return new RequestProblem(status, 'customer-required', 'Payment customer required', detail);
}

/** The provider refused a card reference before it was stored (docs/contract.md §13). */
export function paymentMethodRefused(field: string, reason: string, detail: string): RequestProblem {
  return new RequestProblem(
    422,
    'payment-method-refused',
    'Payment method refused',
    `${field} was refused by the card provider (${reason}): ${detail}`,
  );
}

/** The provider gave no clear answer: nothing was stored, and the request may be repeated. */
export function providerUnavailable(detail: string, cause?: unknown): RequestProblem {
  return new RequestProblem(
    503,
    'provider-unavailable',
    'Card provider unavailable',
    `${detail}; nothing was stored, try again`,
    { cause },
  );
}

/**
 * A closed account is never charged again (docs/contract.md §13): a card, recharge settings
 * or a number given to it would never be used, so the request is refused rather than stored.
 */
export function partnerClosed(account: PartnerAccount): RequestProblem {
  const since = account.closedAt === undefined ? '' : ` since ${account.closedAt.toISOString()}`;
  return new RequestProblem(
    409,
    'partner-closed',
    'Partner closed',
    `partner "${account.partnerId}" is closed${since}: it takes no card, recharge settings or number any more`,
  );
}

export function unknownRefund(partnerId: string, reference: string): RequestProblem {
  return new RequestProblem(
    404,
    'unknown-refund',
    'Unknown refund',
    `partner "${partnerId}" has no refund with reference "${reference}"`,
  );
}

/** A refund reference is used for one refund: the same reference with another amount is refused. */
export function refundReferenceConflict(reference: string, existingAmount: string, asked: string): RequestProblem {
  return new RequestProblem(
    409,
    'reference-conflict',
    'Refund reference used for another amount',
    `refund "${reference}" was asked for with ${existingAmount}, not ${asked}; a reference is used for one refund only`,
  );
}

/** One refund of a partner is paid back at a time. */
export function refundInProgress(partnerId: string, reference: string): RequestProblem {
  return new RequestProblem(
    409,
    'refund-in-progress',
    'Another refund in progress',
    `refund "${reference}" of partner "${partnerId}" still waits for the card provider; ask again once it is done (GET /partners/${partnerId}/refunds/${encodeURIComponent(reference)})`,
  );
}

export function refundExceedsBalance(asked: string, liveBalance: string): RequestProblem {
  return new RequestProblem(
    422,
    'refund-exceeds-balance',
    'Refund exceeds the balance',
    `a refund of ${asked} is more than the live balance of ${liveBalance}`,
  );
}

/**
 * The card charges still carry less credit than asked: a charge's card fee, credit already
 * refunded or disputed, and money paid otherwise (a bank transfer) cannot go back to a card.
 */
export function refundExceedsCharges(asked: string, refundable: string, tooManyCharges: boolean): RequestProblem {
  const why = tooManyCharges
    ? `it would be split over more than ${MAX_REFUND_PARTS} card charges; at most ${refundable} can be refunded in one request`
    : `the card charges carry ${refundable} of credit that can be paid back to cards (not their card fees, nor credit refunded or disputed before, nor payments made otherwise)`;
  return new RequestProblem(
    422,
    'refund-exceeds-charges',
    'Refund exceeds the card charges',
    `a refund of ${asked} is more than can be refunded: ${why}`,
  );
}

/**
 * A top-up the card did not pay (docs/contract.md §14): declined, refused by the provider,
 * or a card the decline policy no longer lets be charged. Nothing was credited.
 */
export function cardDeclined(declineCode: string | undefined, detail: string): RequestProblem {
  return new RequestProblem(402, 'card-declined', 'Card declined', detail, {
    ...(declineCode !== undefined && { extensions: { declineCode } }),
  });
}

export function topUpOutOfRange(asked: string, minimum: string, maximum: string): RequestProblem {
  return new RequestProblem(
    400,
    'top-up-out-of-range',
    'Top-up out of range',
    `a top-up of ${asked} is outside what a top-up may credit: ${minimum} to ${maximum}`,
  );
}

/** A top-up reference names one top-up: the same reference with another amount, or paid another way, is refused. */
export function topUpReferenceConflict(reference: string, existing: string, asked: string): RequestProblem {
  return new RequestProblem(
    409,
    'reference-conflict',
    'Top-up reference used for another top-up',
    `top-up "${reference}" was asked for as ${existing}, not ${asked}; a reference is used for one top-up only`,
  );
}

/** One charge of a partner is in flight at a time: a top-up does not wait for another (docs/contract.md §14). */
export function chargeInProgress(partnerId: string, attemptId: string | undefined): RequestProblem {
  const which = attemptId === undefined ? 'another charge' : `charge ${attemptId}`;
  return new RequestProblem(
    409,
    'charge-in-progress',
    'Another charge in progress',
    `${which} of partner "${partnerId}" is still in flight (GET /partners/${partnerId} shows it); ask for the top-up again once it is over`,
  );
}

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** A path the API does not serve: answered by the request screen, and by the router should one reach it. */
export const ROUTE_NOT_FOUND = [
  404,
  'route-not-found',
  'Not found',
  'no such resource: see the API description for the paths it serves',
] as const;

export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  errors?: readonly FieldError[],
  extensions: Readonly<Record<string, string>> = {},
): Response {
  return new Response(problemBody(status, code, title, detail, errors, extensions), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
  });
}

export function problemBody(
  status: number,
  code: string,
  title: string,
  detail: string,
  errors?: readonly FieldError[],
  extensions: Readonly<Record<string, string>> = {},
): string {
  return JSON.stringify({
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title,
    status,
    detail,
    ...(errors !== undefined && { errors }),
    ...extensions,
  });
}

export function domainProblem(error: DomainError): Response {
  const known = STATUS_BY_CODE[error.code];
  return problem(known?.status ?? 400, error.code, known?.title ?? titleOf(error.code), error.message);
}

/**
 * A request that does not match its schema: 400, naming every field that is wrong. When
 * every field is wrong only by being beyond the money range, the type says so
 * (`amount-out-of-range`): the request is well formed, its amounts are too large.
 */
export function validationProblem(where: 'body' | 'path' | 'query', error: z.ZodError): Response {
  const errors = error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const detail = errors.map((item) => `${item.field}: ${item.message}`).join('; ');
  if (error.issues.every((issue) => codeOf(issue) === AmountOutOfRangeError.code)) {
    return problem(400, AmountOutOfRangeError.code, 'Amount out of range', detail, errors);
  }
  return problem(400, 'validation-failed', 'Request is not valid', detail, errors);
}

/** The domain error code a schema attached to its issue (see functions/schemas/amount-schema.ts). */
function codeOf(issue: z.core.$ZodIssue): unknown {
  return issue.code === 'custom' ? issue.params?.code : undefined;
}

function titleOf(code: string): string {
  const words = code.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
