/** One route of the API's table (functions/api/routes.ts), and what the routes share. */
import type * as z from 'zod';
import { UnknownPartnerError } from '../domain/errors';
import type { PartnerAccount } from '../domain/partner';
import type { ApiDependencies } from './api-dependencies';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface RouteResponse {
  readonly status: number;
  readonly body: unknown;
}

/** An answer in another format than JSON, as the request's Accept header asked (a statement's CSV or PDF). */
export interface Representation {
  readonly status: number;
  readonly contentType: string;
  /** Text, or bytes answered base64-encoded for API Gateway to pass on as binary. */
  readonly content: string | Uint8Array;
  /** Offered to the client as the file's name. */
  readonly filename?: string;
}

/** A format a route answers besides JSON, for the OpenAPI document. */
export interface AlternativeFormat {
  readonly mediaType: string;
  /** Bytes rather than text: the API answers it base64-encoded, API Gateway passes it on as binary. */
  readonly binary: boolean;
  readonly description: string;
}

export interface ApiRoute<TPath = unknown, TBody = unknown, TQuery = unknown> {
  readonly method: HttpMethod;
  /** OpenAPI style: `/partners/{partnerId}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly pathSchema?: z.ZodType<TPath>;
  readonly bodySchema?: z.ZodType<TBody>;
  readonly querySchema?: z.ZodType<TQuery>;
  /** Success responses; every route may also answer the problems of `problemStatuses`. */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema: z.ZodType }>>;
  readonly problemStatuses: readonly number[];
  /** Formats of the 200 answer besides JSON, chosen by the Accept header. */
  readonly representations?: readonly AlternativeFormat[];
  handle(
    input: { path: TPath; body: TBody; query: TQuery; accept: string | undefined },
    deps: ApiDependencies,
  ): Promise<RouteResponse | Representation>;
}

/** Keeps each route's types while the table holds them side by side. */
export function route<TPath, TBody, TQuery>(definition: ApiRoute<TPath, TBody, TQuery>): ApiRoute {
  return definition as unknown as ApiRoute;
}

export async function existingPartner(partnerId: string, deps: ApiDependencies): Promise<PartnerAccount> {
  const account = await deps.recharge.ledger.getPartner(partnerId);
  if (account === undefined) throw new UnknownPartnerError(partnerId);
  return account;
}
