/**
 * When a declined card may be charged again (docs/contract.md §13): never after a hard
 * decline (the issuer says the card will not work: lost, stolen, closed, fraud), and after
 * soft declines once a day, at most `MAX_SOFT_DECLINES_PER_CARD` times. Card schemes
 * charge merchants that keep retrying such cards, and issuers start refusing them outright.
 * Counts belong to the card in a role: a new card in that role starts again from zero.
 */
import type { CardRole } from './payment-provider';

export const MAX_SOFT_DECLINES_PER_CARD = 8;

/** Noted as the decline of a request the provider refused (not the card): no card count, no same-day retry. */
export const REQUEST_REFUSED = 'request_refused';
/** A bank asked for the cardholder where no cardholder is at hand (a license fee). */
export const AUTHENTICATION_REQUIRED = 'authentication_required';

/** Stripe's decline codes for which the issuer asks not to try the card again. */
const HARD_DECLINE_CODES: ReadonlySet<string> = new Set([
  'card_not_supported',
  'currency_not_supported',
  'do_not_try_again',
  'expired_card',
  'fraudulent',
  'incorrect_number',
  'invalid_account',
  'invalid_number',
  'lost_card',
  'merchant_blacklist',
  'new_account_information_available',
  'pickup_card',
  'restricted_card',
  'revocation_of_all_authorizations',
  'revocation_of_authorization',
  'security_violation',
  'stolen_card',
  'stop_payment_order',
  'transaction_not_allowed',
]);

export type DeclineKind = 'hard' | 'soft';

/** Every code not known as hard is soft: an unknown code is retried, but at most the soft limit. */
export function declineKind(declineCode: string): DeclineKind {
  return HARD_DECLINE_CODES.has(declineCode) ? 'hard' : 'soft';
}

/** The declines of the card now in one role, since it took that role. */
export interface CardDeclines {
  readonly soft: number;
  /** The hard decline code, once the card had one: it is never charged again. */
  readonly hard?: string;
}

export const NO_DECLINES: CardDeclines = { soft: 0 };

/** The card's standing after one more decline with this code. */
export function afterDecline(before: CardDeclines, declineCode: string): CardDeclines {
  return declineKind(declineCode) === 'hard' ? { ...before, hard: declineCode } : { ...before, soft: before.soft + 1 };
}

export function isChargeable(declines: CardDeclines): boolean {
  return declines.hard === undefined && declines.soft < MAX_SOFT_DECLINES_PER_CARD;
}

/** Soft retries the card has left (0 after a hard decline). */
export function retriesLeft(declines: CardDeclines): number {
  return declines.hard !== undefined ? 0 : Math.max(0, MAX_SOFT_DECLINES_PER_CARD - declines.soft);
}

export interface PartnerCards {
  readonly paymentMethod: string;
  readonly backupPaymentMethod?: string;
  readonly paymentCustomerId?: string;
  readonly cardDeclines: Readonly<Record<CardRole, CardDeclines>>;
}

export interface ChosenCard {
  readonly role: CardRole;
  readonly paymentMethod: string;
}

/** The card a new charge goes to: the primary while it may be charged, else a distinct backup that may. */
export function chargeableCard(cards: PartnerCards): ChosenCard | undefined {
  if (isChargeable(cards.cardDeclines.primary)) return { role: 'primary', paymentMethod: cards.paymentMethod };
  return backupAfter(cards, 'primary');
}

/** The backup to try after a decline of the card in `role`, if there is one that may be charged. */
export function backupAfter(cards: PartnerCards, role: CardRole): ChosenCard | undefined {
  const backup = cards.backupPaymentMethod;
  if (role !== 'primary' || backup === undefined || backup === cards.paymentMethod) return undefined;
  return isChargeable(cards.cardDeclines.backup) ? { role: 'backup', paymentMethod: backup } : undefined;
}
