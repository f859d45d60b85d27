/** Lambda entry of the operator API: configuration, clients and the card provider at cold start. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { StripeBudget } from '../adapters/payments/payment-provider-from-config';
import { createSqsClient } from '../adapters/sqs/client';
import { readApiConfig } from '../config';
import { createApiHandler } from '../handlers/api';
import { wireApi } from '../wiring/api';
import { builtOnce } from './cold-start';
import { rechargeWiringFrom } from './recharge-wiring-from-config';

/**
 * The API's time budget. API Gateway cuts a request at 29 s (the function's timeout too),
 * while the recharge function's Stripe client may spend about 61 s on one request (3
 * tries of 20 s, functions/adapters/payments/stripe-client.ts). So the API's client gives
 * a request 4 s and does not retry it: the recharge function retries, with the same key.
 * The longest route, a new card, sends at most 6 requests in a row (the card check: the
 * customer and the card; the cancel of a waiting charge it replaces; the charge; after a
 * decline, the backup card's charge, with its authentication): 6 x 4 s = 24 s, leaving
 * 5 s for DynamoDB and SQS; its usual path sends 3 (12 s). A request that runs out answers
 * `unknown`: a card check is a 503 the caller repeats, and a charge is handed to the
 * recharge queue (202), whose function resumes the attempt with its longer budget; the
 * license fees a new card would retry are then left to the daily run.
 */
const API_STRIPE_BUDGET: StripeBudget = { timeoutMs: 4_000, maxNetworkRetries: 0 };

const config = readApiConfig();
const ready = builtOnce(() =>
  rechargeWiringFrom(config, API_STRIPE_BUDGET).then((wiring) =>
    createApiHandler(
      wireApi({
        ...wiring,
        operatorName: config.operatorName,
        sqs: createSqsClient(config.endpoints.sqs),
        rechargeQueueUrl: config.rechargeQueueUrl,
        topUpBounds: config.topUpBounds,
      }),
    ),
  ),
);

// The secret is fetched once, at cold start; the first invocation waits for it.
export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
  (await ready())(event, context);
