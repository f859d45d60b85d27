/**
 * Books a dispute where the provider says it stands (docs/contract.md §13). A dispute that
 * took money debits the disputed credit still on the balance (`chargeback`, once per
 * dispute) and the card it came from is not charged again; a won dispute credits it back
 * (`chargeback-reversal`, which may unblock); a lost one is only recorded. A dispute on a
 * license fee is recorded and published without a balance change. Each step is applied
 * only from the state it was decided in, so reports that come twice, late or in any order
 * book each step once.
 */
import type { DomainEvent } from '../events';
import { MICROS_PER_CENT, type Micros, ZERO, formatAmount, micros } from '../money';
import { isLicenseAttemptId } from '../monthly/license-fee';
import { OPEN_ATTEMPT_STATES } from '../recharge/charge-attempt';
import { resumeAttempt } from '../recharge/recharge-partner';
import { BalanceFollowUp } from '../usage/balance-follow-up';
import { MONEY_BACK_ROUNDS, type MoneyBackDependencies } from './money-back-dependencies';
import type { CreditedCharge, DisputeRecord, DisputeState } from './money-back-ports';
import type { ProviderDispute } from './money-back-provider';
import { creditPartOf, nextDisputeState } from './money-back-rules';
import { restoreChannelsIfActive } from './restore-channels';

/**
 * What a report of a dispute booked: the steps it moved the dispute through (in order,
 * e.g. `open` then `won` for a dispute first reported won), none when it was booked already.
 */
export type DisputeOutcome =
  | { readonly kind: 'not-ours' | 'unknown-partner' }
  | { readonly kind: 'booked'; readonly steps: readonly DisputeState[] };

export async function applyDispute(disputeId: string, deps: MoneyBackDependencies): Promise<DisputeOutcome> {
  const dispute = await deps.providerMoneyBack.dispute(disputeId);
  if (dispute === undefined) return { kind: 'not-ours' };
  const { partnerId } = dispute.charge;
  const steps: DisputeState[] = [];
  for (let round = 0; round < MONEY_BACK_ROUNDS; round += 1) {
    const stored = await deps.moneyBack.getDispute(partnerId, disputeId);
    const next = nextDisputeState(stored?.state, dispute.status);
    if (next === undefined) {
      if (stored?.state === 'won') await restoreChannelsIfActive(partnerId, deps);
      return { kind: 'booked', steps };
    }
    const moved = await moveTo(next, dispute, stored, deps);
    if (moved === 'unknown-partner') return { kind: 'unknown-partner' };
    if (moved === 'moved') steps.push(next);
  }
  throw new Error(`dispute ${disputeId} kept moving under ${MONEY_BACK_ROUNDS} rounds of bookings`);
}

async function moveTo(
  next: DisputeState,
  dispute: ProviderDispute,
  stored: DisputeRecord | undefined,
  deps: MoneyBackDependencies,
): Promise<'moved' | 'stale' | 'unknown-partner'> {
  const now = deps.clock.now();
  if (stored !== undefined) {
    const record: DisputeRecord = { ...stored, state: next, updatedAt: now };
    if (next === 'won' && stored.chargeback > 0)
      return deps.moneyBack.moveDispute(
        { record, from: stored.state, posting: 'chargeback-reversal' },
        ({ liveBalance, unblocked }) => [
          closedEvent(record, liveBalance, now),
          ...(unblocked ? [unblockedEvent(record, liveBalance, now)] : []),
        ],
      );
    if (next !== 'open')
      return deps.moneyBack.moveDispute({ record, from: stored.state }, ({ liveBalance }) => [
        closedEvent(record, liveBalance, now),
      ]);
  }
  const charge = await chargeDisputed(dispute, deps);
  if (charge === 'unknown-partner') return charge;
  const record = recordOf(dispute, charge, stored, next, now);
  // The repository reads the balance for the events of a step that moves none.
  if (next !== 'open' || record.chargeback === 0)
    return deps.moneyBack.moveDispute({ record, from: stored?.state }, ({ liveBalance }) => [
      disputedEvent(record, liveBalance, now),
    ]);
  const credit = charge as CreditedCharge;
  const moved = await deps.moneyBack.moveDispute(
    {
      record,
      from: stored?.state,
      posting: 'chargeback',
      chargeVersion: credit.moneyBackVersion,
      paymentMethod: credit.paymentMethod,
    },
    ({ liveBalance }) => [disputedEvent(record, liveBalance, now)],
  );
  // Below the threshold or 0, the chargeback starts what usage would: the recharge request and the 7-day clock.
  if (moved === 'moved') await new BalanceFollowUp(deps).afterDebit(record.partnerId);
  return moved;
}

/**
 * The charge a dispute is about: a credited charge, or a license fee. A charge the
 * provider holds as paid while its attempt is still open here is settled first, so its
 * credit exists before the dispute takes it back.
 */
async function chargeDisputed(
  dispute: ProviderDispute,
  deps: MoneyBackDependencies,
): Promise<CreditedCharge | 'license-fee' | 'unknown-partner'> {
  const { partnerId, attemptId } = dispute.charge;
  if (isLicenseAttemptId(attemptId)) return 'license-fee';
  const credited = await deps.moneyBack.creditedCharge(partnerId, attemptId);
  if (credited !== undefined) return credited;
  const attempt = await deps.attempts.getAttempt(partnerId, attemptId);
  if (attempt === undefined) {
    if ((await deps.ledger.getPartner(partnerId)) === undefined) return 'unknown-partner';
    throw new Error(
      `dispute ${dispute.disputeId} is on attempt ${attemptId}, which partner ${partnerId} does not have`,
    );
  }
  if (OPEN_ATTEMPT_STATES.includes(attempt.state)) await resumeAttempt(attempt, deps);
  const settled = await deps.moneyBack.creditedCharge(partnerId, attemptId);
  if (settled !== undefined) return settled;
  // Not credited (yet): thrown, so the provider delivers the report again once the attempt is settled.
  throw new Error(`dispute ${dispute.disputeId} is on attempt ${attemptId}, which has not credited the balance`);
}

function recordOf(
  dispute: ProviderDispute,
  charge: CreditedCharge | 'license-fee',
  stored: DisputeRecord | undefined,
  next: DisputeState,
  now: Date,
): DisputeRecord {
  const isCredit = charge !== 'license-fee';
  const takesMoney = next === 'open';
  return {
    partnerId: dispute.charge.partnerId,
    disputeId: dispute.disputeId,
    attemptId: dispute.charge.attemptId,
    providerChargeId: dispute.charge.providerChargeId,
    currency: isCredit ? charge.currency : dispute.currency,
    chargeKind: isCredit ? 'credit' : 'license-fee',
    amountCents: dispute.amountCents,
    reason: dispute.reason,
    state: next,
    chargeback: isCredit && takesMoney ? creditPartOf(charge, dispute.amountCents) : ZERO,
    openedAt: stored?.openedAt ?? dispute.openedAt,
    updatedAt: now,
  };
}

function disputedEvent(record: DisputeRecord, liveBalance: Micros, now: Date): DomainEvent {
  return {
    type: 'ChargeDisputed',
    time: now,
    detail: {
      ...disputeDetail(record),
      chargeback: formatAmount(record.chargeback),
      liveBalance: formatAmount(liveBalance),
    },
  };
}

function closedEvent(record: DisputeRecord, liveBalance: Micros, now: Date): DomainEvent {
  return {
    type: 'DisputeClosed',
    time: now,
    detail: {
      ...disputeDetail(record),
      creditedBack: formatAmount(record.state === 'won' ? record.chargeback : ZERO),
      liveBalance: formatAmount(liveBalance),
    },
  };
}

function unblockedEvent(record: DisputeRecord, liveBalance: Micros, now: Date): DomainEvent {
  return {
    type: 'PartnerUnblocked',
    time: now,
    detail: {
      partnerId: record.partnerId,
      currency: record.currency,
      liveBalance: formatAmount(liveBalance),
      disputeId: record.disputeId,
    },
  };
}

function disputeDetail(record: DisputeRecord) {
  return {
    partnerId: record.partnerId,
    currency: record.currency,
    disputeId: record.disputeId,
    status: record.state,
    chargeKind: record.chargeKind,
    attemptId: record.attemptId,
    providerChargeId: record.providerChargeId,
    disputedAmount: formatAmount(micros(record.amountCents * MICROS_PER_CENT)),
    reason: record.reason,
  };
}
