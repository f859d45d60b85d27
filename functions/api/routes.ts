/**
 * The API of docs/contract.md §9 as one table: path, schemas, responses and the use case each
 * route calls. The router and the OpenAPI document are both built from this table.
 */
import type * as z from 'zod';
import { cancelChannel, registerChannel, sendPermission } from '../domain/channels/channel-rules';
import { dayOf } from '../domain/daily/daily-run-ports';
import { UnknownPartnerError } from '../domain/errors';
import { reconcileMonth } from '../domain/finance/reconcile-month';
import { recordPayment } from '../domain/finance/record-payment';
import { retryLicenseFees } from '../domain/monthly/license-fees';
import { ZERO, formatAmount } from '../domain/money';
import { openAccount } from '../domain/partners/open-account';
import { DEFAULT_RECHARGE_SETTINGS } from '../domain/recharge-rules';
import { rechargePartner } from '../domain/recharge/recharge-partner';
import type { ApiDependencies } from './api-dependencies';
import * as schemas from './schemas';
import { balanceView, channelView, entryView, invoiceView, partnerView, snapshotView } from './views';

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
function route<TPath, TBody, TQuery>(definition: ApiRoute<TPath, TBody, TQuery>): ApiRoute {
  return definition as unknown as ApiRoute;
}

async function existingPartner(partnerId: string, deps: ApiDependencies) {
  const account = await deps.recharge.ledger.getPartner(partnerId);
  if (account === undefined) throw new UnknownPartnerError(partnerId);
  return account;
}

export const API_ROUTES: readonly ApiRoute[] = [
  route({
    method: 'post',
    path: '/partners',
    operationId: 'createPartner',
    summary: 'Create a partner; below 500.00 the opening balance is topped up by a card charge at once',
    bodySchema: schemas.CreatePartnerBody,
    responses: {
      201: { description: 'Created', schema: schemas.CreatedPartnerView },
      200: {
        description: 'The same partner was created before; the account as it is',
        schema: schemas.CreatedPartnerView,
      },
    },
    problemStatuses: [400, 409],
    async handle({ body }, deps) {
      const { outcome, account, openingCharge } = await openAccount(
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
      const attempt = openingCharge?.attempt;
      return {
        status: outcome === 'created' ? 201 : 200,
        body: {
          ...partnerView(account),
          liveBalance: formatAmount(account.liveBalance),
          ...(attempt !== undefined && {
            openingCharge: {
              outcome: openingCharge?.outcome,
              credit: formatAmount(attempt.charge.credit),
              fee: formatAmount(attempt.charge.fee),
              total: formatAmount(attempt.charge.total),
              ...(attempt.declineCode !== undefined && { declineCode: attempt.declineCode }),
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
      return { status: 200, body: partnerView(await existingPartner(path.partnerId, deps)) };
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
    summary: 'Replace threshold, auto-renew amount and the auto-recharge flag',
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.RechargeSettingsBody,
    responses: { 200: { description: 'The partner with its new settings', schema: schemas.PartnerView } },
    problemStatuses: [400, 404],
    async handle({ path, body }, deps) {
      if (!(await deps.recharge.ledger.updateRechargeSettings(path.partnerId, body)))
        throw new UnknownPartnerError(path.partnerId);
      return { status: 200, body: partnerView(await existingPartner(path.partnerId, deps)) };
    },
  }),
  route({
    method: 'put',
    path: '/partners/{partnerId}/payment-method',
    operationId: 'putPaymentMethod',
    summary: 'Replace the card; an outstanding charge is retried with it at once',
    pathSchema: schemas.PartnerPath,
    bodySchema: schemas.PaymentMethodBody,
    responses: {
      200: {
        description: 'The partner, and the charge retried if one was due',
        schema: schemas.PartnerView.extend({ charge: schemas.ChargeView }),
      },
    },
    problemStatuses: [400, 404],
    async handle({ path, body }, deps) {
      const updated = await deps.recharge.ledger.updatePaymentMethod(
        path.partnerId,
        body.paymentMethod,
        body.paymentCustomerId,
      );
      if (!updated) throw new UnknownPartnerError(path.partnerId);
      // A crash here loses only the immediate retry: the daily run charges the new card.
      const charge = await rechargePartner(path.partnerId, 'payment-method-updated', deps.recharge);
      await retryLicenseFees(path.partnerId, dayOf(deps.recharge.clock.now()), deps.licenses);
      return {
        status: 200,
        body: {
          ...partnerView(await existingPartner(path.partnerId, deps)),
          charge: {
            outcome: charge.outcome,
            ...(charge.attempt !== undefined && { attemptId: charge.attempt.attemptId }),
          },
        },
      };
    },
  }),
  route({
    method: 'post',
    path: '/partners/{partnerId}/payments',
    operationId: 'recordPayment',
    summary:
      'Finance confirms an offline payment: credited once per reference; unblocks when the balance is back to >= 0',
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
    summary:
      'Register a hosted number (E.164); a number registered before by another partner, or cancelled, is refused',
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
