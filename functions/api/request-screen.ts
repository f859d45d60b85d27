/**
 * The API's front door, before the router: API Gateway passes every method, path and body
 * on unchecked (one proxy resource, `ANY`), so what no route could read is refused here
 * with a problem, and the router only sees requests it can read. A path must be
 * percent-encoded UTF-8 (400); a path the API serves answers a method it does not accept
 * with 405 and `Allow`; a route that takes a body takes JSON (415) of at most API
 * Gateway's payload limit (413). Routes without a body ignore one.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE, ROUTE_NOT_FOUND, problemBody } from './problems';
import type { ApiRoute } from './api-route';
import { API_ROUTES } from './routes';

/** API Gateway's payload limit for REST APIs (10 MB, not adjustable); the local server applies it too. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What a route that takes a body may answer here besides its own problems. */
export const BODY_PROBLEM_STATUSES = [413, 415] as const;

/** Any origin serves to read a path the way the router does (the WHATWG URL parser). */
const PATH_BASE = 'https://api.invalid/';

/** The longest piece of a request a problem's detail repeats. */
const SHOWN_CHARACTERS = 80;

export type Screened = { readonly refused: APIGatewayProxyResult } | { readonly event: APIGatewayProxyEvent };

interface RouteTemplate {
  readonly route: ApiRoute;
  readonly method: string;
  /** `partners`, `{partnerId}`, ... */
  readonly segments: readonly string[];
}

const TEMPLATES: readonly RouteTemplate[] = API_ROUTES.map((route) => ({
  route,
  method: route.method.toUpperCase(),
  segments: route.path.split('/').slice(1),
}));

export function screenRequest(event: APIGatewayProxyEvent): Screened {
  const segments = pathSegments(event.path);
  if (segments === undefined)
    return refuse(400, 'invalid-path', 'Path is not valid', `"${shown(event.path)}" is not a path`);
  const undecodable = segments.find((segment) => !decodes(segment));
  if (undecodable !== undefined) {
    return refuse(
      400,
      'invalid-path',
      'Path is not valid',
      `path segment "${shown(undecodable)}" is not valid percent-encoded UTF-8: encode each byte of a UTF-8 character as %XX`,
    );
  }
  const matching = TEMPLATES.filter((template) => matches(template.segments, segments));
  if (matching.length === 0) {
    return refuse(...ROUTE_NOT_FOUND);
  }
  const method = event.httpMethod.toUpperCase();
  const template = matching.find((candidate) => candidate.method === method);
  if (template === undefined) {
    const allow = [...new Set(matching.map((candidate) => candidate.method))].join(', ');
    return refuse(
      405,
      'method-not-allowed',
      'Method not allowed',
      `${shown(method)} is not a method of this path; it accepts ${allow}`,
      { allow },
    );
  }
  if (template.route.bodySchema === undefined) return { event: { ...event, body: null, isBase64Encoded: false } };
  if (event.body === null || event.body === '') return { event };

  const bytes = Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    return refuse(
      413,
      'payload-too-large',
      'Payload too large',
      `the body has ${bytes} bytes; at most ${MAX_BODY_BYTES} are accepted`,
    );
  }
  const contentType = headerOf(event, 'content-type');
  if (contentType === undefined || !isJson(contentType)) {
    return refuse(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `the body must be JSON in UTF-8, sent with content-type application/json; got ${contentType === undefined ? 'no content-type' : `"${shown(contentType)}"`}`,
    );
  }
  return { event };
}

/** The path's segments as the router reads them: normalised by the URL parser, trailing slashes dropped. */
function pathSegments(path: string): string[] | undefined {
  let pathname: string;
  try {
    pathname = new URL(path, PATH_BASE).pathname;
  } catch {
    return undefined;
  }
  return pathname.replace(/\/+$/, '').split('/').slice(1);
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

function matches(template: readonly string[], segments: readonly string[]): boolean {
  return (
    template.length === segments.length &&
    template.every((part, index) => (part.startsWith('{') ? (segments[index] ?? '') !== '' : part === segments[index]))
  );
}

/** `application/json` or `application/*+json` (RFC 6839), in UTF-8 (RFC 8259); parameters otherwise ignored. */
export function isJson(contentType: string): boolean {
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const [type, subtype = ''] = mediaType.split('/');
  if (type !== 'application' || !(subtype === 'json' || (subtype.endsWith('+json') && subtype.length > '+json'.length)))
    return false;
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** API Gateway keeps the client's spelling of header names. */
function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return found?.[1] ?? undefined;
}

function shown(text: string): string {
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}...` : text;
}

function refuse(
  status: number,
  code: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): Screened {
  return {
    refused: {
      statusCode: status,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
      body: problemBody(status, code, title, detail),
      isBase64Encoded: false,
    },
  };
}
