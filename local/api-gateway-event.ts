/**
 * An HTTP request as the API Gateway REST (v1) proxy event a request through the deployed
 * API produces: the local runtime and tests hand the API handler the same shape as AWS.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  /** Every value of each query parameter, in order. */
  readonly query: Readonly<Record<string, readonly string[]>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

export function apiGatewayEvent(request: HttpRequest): APIGatewayProxyEvent {
  const hasQuery = Object.keys(request.query).length > 0;
  return {
    httpMethod: request.method,
    path: request.path,
    resource: request.path,
    body: request.body,
    isBase64Encoded: false,
    headers: { ...request.headers },
    multiValueHeaders: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, [value]])),
    // API Gateway keeps the last value of a repeated parameter in the single-value map.
    queryStringParameters: hasQuery
      ? Object.fromEntries(
          Object.entries(request.query).map(([name, values]) => [name, values[values.length - 1] ?? '']),
        )
      : null,
    multiValueQueryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(request.query).map(([name, values]) => [name, [...values]]))
      : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: request.path,
      stage: 'local',
      requestId: 'local',
      requestTimeEpoch: 0,
      resourceId: 'local',
      resourcePath: request.path,
    },
  };
}
