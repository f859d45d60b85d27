/**
 * The API fuzzed from its own OpenAPI description. For every operation, requests are
 * built from its path, query and body schemas: values the schema allows, mixed with
 * hostile ones (unicode, control characters, percent-encodings, very long strings,
 * `__proto__`, other JSON types where strings belong, other methods and content types)
 * and the money range's edges. They go through the API handler against DynamoDB Local.
 * Whatever comes in: no 5xx; every 4xx is problem+json with a type; every 2xx is JSON;
 * and a request aimed at an operation gets a status its description lists, a success
 * with the body its description gives.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import * as z from 'zod';
import { openApiDocument } from '../../../functions/api/openapi';
import { createApiHandler } from '../../../functions/handlers/api';
import { MAX_AMOUNT, MAX_CARD_CREDIT, formatAmount, micros } from '../../../functions/domain/money';
import { AmountSchema } from '../../../functions/schemas/amount-schema';
import { apiGatewayEvent } from '../../../local/api-gateway-event';
import { lambdaContext } from '../../../local/lambda-context';
import { ApiHarness } from '../../support/api-harness';
import { RechargeHarness } from '../../support/recharge-harness';

interface JsonSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  readonly body?: JsonSchema;
  /** Each documented status and, for a success, the schema of its body. */
  readonly responses: ReadonlyMap<number, ValidateFunction | undefined>;
}

interface FuzzRequest {
  /** `POST /partners`: the operation the request is built for. */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  /** Every path parameter was sent percent-encoded and is a segment of its own. */
  readonly plainPath: boolean;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: string | null;
}

const RUNS = 500;
const PARTNERS = ['fz-1', 'fz-2'];
const NUMBERS = ['+4915112348801', '+4915112348802'];
const AMOUNT_PATTERN = (z.toJSONSchema(AmountSchema, { io: 'input' }) as JsonSchema).pattern ?? '';

type Content = Record<string, { schema: JsonSchema }>;
const document = openApiDocument() as unknown as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Operation['parameters'];
        requestBody?: { content: Content };
        responses: Record<string, { content: Content }>;
      }
    >
  >;
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

const OPERATIONS: readonly Operation[] = Object.entries(document.paths).flatMap(([path, operations]) =>
  Object.entries(operations).map(([method, operation]) => ({
    method: method.toUpperCase(),
    path,
    parameters: operation.parameters ?? [],
    ...(operation.requestBody !== undefined && { body: operation.requestBody.content['application/json']?.schema }),
    responses: new Map(
      Object.entries(operation.responses).map(([status, response]) => {
        const schema = response.content['application/json']?.schema;
        return [Number(status), schema === undefined ? undefined : ajv.compile(schema)];
      }),
    ),
  })),
);

const RESPONSES = new Map(
  OPERATIONS.map((operation) => [`${operation.method} ${operation.path}`, operation.responses]),
);

/** The money range's edges and what is just beyond them, as wire strings. */
const MONEY_EDGES = [
  formatAmount(MAX_AMOUNT),
  `-${formatAmount(MAX_AMOUNT)}`,
  `${formatAmount(MAX_AMOUNT)}0001`,
  `-${formatAmount(MAX_AMOUNT)}0001`,
  formatAmount(MAX_CARD_CREDIT),
  formatAmount(micros(MAX_CARD_CREDIT + 10_000)),
  '999999.99',
  '9007199254740993.00',
  '99999999999999999999999.00',
  '0.00',
  '-0.00',
  '0.000001',
  '0.0000001',
  '1.1234567',
  '-20.50',
  '10.005',
  '1e3',
  '1E+7',
  '-1e-7',
  '+1.00',
  '01.00',
  '1.',
  '.50',
  '12',
];

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\t\r\n',
  '\u202e\u0301',
  '😀',
  '\ud800',
  'a'.repeat(5_000),
  '__proto__',
  'constructor',
  'prototype',
  '%00',
  '%FF%FE',
  '%E0%A4%A',
  '%2F',
  '%',
  '..',
  '.',
  '/',
  '?x=1',
  '#',
  'null',
  "'; DROP TABLE billing; --",
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a client's text that looks like a template
  '${process.env}',
  'NaN',
  'Infinity',
  ...MONEY_EDGES,
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Other JSON where a value of the schema belongs. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, 0, -1, 1e21, 10_000_000.01, 0.1, [], {}, JSON.parse('{"__proto__":{"admin":true}}'), [
    ['nested'],
  ]),
  fc.double(),
  fc.integer(),
);

/**
 * How far a request strays from its schema: `none` keeps to it (the use cases run, with
 * the range's edges that are well formed), `some` has the odd hostile or missing value,
 * `wild` is mostly hostile.
 */
type Hostility = 'none' | 'some' | 'wild';

const WEIGHTS: Readonly<
  Record<
    Hostility,
    { readonly valid: number; readonly hostile: number; readonly missing: number; readonly extraKey: number }
  >
> = {
  none: { valid: 1, hostile: 0, missing: 0, extraKey: 0 },
  some: { valid: 12, hostile: 1, missing: 1, extraKey: 8 },
  wild: { valid: 6, hostile: 2, missing: 1, extraKey: 3 },
};

/** Values a field of this name usually holds: the fuzzed requests meet existing partners and numbers. */
const USUAL: Readonly<Record<string, fc.Arbitrary<string>>> = {
  partnerId: fc.constantFrom(...PARTNERS),
  phoneNumber: fc.oneof(
    fc.constantFrom(...NUMBERS),
    fc.integer({ min: 1_000_000, max: 9_999_999 }).map((n) => `+49151${n}`),
  ),
  paymentMethod: fc.constantFrom(
    'pm_card_visa',
    'pm_card_mastercard',
    'pm_card_chargeDeclined',
    'pm_card_authenticationRequired',
  ),
  period: fc.constantFrom('2026-09', '2026-10', '2026-11', '2026-12', '2020-01', '9999-12'),
  reference: fc.integer({ min: 1, max: 50 }).map((n) => `SEPA 2026-${n}`),
};

const WELL_FORMED_AMOUNTS = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((cents) => (cents / 100).toFixed(2)) },
  { weight: 2, arbitrary: fc.constantFrom(...MONEY_EDGES.filter((edge) => new RegExp(AMOUNT_PATTERN).test(edge))) },
  { weight: 1, arbitrary: fc.stringMatching(new RegExp(AMOUNT_PATTERN)) },
);

function fromSchema(schema: JsonSchema | undefined, hostility: Hostility, name = ''): fc.Arbitrary<unknown> {
  if (schema === undefined) return fc.constant(undefined);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string': {
      if (schema.pattern === AMOUNT_PATTERN)
        return hostility === 'none'
          ? WELL_FORMED_AMOUNTS
          : fc.oneof(fc.constantFrom(...MONEY_EDGES), WELL_FORMED_AMOUNTS);
      const allowed =
        schema.pattern !== undefined
          ? fc.stringMatching(new RegExp(schema.pattern))
          : fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 300) });
      const usual = USUAL[name];
      return usual === undefined
        ? allowed
        : fc.oneof({ weight: 2, arbitrary: usual }, { weight: 1, arbitrary: allowed });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000 });
    case 'boolean':
      return fc.boolean();
    case 'object': {
      const weights = WEIGHTS[hostility];
      const required = new Set(schema.required ?? []);
      const properties = Object.entries(schema.properties ?? {}).map(([property, propertySchema]) =>
        fc.tuple(
          fc.constant(property),
          fc.oneof(
            { weight: weights.valid, arbitrary: fromSchema(propertySchema, hostility, property) },
            // Optional fields are left out often, whatever the hostility.
            {
              weight: required.has(property) ? weights.missing : weights.missing + 2,
              arbitrary: fc.constant(undefined),
            },
            { weight: weights.hostile, arbitrary: hostileJson },
          ),
        ),
      );
      const extraKey = fc.tuple(fc.constantFrom('__proto__', 'constructor', 'cardNumber', 'currency '), hostileJson);
      const extra =
        weights.extraKey === 0
          ? fc.constant(null)
          : fc.oneof({ weight: weights.extraKey, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: extraKey });
      return fc.tuple(fc.tuple(...properties), extra).map(([entries, extraEntry]) => {
        const body = Object.fromEntries(entries.filter(([, value]) => value !== undefined));
        // defineProperty, so `__proto__` becomes a key of the JSON, not the prototype.
        if (extraEntry !== null) Object.defineProperty(body, extraEntry[0], { value: extraEntry[1], enumerable: true });
        return body;
      });
    }
    default:
      return hostileJson;
  }
}

/** A client's UTF-8 cannot carry a lone surrogate: it sends U+FFFD instead. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const RAW_BODIES = [
  '',
  'not json',
  '[]',
  'null',
  '"a string"',
  '{"__proto__":{"admin":true}}',
  '{"a":',
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  '\ufeff{}',
];
const OTHER_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND'];
const OTHER_CONTENT_TYPES = [
  'text/plain',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'application/json\u2028',
  'multipart/form-data',
];

/** Mostly `usual`; the hostile alternative only as often as the hostility says. */
function mostly<T>(hostility: Hostility, usual: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>): fc.Arbitrary<T> {
  const weights = WEIGHTS[hostility];
  return weights.hostile === 0
    ? usual
    : fc.oneof({ weight: weights.valid, arbitrary: usual }, { weight: weights.hostile, arbitrary: hostile });
}

function requestFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  return fc.constantFrom<Hostility>('none', 'none', 'some', 'some', 'wild').chain((hostility) =>
    fc
      .record({
        path: fc.tuple(
          ...pathParameters.map((parameter) =>
            fc.record({
              value: mostly(hostility, fromSchema(parameter.schema, 'none', parameter.name).map(String), hostileString),
              // Sent as a client should (percent-encoded) or as it is, encodings and all.
              encoded: mostly(hostility, fc.constant(true), fc.constant(false)),
            }),
          ),
        ),
        query: fc.tuple(
          ...queryParameters.map((parameter) =>
            fc.option(mostly(hostility, fromSchema(parameter.schema, 'none').map(String), hostileString), { freq: 2 }),
          ),
        ),
        body:
          operation.body === undefined
            ? fc.constant(null)
            : mostly(
                hostility,
                fromSchema(operation.body, hostility).map((value) => JSON.stringify(value)),
                fc.constantFrom(...RAW_BODIES),
              ),
        method: mostly(hostility, fc.constant(operation.method), fc.constantFrom(...OTHER_METHODS)),
        contentType: mostly(
          hostility,
          fc.constantFrom('application/json', 'application/json; charset=UTF-8'),
          fc.constantFrom(...OTHER_CONTENT_TYPES),
        ),
      })
      .map(({ path, query, body, method, contentType }) => {
        let index = 0;
        const concrete = operation.path.replace(/\{\w+\}/g, () => {
          const { value, encoded } = path[index++] ?? { value: '', encoded: true };
          return encoded ? encodeURIComponent(wellFormed(value)) : value;
        });
        return {
          operation: `${operation.method} ${operation.path}`,
          method,
          path: concrete,
          plainPath: path.every(
            ({ value, encoded }) => encoded && value.trim() !== '' && value !== '.' && value !== '..',
          ),
          query: Object.fromEntries(
            queryParameters.flatMap((parameter, position) =>
              query[position] == null ? [] : [[parameter.name, query[position] as string]],
            ),
          ),
          headers: { host: 'api.example', 'content-type': contentType },
          body,
        };
      }),
  );
}

describe('Handler: api, fuzzed from docs/openapi.json', () => {
  let recharge: RechargeHarness;
  let handler: ReturnType<typeof createApiHandler>;

  beforeAll(async () => {
    recharge = await RechargeHarness.start();
    const api = new ApiHarness(recharge);
    handler = createApiHandler(api.deps);
    recharge.clock.set(new Date('2026-09-15T09:00:00Z'));
    for (const [index, partnerId] of PARTNERS.entries()) {
      await api.call('POST', '/partners', {
        partnerId,
        currency: 'EUR',
        paymentMethod: 'pm_card_visa',
        previousInvoiceRemainder: '600.00',
      });
      await api.call('POST', `/partners/${partnerId}/channels`, { phoneNumber: NUMBERS[index] });
    }
    // September to November are over: they can be reconciled.
    recharge.clock.set(new Date('2026-12-05T09:00:00Z'));
  });

  afterAll(async () => {
    await recharge.stop();
  });

  it('answers every request without a 5xx, refusals as problem+json with a type, and only what it documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(...OPERATIONS.map(requestFor)), async (request) => {
        const result: APIGatewayProxyResult = await handler(
          apiGatewayEvent({
            method: request.method,
            path: request.path,
            query: Object.fromEntries(Object.entries(request.query).map(([name, value]) => [name, [value]])),
            headers: request.headers,
            body: request.body,
          }),
          lambdaContext('api'),
        );
        const contentType = Object.entries(result.headers ?? {}).find(
          ([name]) => name.toLowerCase() === 'content-type',
        )?.[1];
        const shown = `${request.method} ${request.path.slice(0, 200)} ${JSON.stringify(request.query).slice(0, 200)} ${String(request.body).slice(0, 300)} -> ${result.statusCode} ${result.body.slice(0, 300)}`;

        expect({ request: shown, status: result.statusCode < 500 }).toEqual({ request: shown, status: true });
        const body = JSON.parse(result.body) as Record<string, unknown>;
        if (result.statusCode >= 400) {
          expect({
            request: shown,
            contentType,
            type: String(body.type).startsWith('urn:prepaid-billing:problem:'),
            status: body.status,
          }).toEqual({
            request: shown,
            contentType: 'application/problem+json',
            type: true,
            status: result.statusCode,
          });
        } else {
          expect({ request: shown, contentType }).toEqual({ request: shown, contentType: 'application/json' });
        }
        const responses = RESPONSES.get(request.operation);
        if (request.operation.startsWith(`${request.method} `) && request.plainPath) {
          expect({ request: shown, documented: responses?.has(result.statusCode) }).toEqual({
            request: shown,
            documented: true,
          });
          const validate = responses?.get(result.statusCode);
          if (validate !== undefined)
            expect({ request: shown, errors: validate(body) ? null : validate.errors }).toEqual({
              request: shown,
              errors: null,
            });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
