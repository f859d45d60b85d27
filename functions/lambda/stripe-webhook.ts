/**
 * Lambda entry of the Stripe webhook endpoint: configuration, clients, the card provider
 * and the endpoint's signing secret at cold start. The Stripe SDK's signature check is
 * loaded with the function, as every delivery needs it.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { StripeEventReader } from '../adapters/payments/stripe-event-reader';
import { createSqsClient } from '../adapters/sqs/client';
import { readStripeWebhookConfig } from '../config';
import { createStripeWebhookHandler } from '../handlers/stripe-webhook';
import { wireStripeWebhook } from '../wiring/stripe-webhook';
import { builtOnce } from './cold-start';
import { rechargeWiringFrom } from './recharge-wiring-from-config';
import { webhookSigningSecret } from './webhook-signing-secret';

const config = readStripeWebhookConfig();
const ready = builtOnce(() =>
  Promise.all([rechargeWiringFrom(config), webhookSigningSecret(config.webhookSecretId)]).then(([wiring, secret]) =>
    createStripeWebhookHandler(
      wireStripeWebhook({
        ...wiring,
        reader: new StripeEventReader(secret),
        sqs: createSqsClient(config.endpoints.sqs),
        rechargeQueueUrl: config.rechargeQueueUrl,
      }),
    ),
  ),
);

// The secrets are fetched once, at cold start; the first invocation waits for them.
export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
  (await ready())(event, context);
