/** The API handler over a fresh table and the sandbox card provider, called with API Gateway-shaped events. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiDependencies } from '../../functions/api/api-dependencies';
import { createApiHandler } from '../../functions/handlers/api';
import { apiDependencies } from '../../functions/wiring/api';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';
import type { RechargeHarness } from './recharge-harness';

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
}

export class ApiHarness {
  readonly deps: ApiDependencies;
  private readonly handler: ReturnType<typeof createApiHandler>;

  constructor(readonly recharge: RechargeHarness) {
    this.deps = apiDependencies(
      recharge.deps,
      recharge.table.client,
      recharge.table.tableName,
      '360dialog',
      recharge.decorate,
    );
    this.handler = createApiHandler(this.deps);
  }

  async call(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<ApiResponse> {
    const result = await this.handler(jsonRequest(method, path, body, query), lambdaContext('api'));
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    return {
      status: result.statusCode,
      contentType: headers['content-type'],
      body: result.body === '' ? {} : JSON.parse(result.body),
    };
  }
}

/** A JSON request with single-valued query parameters, as the API's clients send. */
export function jsonRequest(
  method: string,
  path: string,
  body: unknown,
  query: Record<string, string> = {},
): APIGatewayProxyEvent {
  return apiGatewayEvent({
    method,
    path,
    query: Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    headers: { 'content-type': 'application/json', host: 'api.example' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
