/**
 * Books the refunds of one provider charge where the provider says they stand
 * (docs/contract.md §13). A refund made at the provider (its dashboard) that left or is
 * leaving debits its credit part once (`refund`), credit first: the balance never keeps
 * credit whose money went back. Refunds this system sent for an operator refund were
 * booked before they were sent; their report only nudges that refund to finish.
 */
import type { DomainEvent } from '../events';
import { MICROS_PER_CENT, type Micros, formatAmount, micros } from '../money';
import { isLicenseAttemptId } from '../monthly/license-fee';
import { BalanceFollowUp } from '../usage/balance-follow-up';
import { MONEY_BACK_ROUNDS, type MoneyBackDependencies } from './money-back-dependencies';
import type { CreditedCharge } from './money-back-ports';
import type { ChargeRefunds, ProviderRefund } from './money-back-provider';
import { creditPartOf } from './money-back-rules';
import { resumeOperatorRefund } from './refund-balance';

export type RefundReportOutcome =
  | 'not-ours'
  /** A license fee was refunded: no balance carried its money. */
  | 'license-fee'
  | 'booked'
  | 'nothing-new';

const MONEY_LEFT: ReadonlySet<ProviderRefund['status']> = new Set(['succeeded', 'pending']);

export async function bookProviderRefunds(
  providerChargeId: string,
  deps: MoneyBackDependencies,
): Promise<RefundReportOutcome> {
  const report = await deps.providerMoneyBack.refundsOf(providerChargeId);
  if (report === undefined) return 'not-ours';
  const { partnerId, attemptId } = report.charge;
  if (isLicenseAttemptId(attemptId)) return 'license-fee';
  for (const reference of operatorReferences(report)) await resumeOperatorRefund(partnerId, reference, deps);
  let booked = false;
  for (const refund of report.refunds) {
    if (refund.operatorReference !== undefined || !MONEY_LEFT.has(refund.status)) continue;
    if ((await bookOne(report, refund, deps)) === 'booked') booked = true;
  }
  // A refund may take the balance below the threshold or 0: the same follow-up as usage.
  if (booked) await new BalanceFollowUp(deps).afterDebit(partnerId);
  return booked ? 'booked' : 'nothing-new';
}

async function bookOne(
  report: ChargeRefunds,
  refund: ProviderRefund,
  deps: MoneyBackDependencies,
): Promise<'booked' | 'duplicate'> {
  const { partnerId, attemptId } = report.charge;
  for (let round = 0; round < MONEY_BACK_ROUNDS; round += 1) {
    const charge = await deps.moneyBack.creditedCharge(partnerId, attemptId);
    // Not credited here (yet): thrown, so the provider delivers the report again once the attempt is settled.
    if (charge === undefined)
      throw new Error(`refund ${refund.refundId} is on attempt ${attemptId}, which has not credited the balance`);
    const creditPart = creditPartOf(charge, refund.amountCents);
    const now = deps.clock.now();
    const booked = await deps.moneyBack.bookProviderRefund(
      { charge, refundId: refund.refundId, amountCents: refund.amountCents, creditPart, at: now },
      [refundedEvent(charge, refund, creditPart, now)],
    );
    if (booked !== 'stale') return booked;
  }
  throw new Error(`refund ${refund.refundId} kept meeting concurrent changes of attempt ${attemptId}`);
}

function operatorReferences(report: ChargeRefunds): Set<string> {
  const references = new Set<string>();
  for (const refund of report.refunds)
    if (refund.operatorReference !== undefined) references.add(refund.operatorReference);
  return references;
}

function refundedEvent(charge: CreditedCharge, refund: ProviderRefund, creditPart: Micros, now: Date): DomainEvent {
  return {
    type: 'ChargeRefunded',
    time: now,
    detail: {
      partnerId: charge.partnerId,
      currency: charge.currency,
      attemptId: charge.attemptId,
      providerChargeId: charge.providerChargeId,
      refundId: refund.refundId,
      refunded: formatAmount(micros(refund.amountCents * MICROS_PER_CENT)),
      debited: formatAmount(creditPart),
    },
  };
}
