/**
 * Lambda handler of the Stripe webhook endpoint, `POST /webhooks/stripe` (API Gateway REST,
 * outside IAM: Stripe signs each delivery instead, docs/contract.md §13). The raw body is
 * checked against `Stripe-Signature` exactly as received; a delivery that fails the check
 * answers 400 and changes nothing. A signed event is applied once per event id and
 * answered 200 whatever it came to, so Stripe stops sending it; an error while applying
 * answers 500, and Stripe delivers the event again (for up to three days).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { WEBHOOK_FAILED_METRIC, WEBHOOK_REFUSED_METRIC } from '../../definitions/service';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../api/problems';
import { type ProviderEventDependencies, applyProviderEvent } from '../domain/recharge/apply-provider-event';
import type { ProviderEvent, ProviderEventReader } from '../domain/recharge/provider-events';
import { logger, metrics, tracer } from '../observability';

export const SIGNATURE_HEADER = 'stripe-signature';

export interface StripeWebhookDependencies {
  /** Checks the signature and reads the event (functions/adapters/payments/stripe-event-reader.ts). */
  readonly reader: ProviderEventReader;
  readonly apply: ProviderEventDependencies;
}

export function createStripeWebhookHandler(deps: StripeWebhookDependencies) {
  const webhook = async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    if (event.httpMethod.toUpperCase() !== 'POST')
      return problemResult(405, 'method-not-allowed', 'Method not allowed', 'the webhook endpoint takes POST only', {
        allow: 'POST',
      });
    const delivery = await deps.reader.read(rawBodyOf(event), headerOf(event, SIGNATURE_HEADER));
    if (delivery.kind === 'refused') {
      count(WEBHOOK_REFUSED_METRIC);
      logger.warn('webhook delivery refused', { reason: delivery.reason });
      return problemResult(400, 'webhook-signature-refused', 'Webhook delivery refused', delivery.reason);
    }
    const fields = eventFields(delivery);
    let outcome: string;
    try {
      outcome = await applyProviderEvent(delivery, deps.apply);
    } catch (error) {
      // Answered rather than thrown: Stripe redelivers on any non-2xx, and the caller learns nothing internal.
      count(WEBHOOK_FAILED_METRIC);
      logger.error('webhook event not applied; Stripe delivers it again', { ...fields, error });
      return problemResult(
        500,
        'webhook-not-applied',
        'Event not applied',
        `event ${delivery.eventId} could not be applied now; deliver it again`,
      );
    }
    logger.info('webhook event handled', { ...fields, outcome });
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ received: true, outcome }),
    };
  };
  // No metrics middleware: most deliveries publish no metric, and flushing an empty set
  // logs a warning on every call; the two metrics are single metrics, flushed at once.
  return middy(webhook).use(injectLambdaContext(logger)).use(captureLambdaHandler(tracer));
}

/** The body as Stripe sent it: the signature covers these bytes, so nothing may be parsed or re-encoded first. */
function rawBodyOf(event: APIGatewayProxyEvent): string {
  if (event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** HTTP header names are case-insensitive, and API Gateway passes them as the client wrote them. */
function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === name && value !== undefined) return value;
  return undefined;
}

function eventFields(event: ProviderEvent) {
  return {
    eventId: event.eventId,
    kind: event.kind,
    ...('partnerId' in event && { partnerId: event.partnerId }),
    ...(event.kind === 'ignored' && { type: event.type }),
    ...(event.kind === 'charge-changed' && { attemptId: event.attemptId }),
  };
}

function count(metric: string): void {
  metrics.singleMetric().addMetric(metric, MetricUnit.Count, 1);
}

function problemResult(
  status: number,
  code: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
    body: problemBody(status, code, title, detail),
  };
}
