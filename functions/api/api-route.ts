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
  handle(input: { path: TPath; body: TBody; query: TQuery }, deps: ApiDependencies): Promise<RouteResponse>;
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
