/**
 * A credit that brought a blocked partner back to active gives its numbers back, as every
 * credit does. Checked again on a repeat: a crash between the credit and the channels
 * must not leave them blocked.
 */
import type { MoneyBackDependencies } from './money-back-dependencies';

export async function restoreChannelsIfActive(
  partnerId: string,
  deps: Pick<MoneyBackDependencies, 'ledger' | 'channels'>,
): Promise<void> {
  const account = await deps.ledger.getPartner(partnerId);
  if (account?.status === 'active') await deps.channels.setBlocked(partnerId, false);
}
