import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Router } from '@aws-lambda-powertools/event-handler/http';
import { openApiDocument } from '../../../functions/api/openapi';
import { routerPath } from '../../../functions/api/router';
import { API_ROUTES } from '../../../functions/api/routes';
import { jsonRequest } from '../../support/api-harness';
import { lambdaContext } from '../../../local/lambda-context';

const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};

/** Every (method, path) the committed document describes. */
const documented = Object.entries(committed.paths).flatMap(([path, operations]) =>
  Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
);

// RFC 9110's media range: `type/subtype` with optional parameters (`*` is a token
// character, so wildcard ranges match too). The 3.1 schema gives this format to the keys
// of `content`; ajv-formats does not define it, and Ajv would warn and ignore it.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_RANGE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*$`);

/** The OpenAPI Initiative's JSON schema of 3.1 documents, as packaged by openapi-schema-validator. */
function openApi31Validator() {
  const specification = JSON.parse(
    readFileSync(require.resolve('@seriousme/openapi-schema-validator/schemas/v3.1/schema.json'), 'utf8'),
  );
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('media-range', MEDIA_RANGE);
  return ajv.compile(specification);
}

describe('Document: docs/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    const validate = openApi31Validator();

    expect(validate(committed) ? [] : validate.errors).toEqual([]);
  });

  it('fails the validation for a document with a broken operation', () => {
    expect(openApi31Validator()({ ...committed, paths: { '/x': { get: { responses: 'none' } } } })).toBe(false);
  });

  it('fails the validation for a content type that is not a media range', () => {
    const operation = (contentType: string) => ({
      get: { responses: { '200': { description: 'ok', content: { [contentType]: {} } } } },
    });

    expect(
      openApi31Validator()({ ...committed, paths: { '/x': operation('application/problem+json; charset=utf-8') } }),
    ).toBe(true);
    expect(openApi31Validator()({ ...committed, paths: { '/x': operation('json') } })).toBe(false);
  });

  it('is what the schemas generate today (run `npm run openapi` after changing the API)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('describes exactly the routes the router serves', async () => {
    // Prepare: a router whose routes answer their own (method, path) pattern.
    const router = new Router();
    for (const route of API_ROUTES)
      router[route.method](routerPath(route.path), async () => ({
        served: `${route.method.toUpperCase()} ${route.path}`,
      }));

    // Act: ask the router for every documented operation, with sample path parameters.
    const served = await Promise.all(
      documented.map(async (operation) => {
        const [method = '', path = ''] = operation.split(' ');
        const concrete = path.replace(/\{[^}]+\}/g, 'sample');
        const response = await router.resolve(jsonRequest(method, concrete, undefined), lambdaContext('api'));
        return response.statusCode === 200
          ? (JSON.parse(response.body) as { served: string }).served
          : `missing ${operation}`;
      }),
    );

    // Assess
    expect(served.sort()).toEqual([...documented].sort());
    expect(API_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort()).toEqual(
      [...documented].sort(),
    );
  });
});
