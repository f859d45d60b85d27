/**
 * The local HTTP front door on a loopback port: each request becomes the API Gateway
 * proxy event the deployed API would produce and goes to the same handler; `/local/...`
 * goes to the local endpoints.
 */
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiGatewayEvent } from './api-gateway-event';
import { lambdaContext } from './lambda-context';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface HttpRoutes {
  readonly api: ProxyHandler;
  readonly local: ProxyHandler;
}

export interface RunningHttpServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** The API function's timeout in the stack. */
const API_TIMEOUT_MS = 30_000;
/** Advancing the clock runs whole days of jobs: far longer than an API call may take. */
const LOCAL_TIMEOUT_MS = 15 * 60_000;

export async function startHttpServer(port: number, routes: HttpRoutes, onError: (error: unknown) => void): Promise<RunningHttpServer> {
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
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
  const event = apiGatewayEvent({ method: request.method ?? 'GET', path: url.pathname, query, headers, body: body === '' ? null : body });
  const isLocal = url.pathname === '/local' || url.pathname.startsWith('/local/');
  const result = isLocal
    ? await routes.local(event, lambdaContext('local', LOCAL_TIMEOUT_MS))
    : await routes.api(event, lambdaContext('api', API_TIMEOUT_MS));
  const responseHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) responseHeaders[name] = values.map(String);
  response.writeHead(result.statusCode, responseHeaders);
  response.end(result.isBase64Encoded === true ? Buffer.from(result.body, 'base64') : result.body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is taken by another program; choose another with PORT=<port>`) : error),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
