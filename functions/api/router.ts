/**
 * The API router (Powertools event-handler), built from the route table: each route's
 * path, body and query are validated with its schemas before its use case runs; every
 * error leaves as application/problem+json. Requests pass the screen of
 * request-screen.ts first.
 */
import { MethodNotAllowedError, ParameterValidationError, Router } from '@aws-lambda-powertools/event-handler/http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod';
import { DomainError } from '../domain/errors';
import type { ApiDependencies } from './api-dependencies';
import {
  PROBLEM_CONTENT_TYPE,
  ROUTE_NOT_FOUND,
  RequestProblem,
  domainProblem,
  problem,
  problemBody,
  validationProblem,
} from './problems';
import { screenRequest } from './request-screen';
import type { ApiRoute } from './api-route';
import { API_ROUTES } from './routes';

export interface ApiRouter {
  resolve(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult>;
}

/** `/partners/{partnerId}` in the table is `/partners/:partnerId` for the router. */
export function routerPath(path: string): `/${string}` {
  return path.replace(/\{(\w+)\}/g, ':$1') as `/${string}`;
}

export function createApiRouter(deps: ApiDependencies, logger: Logger): ApiRouter {
  const app = new Router({ logger });
  for (const definition of API_ROUTES) {
    app[definition.method](routerPath(definition.path), async ({ req, params, res }) =>
      serve(definition, req, params, res.headers, deps),
    );
  }
  app.errorHandler(DomainError, async (error) => domainProblem(error));
  app.errorHandler(RequestProblem, async (error) => {
    // A provider that could not be asked is the operator's to look into; refusals are the caller's.
    if (error.status >= 500) logger.warn('card provider gave no clear answer', { detail: error.detail, error });
    return problem(error.status, error.code, error.title, error.detail, undefined, error.extensions);
  });
  app.notFound(async () => problem(...ROUTE_NOT_FOUND));
  app.errorHandler(MethodNotAllowedError, async () =>
    problem(405, 'method-not-allowed', 'Method not allowed', 'this path does not accept that method'),
  );
  // The router refuses a path parameter of blanks itself (`/partners/%20`).
  app.errorHandler(ParameterValidationError, async (error) =>
    problem(400, 'invalid-path', 'Path is not valid', error.issues.join('; ')),
  );
  app.errorHandler(Error, async (error) => {
    logger.error('request failed', { error });
    return problem(500, 'internal-error', 'Internal error', 'the request could not be completed; it is safe to retry');
  });
  return {
    async resolve(event, context) {
      const screened = screenRequest(event);
      if ('refused' in screened) return screened.refused;
      try {
        return await app.resolve(screened.event, context);
      } catch (error) {
        // Only turning the event into a request can throw here (the routes' errors are
        // answered above): headers a URL or a Request cannot hold.
        logger.warn('request could not be read', { error });
        return {
          statusCode: 400,
          headers: { 'content-type': PROBLEM_CONTENT_TYPE },
          body: problemBody(
            400,
            'invalid-request',
            'Request cannot be read',
            'the request line or headers cannot be read as HTTP',
          ),
        };
      }
    },
  };
}

async function serve(
  definition: ApiRoute,
  req: Request,
  params: Record<string, string>,
  responseHeaders: Headers,
  deps: ApiDependencies,
): Promise<Response | ArrayBuffer> {
  const path = parse(definition.pathSchema, params);
  if (!path.success) return validationProblem('path', path.error);
  const query = parse(definition.querySchema, Object.fromEntries(new URL(req.url).searchParams));
  if (!query.success) return validationProblem('query', query.error);
  let json: unknown;
  if (definition.bodySchema !== undefined) {
    try {
      json = JSON.parse(await req.text());
    } catch {
      return problem(400, 'invalid-json', 'Body is not JSON', 'the request body must be a JSON object');
    }
  }
  const body = parse(definition.bodySchema, json);
  if (!body.success) return validationProblem('body', body.error);
  const result = await definition.handle(
    { path: path.data, body: body.data, query: query.data, accept: req.headers.get('accept') ?? undefined },
    deps,
  );
  if (!('contentType' in result)) {
    return new Response(JSON.stringify(result.body), {
      status: result.status,
      headers: { 'content-type': 'application/json' },
    });
  }
  const headers = {
    'content-type': result.contentType,
    ...(result.filename !== undefined && { 'content-disposition': `inline; filename="${result.filename}"` }),
  };
  if (typeof result.content === 'string') return new Response(result.content, { status: result.status, headers });
  // Bytes are answered as an ArrayBuffer, which the router base64-encodes with
  // isBase64Encoded; API Gateway passes them on as binary for the media types it lists.
  for (const [name, value] of Object.entries(headers)) responseHeaders.set(name, value);
  return result.content.slice().buffer as ArrayBuffer;
}

function parse(schema: z.ZodType | undefined, input: unknown) {
  return schema === undefined ? ({ success: true, data: undefined } as const) : schema.safeParse(input);
}
