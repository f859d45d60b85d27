/**
 * The API of docs/contract.md §9 and §13 as one table: path, schemas, responses and the use case each
 * route calls. The router and the OpenAPI document are both built from this table.
 */
import { cancelChannel, registerChannel, sendPermission } from '../domain/channels/channel-rules';
import { dayOf } from '../domain/daily/daily-run-ports';
import { UnknownPartnerError } from '../domain/errors';
import { reconcileMonth } from '../domain/finance/reconcile-month';
import { recordPayment } from '../domain/finance/record-payment';
import { retryLicenseFees } from '../domain/monthly/license-fees';
import { ZERO, formatAmount } from '../domain/money';
import type { PartnerAccount } from '../domain/partner';
import { PartnerExistsWithOtherDetailsError, openAccount } from '../domain/partners/open-account';
import { DEFAULT_RECHARGE_SETTINGS } from '../domain/recharge-rules';
import type { ChargeAttempt, RechargeTrigger } from '../domain/recharge/charge-attempt';
import type { SetupSession } from '../domain/recharge/payment-provider';
import { type RechargeResult, rechargePartner } from '../domain/recharge/recharge-partner';
import type { ApiDependencies } from './api-dependencies';
import { type ApiRoute, existingPartner, route } from './api-route';
import { MONEY_BACK_ROUTES } from './money-back-routes';
import { STATEMENT_ROUTES } from './statement-routes';
import { TOP_UP_ROUTES } from './top-up-routes';
import { RequestProblem, customerRequired, partnerClosed, paymentMethodRefused, providerUnavailable } from './problems';
import * as schemas from './schemas';
import { balanceView, channelView, chargeView, entryView, invoiceView, partnerView, snapshotView } from './views';

/** The attempt holding the partner's in-flight slot, shown with the account. */
async function inFlightAttempt(account: PartnerAccount, deps: ApiDependencies): Promise<ChargeAttempt | undefined> {
  if (account.chargeInFlight === undefined) return undefined;
  return deps.recharge.attempts.getAttempt(account.partnerId, account.chargeInFlight);
}

async function shownPartner(partnerId: string, deps: ApiDependencies) {
  const account = await existingPartner(partnerId, deps);
  return partnerView(account, await inFlightAttempt(account, deps), deps.recharge.clock.now());
}

/** The account of a partner that may still be given a card, recharge settings or a number: not a closed one. */
async function openPartner(partnerId: string, deps: ApiDependencies): Promise<PartnerAccount> {
  const account = await existingPartner(partnerId, deps);
  if (account.status === 'closed') throw partnerClosed(account);
  return account;
}

const CLOSED_REFUSED = 'a closed partner is refused (409 `partner-closed`)';

const CUSTOMER_NEEDED = 'the card provider charges only cards saved to a customer';

/** A card reference is checked with the provider before it is stored: refused is a 422, no clear answer a 503. */
async function checkCard(
  field: string,
  paymentMethod: string,
  customerId: string | undefined,
  deps: ApiDependencies,
): Promise<void> {
  const check = await deps.recharge.provider.checkPaymentMethod(paymentMethod, customerId);
  if (check.verdict === 'refused') throw paymentMethodRefused(field, check.reason, check.detail);
  if (check.verdict === 'unknown')
    throw providerUnavailable(`the card provider could not check ${field}: ${check.detail}`);
}

/**
 * The backup card of a create, stored once the account exists. A repeated create is
 * compared with the account, as its other details are: it stores a backup the account
 * lacks (a create that ended before it, so it is checked now) and refuses any other.
 */
async function settleBackupCard(
  partnerId: string,
  requested: string | undefined,
  customerId: string | undefined,
  checked: boolean,
  deps: ApiDependencies,
): Promise<void> {
  const stored = (await existingPartner(partnerId, deps)).backupPaymentMethod;
  if (stored === requested) return;
  if (stored !== undefined || requested === undefined) {
    const shown = (value: string | undefined) => (value === undefined ? 'not set' : `"${value}"`);
    throw new PartnerExistsWithOtherDetailsError(partnerId, [
      `backupPaymentMethod is ${shown(stored)}, not ${shown(requested)}`,
    ]);
  }
  if (!checked) await checkCard('backupPaymentMethod', requested, customerId, deps);
  const set = await deps.recharge.ledger.setCard({
    partnerId,
    role: 'backup',
    paymentMethod: requested,
    at: deps.recharge.clock.now(),
  });
  if (set === 'unknown-partner') throw new UnknownPartnerError(partnerId);
}

/**
 * The API answers within API Gateway's 29 s, so its card provider gives up sooner than the
 * recharge function's (functions/lambda/api.ts). A charge still without a clear answer is
 * handed to the recharge queue: the recharge function resumes the open attempt with the
 * same idempotency key, and the route answers 202. True when it was handed over.
 */
async function handOffUnclear(
  result: RechargeResult,
  trigger: RechargeTrigger,
  partnerId: string,
  deps: ApiDependencies,
): Promise<boolean> {
  if (result.outcome !== 'unknown') return false;
  await deps.rechargeQueue.request({ partnerId, trigger, requestedAt: deps.recharge.clock.now() });
  return true;
}

const UNCLEAR_CHARGE =
  'The card provider gave no clear answer in time: the charge (`state` `pending`) is finished by the recharge function, and `GET /partners/{partnerId}` shows where it stands.';

export const API_ROUTES: readonly ApiRoute[] = [
  route({
    method: 'post',
    path: '/partners',
    operationId: 'createPartner',
    summary:
      'Create a partner, its cards checked with the card provider first; below 500.00 the opening balance is topped up by a card charge at once',
    bodySchema: schemas.CreatePartnerBody,
    responses: {
      201: { description: 'Created', schema: schemas.CreatedPartnerView },
      200: {
        description: 'The same partner was created before; the account as it is',
        schema: schemas.CreatedPartnerView,
      },
      202: {
        description: `${UNCLEAR_CHARGE} The partner exists.`,
        schema: schemas.CreatedPartnerView,
      },
    },
    problemStatuses: [400, 409, 422, 503],
    async handle({ body }, deps) {
      const { provider, ledger } = deps.recharge;
      if (provider.requiresCustomer && body.paymentCustomerId === undefined)
        throw customerRequired(400, `${CUSTOMER_NEEDED}: give paymentCustomerId, the customer the cards are saved to`);
      // A repeated create is answered from the account: its cards were checked when it was created.
      const isNew = (await ledger.getPartner(body.partnerId)) === undefined;
      if (isNew)
        await Promise.all([
          checkCard('paymentMethod', body.paymentMethod, body.paymentCustomerId, deps),
          ...(body.backupPaymentMethod === undefined
            ? []
            : [checkCard('backupPaymentMethod', body.backupPaymentMethod, body.paymentCustomerId, deps)]),
        ]);
      const { outcome, openingCharge } = await openAccount(
        {
          partnerId: body.partnerId,
          currency: body.currency,
          paymentMethod: body.paymentMethod,
          ...(body.paymentCustomerId !== undefined && { paymentCustomerId: body.paymentCustomerId }),
          previousInvoiceRemainder: body.previousInvoiceRemainder ?? ZERO,
          rechargeSettings: { ...DEFAULT_RECHARGE_SETTINGS, ...body.rechargeSettings },
        },
        { ...deps.recharge, openings: deps.openings },
      );
      await settleBackupCard(body.partnerId, body.backupPaymentMethod, body.paymentCustomerId, isNew, deps);
      const handedOff =
        openingCharge !== undefined && (await handOffUnclear(openingCharge, 'opening', body.partnerId, deps));
      const account = await existingPartner(body.partnerId, deps);
      const attempt = openingCharge?.attempt;
      return {
        status: handedOff ? 202 : outcome === 'created' ? 201 : 200,
        body: {
          ...partnerView(account, await inFlightAttempt(account, deps), deps.recharge.clock.now()),
          liveBalance: formatAmount(account.liveBalance),
          ...(openingCharge !== undefined &&
            attempt !== undefined && {
              openingCharge: {
                ...chargeView(openingCharge),
                credit: formatAmount(attempt.charge.credit),
                fee: formatAmount(attempt.charge.fee),
                total: formatAmount(attempt.charge.total),
              },
            }),
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/partners/{partnerId}',
    operationId: 'getPartner',
    summary: 'The account, its recharge settings and status',
    pathSchema: schemas.PartnerPath,
    responses: { 200: { description: 'The partner', schema: schemas.PartnerView } },
    problemStatuses: [400, 404],
    async handle({ path }, deps) {
      return { status: 200, body: await shownPartner(path.partnerId, deps) };
    },
  }),
  route({
    method: 'get',
    path: '/partners/{partnerId}/balance',
    operationId: 'getBalance',
    summary: 'Published balance (as of the last 00:00 UTC cut-off), live balance, amount due and status',
    pathSchema: schemas.PartnerPath,
    responses: { 200: { description: 'The balance', schema: schemas.BalanceView } },
    problemStatuses: [400, 404],
    async handle({ path }, deps) {
      return { status: 200, body: balanceView(await existingPartner(path.partnerId, deps)) };
    },
  }),
  route({
    method: 'put',
    path: '/partners/{partnerId}/recharge-settings',
    operationId: 'putRechargeSettings',
    summary: `Replace threshold, auto-renew amount, the auto-recharge flag and the monthly limit on automatic recharges (left out: no limit); ${CLOSED_REFUSED}`,
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.RechargeSettingsBody,
    responses: { 200: { description: 'The partner with its new settings', schema: schemas.PartnerView } },
    problemStatuses: [400, 404, 409],
    async handle({ path, body }, deps) {
      await openPartner(path.partnerId, deps);
      if (!(await deps.recharge.ledger.updateRechargeSettings(path.partnerId, body)))
        throw new UnknownPartnerError(path.partnerId);
      return { status: 200, body: await shownPartner(path.partnerId, deps) };
    },
  }),
  route({
    method: 'put',
    path: '/partners/{partnerId}/payment-method',
    operationId: 'putPaymentMethod',
    summary: `Replace the primary or the backup card, checked with the card provider first; an outstanding charge is retried at once; ${CLOSED_REFUSED}`,
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.PaymentMethodBody,
    responses: {
      200: { description: 'The partner, and the charge retried if one was due', schema: schemas.PartnerChargeView },
      202: { description: `${UNCLEAR_CHARGE} The card is stored.`, schema: schemas.PartnerChargeView },
    },
    problemStatuses: [400, 404, 409, 422, 503],
    async handle({ path, body }, deps) {
      const { provider, ledger, clock } = deps.recharge;
      const account = await openPartner(path.partnerId, deps);
      const customerId = body.paymentCustomerId ?? account.paymentCustomerId;
      if (provider.requiresCustomer && customerId === undefined)
        throw customerRequired(
          400,
          `${CUSTOMER_NEEDED}, and partner "${path.partnerId}" has none: give paymentCustomerId`,
        );
      await checkCard('paymentMethod', body.paymentMethod, customerId, deps);
      const set = await ledger.setCard({
        partnerId: path.partnerId,
        role: body.role,
        paymentMethod: body.paymentMethod,
        ...(body.paymentCustomerId !== undefined && { paymentCustomerId: body.paymentCustomerId }),
        at: clock.now(),
      });
      if (set === 'unknown-partner') throw new UnknownPartnerError(path.partnerId);
      if (set === 'superseded')
        throw new RequestProblem(
          409,
          'card-superseded',
          'Card changed since',
          `the ${body.role} card of partner "${path.partnerId}" was changed after this request was made; read the partner and decide again`,
        );
      // A crash here loses only the immediate retry: the daily run charges the new card.
      const charge = await rechargePartner(path.partnerId, 'payment-method-updated', deps.recharge);
      const handedOff = await handOffUnclear(charge, 'payment-method-updated', path.partnerId, deps);
      // With the provider slow, declined license fees wait for the daily run rather than the API's time budget.
      if (!handedOff) await retryLicenseFees(path.partnerId, dayOf(clock.now()), deps.licenses);
      return {
        status: handedOff ? 202 : 200,
        body: { ...(await shownPartner(path.partnerId, deps)), charge: chargeView(charge) },
      };
    },
  }),
  route({
    method: 'post',
    path: '/partners/{partnerId}/payment-method/setup',
    operationId: 'createPaymentMethodSetup',
    summary: `A page of the card provider where the partner saves a card for later charges; once saved, it becomes the partner's card in \`role\` and an outstanding charge is retried; ${CLOSED_REFUSED}`,
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.SetupSessionBody,
    responses: { 201: { description: 'The setup page to send the partner to', schema: schemas.SetupSessionView } },
    problemStatuses: [400, 404, 409, 503],
    async handle({ path, body }, deps) {
      const account = await openPartner(path.partnerId, deps);
      // The port saves cards to a customer: a partner without one cannot be given a page.
      if (account.paymentCustomerId === undefined)
        throw customerRequired(
          409,
          `cards are saved to the partner's customer, and partner "${path.partnerId}" has none: set paymentCustomerId with PUT /partners/{partnerId}/payment-method first`,
        );
      let session: SetupSession;
      try {
        session = await deps.recharge.provider.createSetupSession({
          partnerId: path.partnerId,
          customerId: account.paymentCustomerId,
          role: body.role,
        });
      } catch (error) {
        throw providerUnavailable('the card provider did not create a setup page', error);
      }
      return {
        status: 201,
        body: {
          sessionId: session.sessionId,
          url: session.url,
          expiresAt: session.expiresAt.toISOString(),
          role: body.role,
        },
      };
    },
  }),
  route({
    method: 'post',
    path: '/partners/{partnerId}/payments',
    operationId: 'recordPayment',
    summary:
      'Finance confirms an offline payment: credited once per reference; unblocks when the balance is back to >= 0; also settles what a closed partner owes',
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.PaymentBody,
    responses: {
      201: { description: 'Recorded', schema: schemas.PaymentView },
      200: {
        description: 'Recorded before with this reference and amount; nothing changed',
        schema: schemas.PaymentView,
      },
    },
    problemStatuses: [400, 404, 409],
    async handle({ path, body }, deps) {
      const result = await recordPayment(
        { partnerId: path.partnerId, amount: body.amount, reference: body.reference },
        deps.finance,
      );
      return {
        status: result.outcome === 'recorded' ? 201 : 200,
        body: {
          outcome: result.outcome,
          entryId: result.entry.entryId,
          amount: formatAmount(result.entry.amount),
          reference: body.reference,
          liveBalance: formatAmount(result.account.liveBalance),
          status: result.account.status,
          unblocked: result.unblocked,
        },
      };
    },
  }),
  route({
    method: 'post',
    path: '/partners/{partnerId}/reconciliations',
    operationId: 'reconcileMonth',
    summary: "Book the difference between the upstream invoice and the month's estimated usage, once per month",
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.ReconciliationBody,
    responses: {
      201: { description: 'Reconciled', schema: schemas.ReconciliationView },
      200: {
        description: 'Reconciled before with this amount; the original result',
        schema: schemas.ReconciliationView,
      },
    },
    problemStatuses: [400, 404, 409],
    async handle({ path, body }, deps) {
      const { outcome, reconciliation } = await reconcileMonth(
        { partnerId: path.partnerId, period: body.period, actualAmount: body.actualAmount },
        deps.finance,
      );
      return {
        status: outcome === 'reconciled' ? 201 : 200,
        body: {
          outcome,
          period: reconciliation.period,
          estimated: formatAmount(reconciliation.estimated),
          actual: formatAmount(reconciliation.actual),
          adjustment: formatAmount(reconciliation.adjustment),
        },
      };
    },
  }),
  ...TOP_UP_ROUTES,
  ...MONEY_BACK_ROUTES,
  ...STATEMENT_ROUTES,
  route({
    method: 'get',
    path: '/partners/{partnerId}/ledger',
    operationId: 'listLedger',
    summary: 'Every balance movement, newest first',
    pathSchema: schemas.PartnerPath,
    querySchema: schemas.PageQuery,
    responses: { 200: { description: 'A page of ledger entries', schema: schemas.LedgerPageView } },
    problemStatuses: [400, 404],
    async handle({ path, query }, deps) {
      await existingPartner(path.partnerId, deps);
      const page = await deps.recharge.ledger.ledgerPage(path.partnerId, query);
      return {
        status: 200,
        body: {
          items: page.entries.map(entryView),
          ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/partners/{partnerId}/invoices',
    operationId: 'listInvoices',
    summary: 'Invoices of card charges, newest first',
    pathSchema: schemas.PartnerPath,
    querySchema: schemas.PageQuery,
    responses: { 200: { description: 'A page of invoices', schema: schemas.InvoicePageView } },
    problemStatuses: [400, 404],
    async handle({ path, query }, deps) {
      await existingPartner(path.partnerId, deps);
      const page = await deps.recharge.attempts.invoicesPage(path.partnerId, query);
      return {
        status: 200,
        body: {
          items: page.invoices.map(invoiceView),
          ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/partners/{partnerId}/balance-history',
    operationId: 'listBalanceHistory',
    summary: 'Published daily balances, newest first; a day without a row kept the balance of the day before',
    pathSchema: schemas.PartnerPath,
    querySchema: schemas.PageQuery,
    responses: { 200: { description: 'A page of daily balances', schema: schemas.HistoryPageView } },
    problemStatuses: [400, 404],
    async handle({ path, query }, deps) {
      await existingPartner(path.partnerId, deps);
      const page = await deps.runs.historyPage(path.partnerId, query);
      return {
        status: 200,
        body: {
          items: page.snapshots.map(snapshotView),
          ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
        },
      };
    },
  }),
  route({
    method: 'post',
    path: '/partners/{partnerId}/channels',
    operationId: 'registerChannel',
    summary: `Register a hosted number (E.164); a number registered before by another partner, or cancelled, is refused, and ${CLOSED_REFUSED}`,
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.ChannelBody,
    responses: {
      201: { description: 'Registered', schema: schemas.ChannelView },
      200: {
        description: 'The partner hosts this number already (a repeated registration); the channel as it is',
        schema: schemas.ChannelView,
      },
    },
    problemStatuses: [400, 404, 409],
    async handle({ path, body }, deps) {
      await openPartner(path.partnerId, deps);
      const { outcome, channel } = await registerChannel(path.partnerId, body.phoneNumber, deps.channelRules);
      return { status: outcome === 'registered' ? 201 : 200, body: channelView(channel) };
    },
  }),
  route({
    method: 'delete',
    path: '/partners/{partnerId}/channels/{phoneNumber}',
    operationId: 'cancelChannel',
    summary: 'Cancel a hosted number; it can never be registered again',
    pathSchema: schemas.ChannelPath,
    responses: { 200: { description: 'Cancelled', schema: schemas.ChannelView } },
    problemStatuses: [400, 404],
    async handle({ path }, deps) {
      return {
        status: 200,
        body: channelView(await cancelChannel(path.partnerId, path.phoneNumber, deps.channelRules)),
      };
    },
  }),
  route({
    method: 'get',
    path: '/channels/{phoneNumber}/send-permission',
    operationId: 'getSendPermission',
    summary: 'Whether the number may send: 402 while its partner is blocked',
    pathSchema: schemas.PhonePath,
    responses: { 200: { description: 'Allowed', schema: schemas.SendPermissionView } },
    problemStatuses: [400, 402, 404],
    async handle({ path }, deps) {
      return { status: 200, body: await sendPermission(path.phoneNumber, deps.operatorName, deps.channelRules) };
    },
  }),
];
