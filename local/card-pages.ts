/**
 * The card provider's hosted pages, served by the local runtime for the sandbox provider
 * (docs/contract.md §13): where a partner saves a card (a setup session's `url`) and
 * where it authenticates a charge the bank holds (an attempt's `actionUrl`). Each page
 * says what it is for and how to answer it with curl; a POST to it, from its button or
 * from curl, does what the partner's click does at Stripe. What follows, the card set or
 * the balance credited, comes through the webhook, as it does from Stripe.
 */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import * as z from 'zod';
import type {
  SandboxCharge,
  SandboxRefusal,
  SandboxSetupSession,
  SetupCompletion,
} from '../functions/adapters/payments/sandbox-payment-provider';
import { NOT_A_CARD, TEST_CARDS } from '../functions/adapters/payments/sandbox-cards';
import { problem, validationProblem } from '../functions/api/problems';
import type { ChargeStatus } from '../functions/domain/recharge/payment-provider';
import { MICROS_PER_CENT, formatAmount, micros } from '../functions/domain/money';
import { escapeHtml, html, json, page, resultPage } from './page-html';

/** What the pages need of the sandbox provider. */
export interface HostedPagesProvider {
  readonly charges: readonly SandboxCharge[];
  readonly setupSessions: readonly SandboxSetupSession[];
  completeSetup(sessionId: string, paymentMethod: string): SetupCompletion;
  completeAuthentication(chargeId: string, outcome?: 'succeed' | 'fail'): ChargeStatus | SandboxRefusal;
}

const SETUP_PAGES = '/local/pages/setup';
const AUTHENTICATION_PAGES = '/local/pages/authenticate';

const SetupAnswer = z.strictObject({ paymentMethod: z.string().trim().min(1) });
const AuthenticationAnswer = z.strictObject({ outcome: z.enum(['succeed', 'fail']).optional() });

/** A refusal of the sandbox as the HTTP problem a client can act on. */
const REFUSALS: Readonly<Record<SandboxRefusal['code'], { status: number; type: string; title: string }>> = {
  'not-found': { status: 404, type: 'page-not-found', title: 'No such page' },
  'not-waiting': { status: 409, type: 'charge-not-waiting', title: 'Charge not waiting for authentication' },
  completed: { status: 409, type: 'setup-session-completed', title: 'Setup session already completed' },
  expired: { status: 410, type: 'setup-session-expired', title: 'Setup session expired' },
  'card-refused': { status: 422, type: 'card-refused', title: 'Card refused' },
};

/** `baseUrl`: the local server's, where the provider's pages are (its `pagesBaseUrl`). */
export function addCardPages(app: Router, provider: HostedPagesProvider, baseUrl: string): void {
  app.get(`${SETUP_PAGES}/:sessionId`, async ({ params }) => {
    const session = provider.setupSessions.find((candidate) => candidate.sessionId === params.sessionId);
    if (session === undefined) return refused({ code: 'not-found', detail: `no setup session ${params.sessionId}` });
    return html(200, setupPage(session));
  });

  // The router matches a path only with its parameter: the `= ''` defaults are for the type alone.
  app.post(`${SETUP_PAGES}/:sessionId`, async ({ params: { sessionId = '' }, req }) => {
    const answer = await readAnswer(req, SetupAnswer, '{"paymentMethod": "pm_card_visa"}');
    if (answer instanceof Response) return answer;
    const completion = provider.completeSetup(sessionId, answer.fields.paymentMethod);
    if (completion.outcome === 'refused') return refused(completion);
    return answer.fromForm
      ? html(200, resultPage('Card saved', `${completion.paymentMethod} is saved; the partner's card is set shortly.`))
      : json(200, completion);
  });

  app.get(`${AUTHENTICATION_PAGES}/:chargeId`, async ({ params }) => {
    const charge = provider.charges.find((candidate) => candidate.chargeId === params.chargeId);
    if (charge === undefined) return refused({ code: 'not-found', detail: `no charge ${params.chargeId}` });
    return html(
      200,
      authenticationPage(charge, `${baseUrl}${AUTHENTICATION_PAGES}/${encodeURIComponent(charge.chargeId)}`),
    );
  });

  app.post(`${AUTHENTICATION_PAGES}/:chargeId`, async ({ params: { chargeId = '' }, req }) => {
    const answer = await readAnswer(req, AuthenticationAnswer, '{"outcome": "fail"}, or nothing to succeed');
    if (answer instanceof Response) return answer;
    const status = provider.completeAuthentication(chargeId, answer.fields.outcome ?? 'succeed');
    if (status.outcome === 'refused') return refused(status);
    return answer.fromForm
      ? html(200, resultPage('Authentication answered', `The charge ${chargeId} is ${status.outcome}.`))
      : json(200, status);
  });
}

/**
 * The page's answer: JSON from curl, a form from the page's button, or no body at all
 * (the authentication's "succeed"). JSON is read as JSON whatever its content type, as
 * `curl -d` without a header calls it a form; the answer to a form is a page.
 */
export async function readAnswer<T extends z.ZodType>(
  req: Request,
  schema: T,
  example: string,
): Promise<{ readonly fields: z.output<T>; readonly fromForm: boolean } | Response> {
  const text = (await req.text()).trim();
  const fromForm =
    !text.startsWith('{') && (req.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
  let body: unknown = {};
  if (fromForm) body = Object.fromEntries(new URLSearchParams(text));
  else if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return problem(400, 'invalid-json', 'Body is not JSON', `send ${example}`);
    }
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return validationProblem('body', parsed.error);
  return { fields: parsed.data, fromForm };
}

function refused(refusal: Pick<SandboxRefusal, 'code' | 'detail'>): Response {
  const { status, type, title } = REFUSALS[refusal.code];
  return problem(status, type, title, refusal.detail);
}

function setupPage(session: SandboxSetupSession): string {
  const cards = [...TEST_CARDS.keys(), NOT_A_CARD];
  const options = cards.map((card) => `<option>${escapeHtml(card)}</option>`).join('');
  const form =
    session.status === 'open'
      ? `<form method="post"><select name="paymentMethod">${options}</select> <button>Save card</button></form>`
      : '';
  return page(
    'Save a card',
    `<p>The sandbox's stand-in for Stripe Checkout in setup mode: partner <b>${escapeHtml(session.partnerId)}</b>
saves a card for later charges, as its <b>${escapeHtml(session.role)}</b> card.</p>
<p>Session ${escapeHtml(session.sessionId)}: <b>${escapeHtml(session.status)}</b> (expires ${escapeHtml(session.expiresAt.toISOString())}).</p>
${form}
<p>From a terminal:</p>
<pre>curl -s -X POST '${escapeHtml(session.url)}' -H 'content-type: application/json' -d '{"paymentMethod":"pm_card_visa"}'</pre>`,
  );
}

function authenticationPage(charge: SandboxCharge, url: string): string {
  const { request, result } = charge;
  const amount = formatAmount(micros(request.amountCents * MICROS_PER_CENT));
  const waiting = result.outcome === 'action-required';
  const form = waiting
    ? `<form method="post"><button name="outcome" value="succeed">Complete</button> <button name="outcome" value="fail">Fail</button></form>`
    : '';
  return page(
    'Authenticate a payment',
    `<p>The sandbox's stand-in for the bank's 3D Secure page: partner <b>${escapeHtml(request.partnerId)}</b> is asked to
confirm a charge of <b>${escapeHtml(amount)} ${escapeHtml(request.currency)}</b> on ${escapeHtml(request.paymentMethod)}
(${escapeHtml(request.description)}).</p>
<p>Charge ${escapeHtml(charge.chargeId)}: <b>${waiting ? 'waiting for authentication' : escapeHtml(result.outcome)}</b>.</p>
${form}
<p>From a terminal (to fail it, send <code>{"outcome":"fail"}</code>):</p>
<pre>curl -s -X POST '${escapeHtml(url)}'</pre>`,
  );
}
