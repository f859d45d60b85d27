/**
 * The OpenAPI 3.1 description of the API, generated from the route table and the zod
 * schemas the handler validates with. `npm run openapi` writes it to docs/openapi.json;
 * a test fails when the committed file and the router disagree.
 */
import * as z from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problems';
import { BODY_PROBLEM_STATUSES } from './request-screen';
import type { ApiRoute } from './api-route';
import { API_ROUTES } from './routes';
import { ProblemView } from './schemas';

type JsonSchema = Record<string, unknown>;

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is not valid: a path that is not percent-encoded UTF-8 (`invalid-path`), a field that does not match its schema (`validation-failed`, `errors` names each field), an amount beyond the money range (`amount-out-of-range`), a cursor this API did not issue for this list (`invalid-cursor`), a card without the customer the card provider keeps cards for (`customer-required`), a top-up outside the bounds the deployment allows (`top-up-out-of-range`), or a rule of the request refused',
  402: 'Payment required: the partner is blocked for overdue payments; or a top-up the card did not pay (`card-declined`, with its `declineCode`: declined, refused by the card provider (`request_refused`), or a card the decline policy no longer charges), nothing credited',
  404: 'The partner, number or refund does not exist (`unknown-refund` for a refund), or the number is not one of this partner',
  406: 'The Accept header takes none of the formats the route answers (`not-acceptable`, `detail` names them)',
  409: 'Conflicts with what exists: an id or idempotency key used with other details, a number registered before, a month not over (`period-not-closed`), a statement the daily run has not closed yet (`statement-not-ready`), a partner without the customer its cards are saved to (`customer-required`), a card changed after the request was made (`card-superseded`), a closed partner (`partner-closed`), a refund or top-up reference used for another amount (`reference-conflict`), another refund of the partner still waiting for the card provider (`refund-in-progress`), another charge of the partner in flight when a top-up is asked for (`charge-in-progress`)',
  413: "The body is larger than 10 MB, API Gateway's payload limit",
  415: 'The body is not JSON: send it as application/json (or application/*+json) in UTF-8',
  422: 'The card provider refused the card (`payment-method-refused`): not found, not a card, saved to another customer or to none, or the customer does not exist; or a refund is more than the live balance (`refund-exceeds-balance`) or than the credit the card charges still carry (`refund-exceeds-charges`); `detail` says which, and how much',
  503: 'The card provider gave no clear answer (`provider-unavailable`): nothing was stored, and the request may be repeated',
};

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (schema === undefined) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(route: ApiRoute) {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const alternatives = status === '200' ? (route.representations ?? []) : [];
    responses[status] = {
      description: [
        response.description,
        ...alternatives.map((format) => `${format.mediaType}: ${format.description}`),
      ].join('. '),
      content: {
        'application/json': { schema: jsonSchema(response.schema) },
        ...Object.fromEntries(
          alternatives.map((format) => [
            format.mediaType,
            { schema: format.binary ? { type: 'string', contentMediaType: format.mediaType } : { type: 'string' } },
          ]),
        ),
      },
    };
  }
  const problemStatuses = [...route.problemStatuses, ...(route.bodySchema === undefined ? [] : BODY_PROBLEM_STATUSES)];
  for (const status of problemStatuses) {
    responses[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const params = [...parameters(route.pathSchema, 'path'), ...parameters(route.querySchema, 'query')];
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(params.length > 0 && { parameters: params }),
    ...(route.bodySchema !== undefined && {
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.bodySchema) } } },
    }),
    responses,
  };
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'prepaid-billing operator API',
      version: '1.0.0',
      description:
        'Prepaid partner balances: accounts, cards, balances, recharges, top-ups, finance payments, reconciliation, channels, refunds and closing an account. Amounts are decimal strings with 2 to 6 fraction digits, at most 10000000.00 either side of 0; errors are application/problem+json (RFC 9457) with a stable `type`. A path the API serves answers a method it does not accept with 405 and an `Allow` header; a path it does not serve with 404.',
    },
    // API Gateway with IAM authorization: requests are signed with AWS Signature Version 4.
    security: [{ sigv4: [] }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(ProblemView) },
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4 (IAM)' },
      },
    },
  };
}
