/**
 * The local endpoints' router around a sandbox provider on a pinned clock, called as the
 * local server calls it: what the card pages and the dashboard tests drive over HTTP.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  SandboxPaymentProvider,
  type StripeShapedEvent,
} from '../../functions/adapters/payments/sandbox-payment-provider';
import { logger } from '../../functions/observability';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';
import { type LocalControls, createLocalRouter } from '../../local/local-routes';
import { TestClock } from './test-clock';

export const LOCAL_BASE_URL = 'http://127.0.0.1:18080';

export function localRouter(now: Date) {
  const clock = new TestClock(now);
  const events: StripeShapedEvent[] = [];
  const provider = new SandboxPaymentProvider({
    pagesBaseUrl: LOCAL_BASE_URL,
    now: () => clock.now(),
    onEvent: (event) => events.push(event),
  });
  const controls: LocalControls = {
    info: {} as LocalControls['info'],
    now: () => clock.now(),
    advanceClock: async () => ({ from: clock.now(), ran: [] }),
    drain: async () => undefined,
    pages: { provider, baseUrl: LOCAL_BASE_URL },
    stripeDashboard: provider,
  };
  const router = createLocalRouter(controls, logger);
  /** `url`: an absolute address or a path, with its query. */
  const call = async (method: string, url: string, body?: string, contentType?: string) => {
    const { pathname, searchParams } = new URL(url, LOCAL_BASE_URL);
    const result: APIGatewayProxyResult = await router.resolve(
      apiGatewayEvent({
        method,
        path: pathname,
        query: Object.fromEntries([...new Set(searchParams.keys())].map((name) => [name, searchParams.getAll(name)])),
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        body: body ?? null,
      }),
      lambdaContext('local'),
    );
    const type = String(result.headers?.['content-type'] ?? '');
    return {
      status: result.statusCode,
      contentType: type,
      body: type.includes('json') ? JSON.parse(result.body) : result.body,
    };
  };
  return { clock, provider, events, call };
}
