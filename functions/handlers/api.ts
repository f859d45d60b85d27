/** Lambda handler of the operator API (API Gateway REST, IAM auth): the router of functions/api. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ApiDependencies } from '../api/api-dependencies';
import { createApiRouter } from '../api/router';
import { logger, metrics, tracer } from '../observability';

export function createApiHandler(deps: ApiDependencies) {
  const router = createApiRouter(deps, logger);
  const api = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => router.resolve(event, context);
  return middy(api).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
}
