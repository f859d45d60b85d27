/**
 * Opening an account (SPEC section 3): the partner starts with the remainder of its
 * previous usage invoice as a ledger entry; below 500.00 the card is charged the
 * difference at once, as an attempt like any recharge, so a failed opening charge is
 * retried like one.
 */
import { Currency, Micros } from '../money';
import { PartnerAccount } from '../partner';
import { RechargeSettings, decideOpeningCharge } from '../recharge-rules';
import { RechargeDependencies, RechargeResult, rechargePartner } from '../recharge/recharge-partner';

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

export async function openAccount(request: OpenAccountRequest, deps: RechargeDependencies): Promise<OpenAccountResult> {
  const { previousInvoiceRemainder, ...details } = request;
  const created = await deps.ledger.createPartner({
    account: {
      ...details,
      createdAt: deps.clock.now(),
      ...(decideOpeningCharge(previousInvoiceRemainder) !== undefined && { openingPending: true }),
    },
    openingBalance: previousInvoiceRemainder,
  });
  // Also on a repeated create: a crash after the account and before its charge is healed here.
  if (created.account.openingPending !== true) return created;
  deps.faults.reached('open-account:before-opening-charge');
  const openingCharge = await rechargePartner(request.partnerId, 'opening', deps);
  const account = (await deps.ledger.getPartner(request.partnerId)) ?? created.account;
  return { outcome: created.outcome, account, openingCharge };
}
