/** Lambda entry of the operator API: configuration, clients and the card provider at cold start. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { readApiConfig } from '../config';
import { createApiHandler } from '../handlers/api';
import { wireApi } from '../wiring/api';
import { rechargeWiringFrom } from './recharge-wiring-from-config';

const config = readApiConfig();
const ready = rechargeWiringFrom(config).then((wiring) =>
  createApiHandler(wireApi({ ...wiring, operatorName: config.operatorName })),
);

// The secret is fetched once, at cold start; the first invocation waits for it.
export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
  (await ready)(event, context);
