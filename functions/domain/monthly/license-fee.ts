/**
 * The monthly license fee, the pure part. On the 1st of each month (UTC) every partner
 * pays a fee per hosted number, configured per currency, charged to its card with the 4%
 * card fee on top, as its own invoice. It never touches the prepaid balance.
 *
 * One record per partner and month holds the charge (decided once, at the first attempt)
 * and its current attempt. Attempt ids are deterministic (`lic-{period}-{partnerId}-{n}`)
 * and are the provider's idempotency key: the first attempt of a month is always n = 1,
 * so a repeated or crashed run asks the provider about the same charge, never a new one;
 * only a recorded decline moves on to n + 1.
 */
import type { Channel } from '../channels/channel';
import type { Day } from '../daily/daily-run-ports';
import {
  CARD_FEE_DESCRIPTION,
  CURRENCIES,
  type Currency,
  type Micros,
  cardFee,
  formatAmount,
  isWholeCents,
  micros,
  parseAmount,
  parseCurrency,
} from '../money';
import { type Month, monthName, parseMonth } from '../month';
import type { Invoice } from '../recharge/charge-attempt';
import { afterDecline, isChargeable } from '../recharge/decline-policy';

/** The fee per hosted number in each contract currency; whole cents. */
export type LicenseFees = Readonly<Record<Currency, Micros>>;

/** A price list and the first month it applies to; it applies until the next one's month. */
export interface PriceList {
  /** Unset: from any month on, until the next price list. */
  readonly from?: Month;
  readonly fees: LicenseFees;
}

/** The price lists of the license fee, oldest first: each month is charged at the one in force then. */
export interface LicenseFeeSchedule {
  readonly priceLists: readonly PriceList[];
}

/**
 * The configuration of the schedule: one price list for every month, `{ EUR: '25.00', USD:
 * '27.00' }`, or price lists by the month they apply from, `{ '2026-01': { EUR: '25.00',
 * USD: '27.00' }, '2027-01': { EUR: '27.00', USD: '29.00' } }`.
 */
export type LicenseFeeSetting =
  | Readonly<Record<string, string>>
  | Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Reads the schedule from its configuration; every price list needs a fee for every currency. */
export function parseLicenseFeeSchedule(config: LicenseFeeSetting): LicenseFeeSchedule {
  const entries = Object.entries(config);
  if (entries.every((entry): entry is [string, string] => typeof entry[1] === 'string'))
    return { priceLists: [{ fees: parseFees(Object.fromEntries(entries)) }] };
  const priceLists = entries.map(([from, fees]): PriceList => {
    if (typeof fees === 'string')
      throw new Error(
        `the license fee schedule mixes fees with price lists by month ("${from}"); use one form or the other`,
      );
    return { from: parseMonth(from), fees: parseFees(fees) };
  });
  return { priceLists: priceLists.sort((a, b) => (a.from ?? '').localeCompare(b.from ?? '')) };
}

/** The price list in force in `month`: the latest one that applies from it or before. */
export function feesFor(schedule: LicenseFeeSchedule, month: Month): LicenseFees {
  const inForce = schedule.priceLists.filter((list) => list.from === undefined || list.from <= month).at(-1);
  if (inForce === undefined)
    throw new Error(
      `the license fee schedule has no price list for ${month}: the first applies from ${schedule.priceLists[0]?.from ?? 'no month'}`,
    );
  return inForce.fees;
}

function parseFees(config: Readonly<Record<string, string>>): LicenseFees {
  for (const code of Object.keys(config)) parseCurrency(code);
  const entries = CURRENCIES.map((currency) => {
    const text = config[currency];
    if (text === undefined)
      throw new Error(
        `the license fee schedule has no fee for ${currency}; it needs one per currency (${CURRENCIES.join(', ')})`,
      );
    const fee = parseAmount(text);
    if (fee <= 0 || !isWholeCents(fee))
      throw new Error(`the license fee for ${currency} must be a positive whole number of cents, got "${text}"`);
    return [currency, fee] as const;
  });
  return Object.fromEntries(entries) as Record<Currency, Micros>;
}

/**
 * Numbers hosted at `at`: registered by then and not cancelled by then. A blocked
 * partner's numbers are still hosted, so they are billed; cancelled ones are not.
 */
export function billableNumbers(channels: readonly Channel[], at: Date): number {
  return channels.filter(
    (channel) =>
      channel.registeredAt.getTime() <= at.getTime() &&
      (channel.status !== 'cancelled' ||
        (channel.cancelledAt !== undefined && channel.cancelledAt.getTime() > at.getTime())),
  ).length;
}

export interface LicenseCharge {
  readonly numbers: number;
  readonly feePerNumber: Micros;
  /** `feePerNumber × numbers`. */
  readonly fees: Micros;
  /** 4% of the fees, rounded half up to the cent. */
  readonly cardFee: Micros;
  /** What the card is charged: fees + card fee, whole cents. */
  readonly total: Micros;
}

export function licenseCharge(feePerNumber: Micros, numbers: number): LicenseCharge {
  if (!Number.isSafeInteger(numbers) || numbers <= 0)
    throw new RangeError(`a license fee is charged for a positive number of numbers, got ${numbers}`);
  if (feePerNumber <= 0 || !isWholeCents(feePerNumber))
    throw new RangeError('a license fee is a positive whole number of cents');
  const fees = micros(feePerNumber * numbers);
  const fee = cardFee(fees);
  return { numbers, feePerNumber, fees, cardFee: fee, total: micros(fees + fee) };
}

export function licenseAttemptId(partnerId: string, period: Month, attemptNumber: number): string {
  return `lic-${period}-${partnerId}-${attemptNumber}`;
}

/** Whether a provider charge's attempt id names a license fee (recharge attempts start `att-`). */
export function isLicenseAttemptId(attemptId: string): boolean {
  return attemptId.startsWith('lic-');
}

export type LicenseFeeState = 'pending' | 'succeeded' | 'declined';

export interface LicenseFee {
  readonly partnerId: string;
  readonly period: Month;
  readonly currency: Currency;
  /** Decided at the first attempt; retries charge the same amount. */
  readonly charge: LicenseCharge;
  /** 1 for the monthly run's charge; each retry after a decline is the next number. */
  readonly attemptNumber: number;
  /** `licenseAttemptId(partnerId, period, attemptNumber)`: the provider's idempotency key. */
  readonly attemptId: string;
  /** The card of the current attempt: a resumed attempt charges the card it started with. */
  readonly paymentMethod: string;
  readonly paymentCustomerId?: string;
  readonly state: LicenseFeeState;
  /** When the month's record was made (the first attempt). */
  readonly createdAt: Date;
  /** The UTC day the current attempt was opened: a decline is retried with the same card at most once a day. */
  readonly attemptedOn: Day;
  /** When the current attempt was opened: past 24 hours the provider may have forgotten its key. */
  readonly openedAt: Date;
  /** Declines of this attempt's card by earlier attempts of the month (docs/contract.md §13). */
  readonly priorDeclinesOnCard: number;
  readonly settledAt?: Date;
  readonly providerChargeId?: string;
  readonly declineCode?: string;
  readonly invoiceId?: string;
  /** Why the last provider call had no clear answer; the attempt stays pending. */
  readonly lastError?: string;
}

export function firstAttempt(
  account: { partnerId: string; currency: Currency; paymentMethod: string; paymentCustomerId?: string },
  period: Month,
  charge: LicenseCharge,
  now: Date,
  day: Day,
): LicenseFee {
  return {
    partnerId: account.partnerId,
    period,
    currency: account.currency,
    charge,
    attemptNumber: 1,
    attemptId: licenseAttemptId(account.partnerId, period, 1),
    paymentMethod: account.paymentMethod,
    ...(account.paymentCustomerId !== undefined && { paymentCustomerId: account.paymentCustomerId }),
    state: 'pending',
    createdAt: now,
    attemptedOn: day,
    openedAt: now,
    priorDeclinesOnCard: 0,
  };
}

/** The attempt after a decline: same charge, the partner's current card, the next idempotency key. */
export function nextAttempt(
  declined: LicenseFee,
  card: { paymentMethod: string; paymentCustomerId?: string },
  day: Day,
  now: Date,
): LicenseFee {
  const attemptNumber = declined.attemptNumber + 1;
  const sameCard = card.paymentMethod === declined.paymentMethod;
  return {
    partnerId: declined.partnerId,
    period: declined.period,
    currency: declined.currency,
    charge: declined.charge,
    attemptNumber,
    attemptId: licenseAttemptId(declined.partnerId, declined.period, attemptNumber),
    paymentMethod: card.paymentMethod,
    ...(card.paymentCustomerId !== undefined && { paymentCustomerId: card.paymentCustomerId }),
    state: 'pending',
    createdAt: declined.createdAt,
    attemptedOn: day,
    openedAt: now,
    priorDeclinesOnCard: sameCard ? declined.priorDeclinesOnCard + 1 : 0,
  };
}

/**
 * A declined fee is tried again at once with a new card; with the same card once a day,
 * as the decline policy allows (docs/contract.md §13: never after a hard decline, at most
 * 8 soft declines per card).
 */
export function isRetryDue(fee: LicenseFee, currentPaymentMethod: string, day: Day): boolean {
  if (fee.state !== 'declined') return false;
  if (fee.paymentMethod !== currentPaymentMethod) return true;
  const declines = afterDecline({ soft: fee.priorDeclinesOnCard }, fee.declineCode ?? 'card_declined');
  return fee.attemptedOn < day && isChargeable(declines);
}

export function licenseDescription(fee: LicenseFee): string {
  const { numbers, feePerNumber } = fee.charge;
  return `License fee ${monthName(fee.period)}: ${numbers} hosted number${numbers === 1 ? '' : 's'} × ${formatAmount(feePerNumber)} ${fee.currency}`;
}

export function licenseInvoice(fee: LicenseFee, providerChargeId: string, issuedAt: Date): Invoice {
  return {
    partnerId: fee.partnerId,
    invoiceId: `inv-${fee.attemptId}`,
    attemptId: fee.attemptId,
    issuedAt,
    currency: fee.currency,
    lines: [
      { kind: 'license-fee', description: licenseDescription(fee), amount: fee.charge.fees },
      { kind: 'card-fee', description: CARD_FEE_DESCRIPTION, amount: fee.charge.cardFee },
    ],
    total: fee.charge.total,
    providerChargeId,
  };
}
