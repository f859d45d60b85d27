/**
 * Stripe's wire format as the fake speaks it: form-encoded parameters with bracketed keys
 * in (`metadata[partnerId]`, `created[gte]`, `allowed_payment_method_types[0]`), JSON
 * objects and Stripe's error bodies out, so the real SDK raises its own error classes.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../../functions/domain/ports';

/** Parameters as sent, bracketed keys kept as they are. */
export type Params = Readonly<Record<string, string>>;

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A request Stripe refuses before carrying it out (a missing or unknown parameter, an
 * object in the wrong state): thrown by the resources, answered as is, and, as Stripe
 * does for requests that never ran, not kept under the request's idempotency key.
 */
export class Refusal extends Error {
  constructor(readonly answer: Answer) {
    super(`fake Stripe refused the request (${answer.status}): ${JSON.stringify(answer.body)}`);
  }
}

export function invalidRequest(
  message: string,
  details: { readonly code?: string; readonly param?: string; readonly status?: number } = {},
): Refusal {
  const { code, param, status = 400 } = details;
  return new Refusal({
    status,
    body: {
      error: {
        type: 'invalid_request_error',
        message,
        ...(code !== undefined && { code }),
        ...(param !== undefined && { param }),
      },
    },
  });
}

/** Stripe's answer for an id it does not know: 404 for the object in the path, 400 for a parameter. */
export function noSuch(kind: string, id: string, param?: string): Refusal {
  return invalidRequest(`No such ${kind}: '${id}'`, {
    code: 'resource_missing',
    ...(param !== undefined && { param }),
    status: param === undefined ? 404 : 400,
  });
}

export function missingParam(param: string): Refusal {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

/**
 * One page of a list, newest first as Stripe lists: `limit` objects (1 to 100, 10 unless
 * asked) after the one named by `starting_after`, and whether more follow.
 */
export function page<T extends { readonly id: string }>(
  newestFirst: readonly T[],
  query: Params,
  list: { readonly url: string; readonly kind: string },
): Answer {
  const limit = Number(query.limit ?? '10');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidRequest('This value must be between 1 and 100.', {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
  }
  let start = 0;
  if (query.starting_after !== undefined) {
    const after = newestFirst.findIndex((object) => object.id === query.starting_after);
    if (after < 0) throw noSuch(list.kind, query.starting_after, 'starting_after');
    start = after + 1;
  }
  const data = newestFirst.slice(start, start + limit);
  return {
    status: 200,
    body: { object: 'list', url: list.url, has_more: start + limit < newestFirst.length, data },
  };
}

export function apiError(message: string): unknown {
  return { error: { type: 'api_error', message } };
}

export function stripeId(prefix: string): string {
  return `${prefix}_3${randomBytes(12).toString('hex')}`;
}

/** Stripe stamps its objects in whole seconds since the epoch. */
export function secondsAt(clock: Clock): number {
  return Math.floor(clock.now().getTime() / 1000);
}

/** The fields under `prefix[…]`, e.g. `metadata` from `metadata[partnerId]`. */
export function nested(params: Params, prefix: string): Record<string, string> {
  const start = `${prefix}[`;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(start)) continue;
    const match = /^([^\]]+)\](.*)$/.exec(key.slice(start.length));
    if (match?.[1] !== undefined && match[2] === '') fields[match[1]] = value;
  }
  return fields;
}

/** An array parameter, sent by the SDK as `name[0]`, `name[1]`, … */
export function listParam(params: Params, name: string): string[] {
  return Object.entries(nested(params, name))
    .filter(([index]) => /^\d+$/.test(index))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Request-Id': stripeId('req'),
    ...headers,
  });
  response.end(text);
}

export function sendPage(response: ServerResponse, title: string): void {
  const text = `<!doctype html><title>${title}</title><p>${title}</p>`;
  response.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
