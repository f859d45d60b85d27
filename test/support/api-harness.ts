/** The API handler over a fresh table and the sandbox card provider, called with API Gateway-shaped events. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ApiDependencies } from '../../functions/api/api-dependencies';
import { createApiHandler } from '../../functions/handlers/api';
import { apiDependencies } from '../../functions/wiring/api';
import { lambdaContext } from '../../local/lambda-context';
import { RechargeHarness } from './recharge-harness';

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
}

export class ApiHarness {
  readonly deps: ApiDependencies;
  private readonly handler: ReturnType<typeof createApiHandler>;

  constructor(readonly recharge: RechargeHarness) {
    this.deps = apiDependencies(recharge.deps, recharge.table.client, recharge.table.tableName, '360dialog');
    this.handler = createApiHandler(this.deps);
  }

  async call(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<ApiResponse> {
    const result = await this.handler(apiGatewayEvent(method, path, body, query), lambdaContext('api'));
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
    return { status: result.statusCode, contentType: headers['content-type'], body: result.body === '' ? {} : JSON.parse(result.body) };
  }
}

/** An API Gateway REST (v1) proxy event, as a request through the deployed API produces. */
export function apiGatewayEvent(method: string, path: string, body: unknown, query: Record<string, string>): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    headers: { 'content-type': 'application/json', host: 'api.example' },
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length === 0 ? null : query,
    multiValueQueryStringParameters: Object.keys(query).length === 0 ? null : Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path,
      stage: 'prod',
      requestId: 'request',
      requestTimeEpoch: 0,
      resourceId: 'resource',
      resourcePath: path,
    },
  };
}
