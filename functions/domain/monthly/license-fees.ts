/**
 * The monthly license fee of one partner: every licensed partner is charged its fee for a
 * month, `fee per hosted number × numbers hosted at the month's first instant + 4%`, on
 * its card, as its own invoice, at the price list of that month. The prepaid balance is
 * never touched: no ledger entry, no balance change. The monthly run (monthly-run.ts)
 * spreads the partners over pieces of work.
 *
 * Exactly one charge per partner and month: the month's record is written before the
 * provider is called, its first attempt id is deterministic and is the provider's
 * idempotency key, so a repeated run, a concurrent one or one that crashed anywhere asks
 * about the same charge. A pending attempt (no clear answer, or a crash) is resumed with
 * the same key by a repeated run or by the daily retry. A declined fee is retried by the
 * daily run (`retryDueLicenseFees` per shard, or `retryLicenseFees` for one partner), once
 * a day with the same card and at once with a new one, each retry with the next key.
 *
 * A partner whose fee fails deterministically is the outcome `failed` and the run goes
 * on with the others (docs/architecture.md, "Isolation"): a fee already recorded stays
 * due for the daily retry; one that failed before its record is billed by running the
 * month again once the cause is repaired.
 */
import type { ChannelRepository } from '../channels/channel';
import { type Day, dayOf } from '../daily/daily-run-ports';
import { formatAmount, toCents } from '../money';
import type { Month } from '../month';
import { type PartnerFailure, awaitAll, isolate } from '../partner-failure';
import type { Clock, LedgerRepository } from '../ports';
import { AUTHENTICATION_REQUIRED, REQUEST_REFUSED, chargeableCard, declineKind } from '../recharge/decline-policy';

/** Noted on a month's fee recorded while no card of the partner may be charged. */
const NO_CHARGEABLE_CARD = 'no_chargeable_card';
/** Noted on a declined fee taken off the retry list because the account was closed. */
const CLOSED_ACCOUNT = 'partner_closed';
import type { CardRole, ChargeResult, PaymentProvider } from '../recharge/payment-provider';
import {
  type LicenseFee,
  type LicenseFeeSchedule,
  billableNumbers,
  feesFor,
  firstAttempt,
  isRetryDue,
  licenseCharge,
  licenseDescription,
  nextAttempt,
} from './license-fee';
import type { LicenseFeeRepository, LicenseSettleResult } from './license-ports';

export interface LicenseFeeDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly licenses: LicenseFeeRepository;
  readonly provider: PaymentProvider;
  readonly clock: Clock;
}

/** What charging a month's fee needs besides: the price lists. */
export interface LicenseChargeDependencies extends LicenseFeeDependencies {
  readonly fees: LicenseFeeSchedule;
}

export type LicenseFeeOutcome =
  | 'unknown-partner'
  /** No hosted number at the run's time: nothing is charged or recorded. */
  | 'nothing-due'
  | 'succeeded'
  | 'declined'
  /** The provider gave no clear answer; the attempt stays pending and is resumed with the same key. */
  | 'unknown'
  /** The month's fee was charged before: nothing more. */
  | 'already-charged'
  /** The month's fee was declined before; the monthly run leaves it to the daily retry. */
  | 'declined-earlier'
  /** Declined today already with this card: the next retry is tomorrow's, or a new card's. */
  | 'retried-today'
  /**
   * The decline policy lets no card of the partner be charged (hard declines, soft ones used
   * up): the fee is recorded declined without a call, and a new card is charged at once.
   */
  | 'no-chargeable-card'
  /**
   * The account is closed (docs/contract.md §13): no fee is opened or retried, and a
   * declined one is taken off the daily retry's list, noted on its record.
   */
  | 'partner-closed'
  /** Failed deterministically: skipped by this run, with the failure to report. */
  | 'failed';

export type LicenseFeeResult =
  | {
      readonly partnerId: string;
      readonly period: Month;
      readonly outcome: Exclude<LicenseFeeOutcome, 'failed'>;
      readonly fee?: LicenseFee;
    }
  | {
      readonly partnerId: string;
      readonly period: Month;
      readonly outcome: 'failed';
      readonly failure: PartnerFailure;
    };

/** Due fees retried at once within a shard: enough to hide the provider's latency. */
export const LICENSED_PER_PAGE = 25;

/** A month's fee: the month, and the moment its hosted numbers are counted at (its first instant). */
export interface LicenseMonth {
  readonly period: Month;
  readonly at: Date;
}

/** The month's fee of one partner: charged once, whatever happens around it. */
export async function chargeLicenseFee(
  partnerId: string,
  month: LicenseMonth,
  deps: LicenseChargeDependencies,
): Promise<LicenseFeeResult> {
  const { period } = month;
  let fee = await deps.licenses.get(partnerId, period);
  if (fee === undefined) {
    const account = await deps.ledger.getPartner(partnerId);
    if (account === undefined) return { partnerId, period, outcome: 'unknown-partner' };
    if (account.status === 'closed') return { partnerId, period, outcome: 'partner-closed' };
    const numbers = billableNumbers(await deps.channels.listForPartner(partnerId), month.at);
    if (numbers === 0) return { partnerId, period, outcome: 'nothing-due' };
    const now = deps.clock.now();
    const card = chargeableCard(account);
    const charge = licenseCharge(feesFor(deps.fees, period)[account.currency], numbers);
    const opened = firstAttempt(
      { ...account, paymentMethod: card?.paymentMethod ?? account.paymentMethod },
      period,
      charge,
      now,
      dayOf(now),
    );
    if ((await deps.licenses.open(opened)) === 'opened') {
      return card === undefined ? declineWithoutCard(opened, deps) : attemptCharge(opened, deps);
    }
    // A concurrent run recorded the month first: go on with its record.
    fee = await deps.licenses.get(partnerId, period);
    if (fee === undefined) throw new Error(`license fee ${period} of partner ${partnerId} exists and cannot be read`);
  }
  if (fee.state === 'succeeded') return { partnerId, period, outcome: 'already-charged', fee };
  if (fee.state === 'declined') return { partnerId, period, outcome: 'declined-earlier', fee };
  return attemptCharge(fee, deps);
}

/**
 * The daily retry of one partner's license fees not charged yet, every month of them in
 * turn (`inTurn`): a pending attempt is resumed with its key (on a closed account too: it may have charged
 * the card already, and only the provider can tell); a declined one is tried again once a
 * day with the same card, at once with a new one, unless the account is closed.
 */
export async function retryLicenseFees(
  partnerId: string,
  day: Day,
  deps: LicenseFeeDependencies,
): Promise<readonly LicenseFeeResult[]> {
  return inTurn(await deps.licenses.duePeriods(partnerId), (period) => retryLicenseFee(partnerId, period, day, deps));
}

/** The daily run's step for one shard: every fee due of the shard's partners. */
export async function retryDueLicenseFees(
  shard: number,
  day: Day,
  deps: LicenseFeeDependencies,
  pageSize = LICENSED_PER_PAGE,
): Promise<readonly LicenseFeeResult[]> {
  const results: LicenseFeeResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.licenses.duePage(shard, cursor, pageSize);
    const periodsOf = new Map<string, Month[]>();
    for (const { partnerId, period } of page.due)
      periodsOf.set(partnerId, [...(periodsOf.get(partnerId) ?? []), period]);
    // Partners in parallel, each partner's months in turn.
    const retries = [...periodsOf].map(([partnerId, periods]) =>
      inTurn(periods, (period) =>
        isolated(partnerId, period, 'license-fee-retry', () => retryLicenseFee(partnerId, period, day, deps)),
      ),
    );
    results.push(...(await awaitAll(retries)).flat());
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return results;
}

async function retryLicenseFee(
  partnerId: string,
  period: Month,
  day: Day,
  deps: LicenseFeeDependencies,
): Promise<LicenseFeeResult> {
  const fee = await deps.licenses.get(partnerId, period);
  if (fee === undefined) throw new Error(`license fee ${period} of partner ${partnerId} is due but has no record`);
  if (fee.state === 'succeeded') return { partnerId, period, outcome: 'already-charged', fee };
  if (fee.state === 'pending') return attemptCharge(fee, deps);

  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) return { partnerId, period, outcome: 'unknown-partner', fee };
  if (account.status === 'closed') {
    await deps.licenses.dropDue(fee, deps.clock.now(), CLOSED_ACCOUNT);
    return { partnerId, period, outcome: 'partner-closed', fee };
  }
  const card = chargeableCard(account);
  if (card === undefined) return { partnerId, period, outcome: 'no-chargeable-card', fee };
  if (!isRetryDue(fee, card.paymentMethod, day)) return { partnerId, period, outcome: 'retried-today', fee };
  const next = nextAttempt(
    fee,
    {
      paymentMethod: card.paymentMethod,
      ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    },
    day,
    deps.clock.now(),
  );
  if (!(await deps.licenses.openRetry(next, fee.attemptId))) {
    // Another retry opened the next attempt first; it settles it.
    const current = (await deps.licenses.get(partnerId, period)) ?? fee;
    return {
      partnerId,
      period,
      outcome: current.state === 'succeeded' ? 'already-charged' : 'retried-today',
      fee: current,
    };
  }
  return attemptCharge(next, deps);
}

/** The month's first attempt when no card may be charged: declined at once, without calling the provider. */
async function declineWithoutCard(fee: LicenseFee, deps: LicenseFeeDependencies): Promise<LicenseFeeResult> {
  const now = deps.clock.now();
  const settled = await deps.licenses.settleDeclined(fee, NO_CHARGEABLE_CARD, now, {
    type: 'RechargeFailed',
    time: now,
    detail: { ...feeDetail(fee), declineCode: NO_CHARGEABLE_CARD, declineKind: 'hard' },
  });
  return { ...outcomeOf(settled), outcome: 'no-chargeable-card' };
}

/** Calls the provider for the attempt (first call or resume: same key) and settles it by the answer. */
async function attemptCharge(fee: LicenseFee, deps: LicenseFeeDependencies): Promise<LicenseFeeResult> {
  const { partnerId, period, charge } = fee;
  const result = await deps.provider.charge({
    partnerId,
    ...(fee.paymentCustomerId !== undefined && { customerId: fee.paymentCustomerId }),
    paymentMethod: fee.paymentMethod,
    amountCents: toCents(charge.total),
    currency: fee.currency,
    idempotencyKey: fee.attemptId,
    firstTriedAt: fee.openedAt,
    description: `${licenseDescription(fee)} + card fee ${formatAmount(charge.cardFee)}`,
  });
  const now = deps.clock.now();
  const detail = feeDetail(fee);

  if (result.outcome === 'unknown') {
    await deps.licenses.noteUnknownOutcome(fee, result.reason, now);
    return { partnerId, period, outcome: 'unknown', fee: { ...fee, lastError: result.reason } };
  }
  if (result.outcome !== 'succeeded') {
    const declineCode = await declineCodeOf(fee, result, deps);
    if (declineCode === undefined) return { partnerId, period, outcome: 'unknown', fee };
    const kind = declineKind(declineCode);
    const settled = await deps.licenses.settleDeclined(
      fee,
      declineCode,
      now,
      { type: 'RechargeFailed', time: now, detail: { ...detail, declineCode, declineKind: kind } },
      kind === 'hard' ? await roleOfCard(fee, deps) : undefined,
    );
    return outcomeOf(settled);
  }
  const settled = await deps.licenses.settleSucceeded(fee, result.providerChargeId, now, (invoiceId) => ({
    type: 'RechargeSucceeded',
    time: now,
    detail: { ...detail, invoiceId },
  }));
  return outcomeOf(settled);
}

/**
 * What a license fee that was not paid counts as. A fee is charged without the partner at
 * hand, so a bank asking for authentication is a decline here: the waiting charge is
 * canceled (it can then never be paid as well as a later retry) and the daily retry or a
 * new card takes over. A request the provider refused is a decline too: it is retried
 * with the next attempt's key. `undefined` while the cancellation has no clear answer.
 */
async function declineCodeOf(
  fee: LicenseFee,
  result: Exclude<ChargeResult, { outcome: 'succeeded' | 'unknown' }>,
  deps: LicenseFeeDependencies,
): Promise<string | undefined> {
  if (result.outcome === 'declined') return result.declineCode;
  if (result.outcome === 'failed') return REQUEST_REFUSED;
  const canceled = await deps.provider.cancelCharge({
    partnerId: fee.partnerId,
    providerChargeId: result.providerChargeId,
    idempotencyKey: fee.attemptId,
  });
  return canceled.outcome === 'canceled' || canceled.outcome === 'declined' ? AUTHENTICATION_REQUIRED : undefined;
}

/** The role the fee's card holds on the account now, if it still holds one. */
async function roleOfCard(fee: LicenseFee, deps: LicenseFeeDependencies): Promise<CardRole | undefined> {
  const account = await deps.ledger.getPartner(fee.partnerId);
  if (account?.paymentMethod === fee.paymentMethod) return 'primary';
  if (account?.backupPaymentMethod === fee.paymentMethod) return 'backup';
  return undefined;
}

function feeDetail(fee: LicenseFee) {
  const { charge } = fee;
  return {
    partnerId: fee.partnerId,
    purpose: 'license-fee',
    period: fee.period,
    attemptId: fee.attemptId,
    currency: fee.currency,
    numbers: charge.numbers,
    feePerNumber: formatAmount(charge.feePerNumber),
    licenseFees: formatAmount(charge.fees),
    fee: formatAmount(charge.cardFee),
    total: formatAmount(charge.total),
  };
}

function outcomeOf(settled: LicenseSettleResult): LicenseFeeResult {
  const { fee } = settled;
  return {
    partnerId: fee.partnerId,
    period: fee.period,
    outcome: fee.state === 'pending' ? 'unknown' : fee.state,
    fee,
  };
}

/**
 * A partner's due fees one after another, oldest first, up to one still open (no clear
 * answer, or failed): two months charged at once on the same card would send the later
 * charge before the earlier one's decline is known, and a hard decline must stop every
 * later charge on that card. The months after an open one wait for the next daily run.
 */
async function inTurn(
  periods: readonly Month[],
  retry: (period: Month) => Promise<LicenseFeeResult>,
): Promise<LicenseFeeResult[]> {
  const results: LicenseFeeResult[] = [];
  for (const period of [...periods].sort()) {
    const result = await retry(period);
    results.push(result);
    if (result.outcome === 'unknown' || result.outcome === 'failed') break;
  }
  return results;
}

/** One partner's fee of a month; a deterministic failure is its outcome, any other is thrown. */
export async function isolated(
  partnerId: string,
  period: Month,
  step: string,
  work: () => Promise<LicenseFeeResult>,
): Promise<LicenseFeeResult> {
  const outcome = await isolate(partnerId, step, work);
  return outcome.ok ? outcome.value : { partnerId, period, outcome: 'failed', failure: outcome.failure };
}

export function countOutcomes(results: readonly LicenseFeeResult[]): Record<LicenseFeeOutcome, number> {
  const counts: Record<LicenseFeeOutcome, number> = {
    'unknown-partner': 0,
    'nothing-due': 0,
    succeeded: 0,
    declined: 0,
    unknown: 0,
    'already-charged': 0,
    'declined-earlier': 0,
    'retried-today': 0,
    'no-chargeable-card': 0,
    'partner-closed': 0,
    failed: 0,
  };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}
