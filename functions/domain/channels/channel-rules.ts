/**
 * Channel use cases of docs/contract.md §8: register a hosted number (valid, not of a blocked
 * region, never registered before), cancel it, and answer whether it may send. Sending
 * is decided by the partner's status, the source of truth; a channel's own status mirrors it.
 *
 * Registering a number the partner already hosts is a repeat of that registration (a
 * client's retry after a timeout) and answers the channel; a number registered before by
 * another partner, or cancelled, is refused as the contract says.
 */
import { DomainError, UnknownPartnerError } from '../errors';
import type { LedgerRepository } from '../ports';
import type { Channel, ChannelRepository } from './channel';
import { assertE164, assertHostableNumber } from './phone-number';

export class NumberAlreadyRegisteredError extends DomainError {
  readonly code = 'number-already-registered';

  constructor(readonly phoneNumber: string) {
    super(
      `${phoneNumber} was registered before and already carries a credit line; numbers are never reused or changed: register a new number`,
    );
  }
}

export class UnknownChannelError extends DomainError {
  readonly code = 'unknown-channel';

  constructor(readonly phoneNumber: string) {
    super(`${phoneNumber} is not a hosted number of this service`);
  }
}

/** The number is hosted, for another partner than the one named. */
export class ChannelOfAnotherPartnerError extends DomainError {
  readonly code = 'channel-of-another-partner';

  constructor(
    readonly phoneNumber: string,
    readonly partnerId: string,
  ) {
    super(`${phoneNumber} is not a number of partner "${partnerId}": it is hosted for another partner`);
  }
}

/** A blocked partner's channel may not send (HTTP 402). */
export class PaymentRequiredError extends DomainError {
  readonly code = 'payment-required';

  constructor(operatorName: string) {
    super(
      `Could not send message due to lack of payment. Messaging can resume once overdue invoices towards ${operatorName} are settled. Please reach out to your integration partner.`,
    );
  }
}

export interface ChannelDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly now: () => Date;
}

export interface Registration {
  /** `exists`: the partner hosts the number already; the channel as it is. */
  readonly outcome: 'registered' | 'exists';
  readonly channel: Channel;
}

export async function registerChannel(
  partnerId: string,
  phoneNumber: string,
  deps: ChannelDependencies,
): Promise<Registration> {
  assertHostableNumber(phoneNumber);
  const account = await deps.ledger.getPartner(partnerId);
  if (account === undefined) throw new UnknownPartnerError(partnerId);
  const registeredAt = deps.now();
  if ((await deps.channels.register(partnerId, phoneNumber, registeredAt)) === 'exists') {
    const existing = await deps.channels.get(phoneNumber);
    if (existing === undefined || existing.partnerId !== partnerId || existing.status === 'cancelled')
      throw new NumberAlreadyRegisteredError(phoneNumber);
    return { outcome: 'exists', channel: existing };
  }
  // A number registered for a blocked partner is stopped like its others.
  if (account.status === 'blocked') await deps.channels.setBlocked(partnerId, true);
  return {
    outcome: 'registered',
    channel: { phoneNumber, partnerId, status: account.status === 'blocked' ? 'blocked' : 'active', registeredAt },
  };
}

export async function cancelChannel(
  partnerId: string,
  phoneNumber: string,
  deps: ChannelDependencies,
): Promise<Channel> {
  assertE164(phoneNumber);
  const channel = await deps.channels.get(phoneNumber);
  if (channel === undefined) throw new UnknownChannelError(phoneNumber);
  if (channel.partnerId !== partnerId) throw new ChannelOfAnotherPartnerError(phoneNumber, partnerId);
  if (channel.status === 'cancelled') return channel;
  return deps.channels.cancel(partnerId, phoneNumber, deps.now());
}

export async function sendPermission(
  phoneNumber: string,
  operatorName: string,
  deps: ChannelDependencies,
): Promise<{ allowed: true }> {
  assertE164(phoneNumber);
  const channel = await deps.channels.get(phoneNumber);
  if (channel === undefined || channel.status === 'cancelled') throw new UnknownChannelError(phoneNumber);
  const account = await deps.ledger.getPartner(channel.partnerId);
  if (account === undefined) throw new UnknownChannelError(phoneNumber);
  if (account.status === 'blocked') throw new PaymentRequiredError(operatorName);
  return { allowed: true };
}
