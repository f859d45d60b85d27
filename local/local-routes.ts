/**
 * The local-only endpoints of docs/contract.md §11 (`/local/...`): where the queues and the
 * database are, the test clock, draining the queues, the sandbox card provider's hosted
 * pages (card-pages.ts, checkout-pages.ts) and its stand-in for Stripe's dashboard (stripe-dashboard.ts). Same
 * router and problem+json answers as the operator API.
 */
import { MethodNotAllowedError, Router } from '@aws-lambda-powertools/event-handler/http';
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { problem, validationProblem } from '../functions/api/problems';
import type { OperatedQueue } from '../definitions/stack-outputs';
import { type HostedPagesProvider, addCardPages } from './card-pages';
import { CHECKOUT_PAGES, type PaymentPagesProvider, addCheckoutPages } from './checkout-pages';
import { DrainTimeout } from './drain';
import { ClockAdvanceRefused } from './local-clock';
import type { ScheduledJob } from './scheduled-jobs';
import { STRIPE_DASHBOARD, type StripeDashboardProvider, addStripeDashboard } from './stripe-dashboard';

export interface LocalInfo {
  readonly sqsEndpoint: string;
  readonly usageQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Every queue with its dead-letter queue, by the names of the stack's outputs (the operator command line reads them). */
  readonly queues: Readonly<Record<OperatedQueue, { readonly queueUrl: string; readonly deadLetterQueueUrl: string }>>;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly eventLog: string;
  /** Where the card provider's events are posted, signed with `stripeWebhookSecret`. */
  readonly stripeWebhookUrl: string;
  readonly stripeWebhookSecret: string;
}

export interface JobRun extends ScheduledJob {
  readonly result: unknown;
}

export interface LocalControls {
  readonly info: LocalInfo;
  now(): Date;
  /**
   * Moves the clock from where it is to `to`, running every job crossed on the way, in
   * order and to completion; refuses (ClockAdvanceRefused) to go back or too far.
   */
  advanceClock(to: Date): Promise<{ readonly from: Date; readonly ran: readonly JobRun[] }>;
  drain(): Promise<void>;
  /** The sandbox provider whose hosted pages are served, and the base URL they are served at. */
  readonly pages: { readonly provider: HostedPagesProvider & PaymentPagesProvider; readonly baseUrl: string };
  /** The sandbox provider whose disputes and refunds the dashboard shows and acts on. */
  readonly stripeDashboard: StripeDashboardProvider;
}

const AdvanceSchema = z.strictObject({ to: z.iso.datetime({ offset: true }) });

export function createLocalRouter(controls: LocalControls, logger: Logger): Router {
  const app = new Router({ logger });

  app.get('/local/info', async () => json(200, controls.info));

  app.get('/local/clock', async () => json(200, { now: controls.now().toISOString() }));

  app.post('/local/clock/advance', async ({ req }) => {
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch {
      return problem(400, 'invalid-json', 'Body is not JSON', 'send {"to": "<ISO-8601 date-time>"}');
    }
    const parsed = AdvanceSchema.safeParse(body);
    if (!parsed.success) return validationProblem('body', parsed.error);
    const to = new Date(parsed.data.to);
    const { from, ran } = await controls.advanceClock(to);
    return json(200, {
      from: from.toISOString(),
      to: to.toISOString(),
      ran: ran.map((run) => ({ job: run.job, at: run.at.toISOString(), result: run.result })),
    });
  });

  app.post('/local/drain', async () => {
    await controls.drain();
    return json(200, { drained: true });
  });

  addCardPages(app, controls.pages.provider, controls.pages.baseUrl);
  addCheckoutPages(app, controls.pages.provider);
  addStripeDashboard(app, controls.stripeDashboard);

  app.errorHandler(ClockAdvanceRefused, async (error) =>
    problem(error.code === 'clock-cannot-go-back' ? 409 : 400, error.code, 'Clock not advanced', error.message),
  );
  app.errorHandler(DrainTimeout, async (error) => problem(504, 'drain-timeout', 'Work still pending', error.message));
  app.notFound(async () =>
    problem(
      404,
      'route-not-found',
      'Not found',
      `the local endpoints are /local/info, /local/clock, /local/clock/advance, /local/drain, the card pages /local/pages/setup/{sessionId}, /local/pages/authenticate/{chargeId} and ${CHECKOUT_PAGES}/{sessionId}, and the dashboard's ${STRIPE_DASHBOARD}/payment-intents, ${STRIPE_DASHBOARD}/payment-intents/{paymentIntentId}/refunds, ${STRIPE_DASHBOARD}/disputes, ${STRIPE_DASHBOARD}/disputes/{disputeId}/close and ${STRIPE_DASHBOARD}/refunds`,
    ),
  );
  app.errorHandler(MethodNotAllowedError, async () =>
    problem(405, 'method-not-allowed', 'Method not allowed', 'this path does not accept that method'),
  );
  app.errorHandler(Error, async (error) => {
    logger.error('local request failed', { error });
    return problem(500, 'internal-error', 'Internal error', error.message);
  });
  return app;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
