/** Lambda handler of the operator API (API Gateway REST, IAM auth): the router of functions/api. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ApiDependencies } from '../api/api-dependencies';
import { createApiRouter } from '../api/router';
import { logger, tracer } from '../observability';

export function createApiHandler(deps: ApiDependencies) {
  const router = createApiRouter(deps, logger);
  const api = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
    router.resolve(event, context);
  // No metrics middleware: API Gateway measures requests, and flushing an empty set of
  // metrics only logs a warning on every call.
  return middy(api).use(injectLambdaContext(logger)).use(captureLambdaHandler(tracer));
}
