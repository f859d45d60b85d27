/**
 * What reaches the API handler before any route runs: paths that are not valid
 * percent-encoding, methods a path does not accept, bodies that are not JSON or too big.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createApiHandler } from '../../../functions/handlers/api';
import { MAX_BODY_BYTES } from '../../../functions/api/request-screen';
import { apiGatewayEvent } from '../../../local/api-gateway-event';
import { lambdaContext } from '../../../local/lambda-context';
import { ApiHarness } from '../../support/api-harness';
import { RechargeHarness } from '../../support/recharge-harness';

const PROBLEM = 'urn:prepaid-billing:problem:';

describe('Handler: api, before the routes', () => {
  let recharge: RechargeHarness;
  let api: ApiHarness;
  let handler: ReturnType<typeof createApiHandler>;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    api = new ApiHarness(recharge);
    handler = createApiHandler(api.deps);
    await api.call('POST', '/partners', {
      partnerId: 'edge-1',
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      previousInvoiceRemainder: '600.00',
    });
  });

  afterAll(async () => {
    await recharge.stop();
  });

  /** A request as API Gateway passes it on: any method, path, headers and body. */
  async function send(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string | null } = {},
  ) {
    const result: APIGatewayProxyResult = await handler(
      apiGatewayEvent({
        method,
        path,
        query: {},
        headers: { host: 'api.example', ...options.headers },
        body: options.body ?? null,
      }),
      lambdaContext('api'),
    );
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    return { status: result.statusCode, headers, body: JSON.parse(result.body) as Record<string, unknown> };
  }

  describe('Paths', () => {
    it.each([
      '/partners/%FF%FE',
      '/partners/%E0%A4%A',
      '/channels/%FF/send-permission',
      '/partners/edge-1/channels/%C0%AF',
      '/nowhere/%FF',
    ])('refuses %s, which is not valid percent-encoded UTF-8, with 400 invalid-path', async (path) => {
      const response = await send('GET', path);

      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ type: `${PROBLEM}invalid-path`, status: 400 });
      expect(response.body.detail).toContain('percent-encoded');
    });

    it('refuses a path parameter that is only blanks with 400 invalid-path', async () => {
      const response = await send('GET', '/partners/%20%20');

      expect(response).toMatchObject({ status: 400, body: { type: `${PROBLEM}invalid-path` } });
    });

    it('still reads a percent-encoded number', async () => {
      await api.call('POST', '/partners/edge-1/channels', { phoneNumber: '+4915112349901' });

      expect((await send('GET', '/channels/%2B4915112349901/send-permission')).status).toBe(200);
    });
  });

  describe('Methods', () => {
    it.each([
      ['GET', '/partners', 'POST'],
      ['DELETE', '/partners/edge-1', 'GET'],
      ['POST', '/partners/edge-1/balance', 'GET'],
      ['PATCH', '/partners/edge-1/recharge-settings', 'PUT'],
      ['GET', '/partners/edge-1/channels/%2B4915112349901', 'DELETE'],
      ['PROPFIND', '/partners/edge-1', 'GET'],
    ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
      const response = await send(method, path);

      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.body).toMatchObject({ type: `${PROBLEM}method-not-allowed`, status: 405 });
      expect(response.body.detail).toContain(allow);
    });

    it('answers a path it does not serve with 404 whatever the method', async () => {
      expect(await send('PROPFIND', '/nowhere')).toMatchObject({
        status: 404,
        body: { type: `${PROBLEM}route-not-found` },
      });
      expect(await send('GET', '/partners/edge-1/nothing')).toMatchObject({
        status: 404,
        body: { type: `${PROBLEM}route-not-found` },
      });
    });

    it('ignores a body sent with a GET', async () => {
      const response = await send('GET', '/partners/edge-1', {
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });

      expect(response).toMatchObject({ status: 200, body: { partnerId: 'edge-1' } });
    });
  });

  describe('Bodies', () => {
    const payment = JSON.stringify({ amount: '10.00', reference: 'edge-payment-1' });

    it.each([
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/jsonx',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ])('refuses a body sent as %s with 415, changing nothing', async (contentType) => {
      const response = await send('POST', '/partners/edge-1/payments', {
        headers: { 'content-type': contentType },
        body: payment,
      });

      expect(response.status).toBe(415);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ type: `${PROBLEM}unsupported-media-type`, status: 415 });
      expect((await api.call('GET', '/partners/edge-1/balance')).body).toMatchObject({ liveBalance: '600.00' });
    });

    it('refuses a body without a content type with 415', async () => {
      expect(await send('POST', '/partners/edge-1/payments', { body: payment })).toMatchObject({ status: 415 });
    });

    it.each([
      'application/json',
      'Application/JSON; charset=UTF-8',
      'application/problem+json',
      'application/merge-patch+json;charset=utf-8',
    ])('reads a body sent as %s', async (contentType) => {
      const reference = `edge-${contentType.replace(/[^a-z]/gi, '')}`;
      const body = JSON.stringify({ amount: '1.00', reference });

      const response = await send('POST', '/partners/edge-1/payments', {
        headers: { 'Content-Type': contentType },
        body,
      });

      expect(response).toMatchObject({ status: 201, body: { reference } });
    });

    it('refuses a body above the API Gateway payload limit with 413', async () => {
      const body = JSON.stringify({ amount: '1.00', reference: 'x'.repeat(MAX_BODY_BYTES) });

      const response = await send('POST', '/partners/edge-1/payments', {
        headers: { 'content-type': 'application/json' },
        body,
      });

      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ type: `${PROBLEM}payload-too-large`, status: 413 });
      expect(response.body.detail).toContain('10485760');
    });
  });
});
