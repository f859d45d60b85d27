/**
 * Opening an account (docs/contract.md §3): the partner starts with the remainder of its
 * previous usage invoice as a ledger entry; below 500.00 the card is charged the
 * difference at once, as an attempt like any recharge, so a failed opening charge is
 * retried like one.
 *
 * A partner id is created once. A repeat of the create is answered with the account only
 * when it is the same request: every detail, defaults filled in and amounts compared as
 * values, equal to the account as it is. Any other detail is a conflict that names what
 * differs, never a 200 that drops it.
 */
import { DomainError, PartnerExistsError } from '../errors';
import { type Currency, type Micros, formatAmount } from '../money';
import type { PartnerAccount } from '../partner';
import { type RechargeSettings, decideOpeningCharge } from '../recharge-rules';
import { type RechargeDependencies, type RechargeResult, rechargePartner } from '../recharge/recharge-partner';

export interface OpenAccountRequest {
  readonly partnerId: string;
  readonly currency: Currency;
  readonly paymentMethod: string;
  readonly paymentCustomerId?: string;
  readonly previousInvoiceRemainder: Micros;
  readonly rechargeSettings: RechargeSettings;
}

export interface OpenAccountResult {
  readonly outcome: 'created' | 'exists';
  readonly account: PartnerAccount;
  /** The opening charge, when one was due. */
  readonly openingCharge?: RechargeResult;
}

/** Where a repeated create finds the remainder the partner was opened with. */
export interface OpeningBalances {
  /** The opening balance of the partner's first ledger entry; undefined for an unknown partner. */
  openingBalance(partnerId: string): Promise<Micros | undefined>;
}

export interface OpenAccountDependencies extends RechargeDependencies {
  readonly openings: OpeningBalances;
}

/** The partner id exists with other details than the create asks for (TigerBeetle's "exists with different fields"). */
export class PartnerExistsWithOtherDetailsError extends DomainError {
  readonly code = 'partner-exists-with-other-details';

  constructor(
    readonly partnerId: string,
    readonly differences: readonly string[],
  ) {
    super(
      `partner "${partnerId}" exists with other details: ${differences.join('; ')}. A partner id is created once; a repeated create must carry the same details (the card and the recharge settings change through their own endpoints)`,
    );
  }
}

export async function openAccount(
  request: OpenAccountRequest,
  deps: OpenAccountDependencies,
): Promise<OpenAccountResult> {
  const { previousInvoiceRemainder, ...details } = request;
  let created: { outcome: 'created' | 'exists'; account: PartnerAccount };
  try {
    created = await deps.ledger.createPartner({
      account: {
        ...details,
        createdAt: deps.clock.now(),
        ...(decideOpeningCharge(previousInvoiceRemainder) !== undefined && { openingPending: true }),
      },
      openingBalance: previousInvoiceRemainder,
    });
  } catch (error) {
    // Another currency: say what else differs too.
    if (error instanceof PartnerExistsError) await refuseOtherDetails(request, deps);
    throw error;
  }
  if (created.outcome === 'exists') await refuseOtherDetails(request, deps);
  // Also on a repeated create: a crash after the account and before its charge is healed here.
  if (created.account.openingPending !== true) return created;
  const openingCharge = await rechargePartner(request.partnerId, 'opening', deps);
  const account = (await deps.ledger.getPartner(request.partnerId)) ?? created.account;
  return { outcome: created.outcome, account, openingCharge };
}

/** Throws when the existing account differs from the request in any detail. */
async function refuseOtherDetails(request: OpenAccountRequest, deps: OpenAccountDependencies): Promise<void> {
  const [account, opening] = await Promise.all([
    deps.ledger.getPartner(request.partnerId),
    deps.openings.openingBalance(request.partnerId),
  ]);
  if (account === undefined) return;
  const differences = differingDetails(request, account, opening);
  if (differences.length > 0) throw new PartnerExistsWithOtherDetailsError(request.partnerId, differences);
}

/** Each detail of the request that the account does not have, as "field is X, not Y"; amounts compared in their canonical form. */
export function differingDetails(
  request: OpenAccountRequest,
  account: PartnerAccount,
  openingBalance: Micros | undefined,
): string[] {
  const text = (value: string | undefined) => (value === undefined ? 'not set' : `"${value}"`);
  const amount = formatAmount;
  const limit = (value: Micros | undefined) => (value === undefined ? 'not set' : amount(value));
  const compared: [string, string, string][] = [
    ['currency', account.currency, request.currency],
    ['paymentMethod', text(account.paymentMethod), text(request.paymentMethod)],
    ['paymentCustomerId', text(account.paymentCustomerId), text(request.paymentCustomerId)],
    ...(openingBalance === undefined
      ? []
      : [
          ['previousInvoiceRemainder', amount(openingBalance), amount(request.previousInvoiceRemainder)] as [
            string,
            string,
            string,
          ],
        ]),
    [
      'rechargeSettings.threshold',
      amount(account.rechargeSettings.threshold),
      amount(request.rechargeSettings.threshold),
    ],
    [
      'rechargeSettings.autoRenewAmount',
      amount(account.rechargeSettings.autoRenewAmount),
      amount(request.rechargeSettings.autoRenewAmount),
    ],
    [
      'rechargeSettings.autoRecharge',
      String(account.rechargeSettings.autoRecharge),
      String(request.rechargeSettings.autoRecharge),
    ],
    [
      'rechargeSettings.monthlyLimit',
      limit(account.rechargeSettings.monthlyLimit),
      limit(request.rechargeSettings.monthlyLimit),
    ],
  ];
  return compared
    .filter(([, stored, requested]) => stored !== requested)
    .map(([field, stored, requested]) => `${field} is ${stored}, not ${requested}`);
}
