/**
 * The local HTTP front door on a loopback port: each request becomes the API Gateway
 * proxy event the deployed API would produce and goes to the same handler as in AWS: the
 * operator API's, or the Stripe webhook's for `/webhooks/stripe`; `/local/...` goes to the
 * local endpoints.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../functions/api/problems';
import { MAX_BODY_BYTES } from '../functions/api/request-screen';
import { apiGatewayEvent } from './api-gateway-event';
import { lambdaContext } from './lambda-context';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface HttpRoutes {
  readonly api: ProxyHandler;
  readonly local: ProxyHandler;
  /** The Stripe webhook endpoint, a function of its own behind the same API in AWS. */
  readonly stripeWebhook: ProxyHandler;
}

export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';

export interface RunningHttpServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** The API function's timeout in the stack. */
const API_TIMEOUT_MS = 30_000;
/** The webhook function's timeout in the stack. */
export const STRIPE_WEBHOOK_TIMEOUT_MS = 20_000;
/** Advancing the clock runs whole days of jobs: far longer than an API call may take. */
const LOCAL_TIMEOUT_MS = 15 * 60_000;
const LINGER_AFTER_REFUSAL_MS = 5_000;

export async function startHttpServer(
  port: number,
  routes: HttpRoutes,
  onError: (error: unknown) => void,
): Promise<RunningHttpServer> {
  const server = createServer((request, response) => {
    serve(request, response, routes).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error');
    });
  });
  // A clock advance can hold its request open for minutes.
  server.requestTimeout = LOCAL_TIMEOUT_MS;
  await listen(server, port);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      }),
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, routes: HttpRoutes): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(request);
  if (body === TOO_LARGE) {
    refuseTooLarge(request, response);
    return;
  }
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) query[name] = [...(query[name] ?? []), value];
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
  const event = apiGatewayEvent({
    method: request.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    body: body === '' ? null : body,
  });
  const result = await routeOf(url.pathname, routes)(event);
  const responseHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    responseHeaders[name] = values.map(String);
  response.writeHead(result.statusCode, responseHeaders);
  response.end(result.isBase64Encoded === true ? Buffer.from(result.body, 'base64') : result.body);
}

function routeOf(path: string, routes: HttpRoutes): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  if (path === '/local' || path.startsWith('/local/'))
    return (event) => routes.local(event, lambdaContext('local', LOCAL_TIMEOUT_MS));
  if (path === STRIPE_WEBHOOK_PATH)
    return (event) => routes.stripeWebhook(event, lambdaContext('stripe-webhook', STRIPE_WEBHOOK_TIMEOUT_MS));
  return (event) => routes.api(event, lambdaContext('api', API_TIMEOUT_MS));
}

const TOO_LARGE = Symbol('too large');

/**
 * The body, or TOO_LARGE as soon as it is known to exceed API Gateway's payload limit: from
 * its declared length, or once the bytes read pass the limit. Nothing more is read then.
 */
function readBody(request: IncomingMessage): Promise<string | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.pause();
      resolve(TOO_LARGE);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) stop();
      else chunks.push(chunk);
    };
    // Listening first marks the body as being consumed, so the server does not drain it after the answer.
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
    if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) stop();
  });
}

/**
 * 413 as API Gateway answers it. The connection is then half-closed, not reset: a client
 * still sending reads the answer, stops and closes; one that does not is cut off after a
 * while. Closing at once would reset the connection over the unread bytes, and the
 * client could lose the answer.
 */
function refuseTooLarge(request: IncomingMessage, response: ServerResponse): void {
  const body = problemBody(
    413,
    'payload-too-large',
    'Payload too large',
    `the body has more than ${MAX_BODY_BYTES} bytes; at most ${MAX_BODY_BYTES} are accepted`,
  );
  response.writeHead(413, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  response.end(body, () => {
    request.socket.end();
    setTimeout(() => request.socket.destroy(), LINGER_AFTER_REFUSAL_MS).unref();
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on 127.0.0.1 is taken by another program; choose another with PORT=<port>`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
