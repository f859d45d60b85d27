import { connect } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../../../functions/api/request-screen';
import { freePort } from '../../../local/dynamodb-local';
import { type RunningHttpServer, startHttpServer } from '../../../local/http-server';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Bytes the client got to send before the answer came or the connection closed. */
  readonly sent: number;
}

/**
 * Sends `total` bytes of body in 64 KiB chunks, its length declared up front or chunked,
 * over a plain socket that reads the answer while it writes and stops writing when one
 * comes, as curl does (Node's HTTP client shows no answer before its request is written).
 */
function post(url: string, total: number, declareLength: boolean): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const received: Buffer[] = [];
    const socket = connect(Number(port), hostname);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const frame = (piece: Buffer) =>
      declareLength
        ? piece
        : Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    let answered = false;
    // Like curl: an answer before the body is sent stops the sending.
    socket.on('data', (part: Buffer) => {
      received.push(part);
      if (!answered) socket.end();
      answered = true;
    });
    // The server closing the connection while the body is still being sent is expected.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error),
    );
    // The server closed its side: the answer is complete. Bytes still queued to send are dropped.
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: headers['transfer-encoding'] === 'chunked' ? dechunk(body) : body,
        sent,
      });
    });
    const write = () => {
      while (sent < total && !answered && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!socket.write(frame(piece))) {
          socket.once('drain', write);
          return;
        }
      }
      if (!answered && !socket.destroyed) socket.end(declareLength ? '' : '0\r\n\r\n');
    };
    socket.write(
      [
        'POST /partners HTTP/1.1',
        `host: ${hostname}`,
        'content-type: application/json',
        declareLength ? `content-length: ${total}` : 'transfer-encoding: chunked',
        '',
        '',
      ].join('\r\n'),
    );
    write();
  });
}

function dechunk(text: string): string {
  let body = '';
  for (let rest = text; ; ) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

describe('Local HTTP server', () => {
  let server: RunningHttpServer;
  const received: (string | null)[] = [];
  const routed: { route: string; event: APIGatewayProxyEvent; functionName: string }[] = [];

  beforeAll(async () => {
    const answering =
      (route: string) =>
      async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
        received.push(event.body);
        routed.push({ route, event, functionName: context.functionName });
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ length: event.body?.length ?? 0 }),
        };
      };
    server = await startHttpServer(
      await freePort(),
      { api: answering('api'), local: answering('local'), stripeWebhook: answering('stripe-webhook') },
      () => undefined,
    );
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(() => {
    received.length = 0;
    routed.length = 0;
  });

  it.each([
    ['/partners/p-1', 'api', 'api'],
    ['/local/info', 'local', 'local'],
    ['/local/pages/setup/cs_1', 'local', 'local'],
    ['/webhooks/stripe', 'stripe-webhook', 'stripe-webhook'],
    ['/webhooks/other', 'api', 'api'],
  ])('hands %s to the %s handler', async (path, route, functionName) => {
    // Act
    const response = await fetch(`${server.url}${path}`, { method: 'POST', body: '{}' });

    // Assess
    expect(response.status).toBe(200);
    expect(routed.map((call) => [call.route, call.functionName])).toEqual([[route, functionName]]);
  });

  it('hands a webhook delivery its raw body and signature header as sent', async () => {
    // Prepare: Stripe posts pretty-printed JSON; the signature covers these exact bytes.
    const rawBody = '{\n  "id": "evt_1",\n  "object": "event",\n  "note": "caf\u00e9 \u2713"\n}';

    // Act
    await fetch(`${server.url}/webhooks/stripe`, {
      method: 'POST',
      body: rawBody,
      headers: { 'content-type': 'application/json; charset=utf-8', 'Stripe-Signature': 't=1,v1=abc' },
    });

    // Assess
    const [call] = routed;
    expect(call?.event.body).toBe(rawBody);
    expect(call?.event.isBase64Encoded).toBe(false);
    expect(call?.event.headers['stripe-signature']).toBe('t=1,v1=abc');
  });

  it('passes a body within the limit to the API', async () => {
    const answer = await post(server.url, 100_000, true);

    expect(answer).toMatchObject({ status: 200, body: JSON.stringify({ length: 100_000 }) });
    expect(received).toHaveLength(1);
  });

  it('answers 413 to a body declared longer than API Gateway takes, without reading it', async () => {
    const answer = await post(server.url, 100 * 1024 * 1024, true);

    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 'urn:prepaid-billing:problem:payload-too-large',
      status: 413,
    });
    expect(answer.sent).toBeLessThan(MAX_BODY_BYTES);
    expect(received).toEqual([]);
  });

  it('answers 413 to a chunked body once it passes the limit, and stops reading it', async () => {
    const answer = await post(server.url, 100 * 1024 * 1024, false);

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:prepaid-billing:problem:payload-too-large' });
    // The limit plus what the sockets buffer, far from the 100 MB offered.
    expect(answer.sent).toBeLessThan(MAX_BODY_BYTES + 16 * 1024 * 1024);
    expect(received).toEqual([]);
  });
});
