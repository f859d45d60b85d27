/** Putting a partner into a standing directly, as ingestion and the daily run would, events included. */
import type { DynamoDbDailyRunRepository } from '../../functions/adapters/dynamodb/daily-run-repository';
import { blockedEvent } from '../../functions/domain/daily/daily-run';
import type { LedgerRepository } from '../../functions/domain/ports';
import { overdueEvent } from '../../functions/domain/usage/balance-follow-up';

/** Starts the 7-day clock of a partner below 0; false if it runs already or the balance is not negative. */
export async function startOverdueClock(ledger: LedgerRepository, partnerId: string, at: Date): Promise<boolean> {
  const account = await ledger.getPartner(partnerId);
  if (account === undefined) throw new Error(`partner ${partnerId} does not exist`);
  return ledger.startOverdueClock(partnerId, at, overdueEvent(account, at));
}

/** Blocks an overdue partner at `at` (channels not included); false if it is not overdue or blocked already. */
export async function block(
  ledger: LedgerRepository,
  runs: DynamoDbDailyRunRepository,
  partnerId: string,
  at: Date,
): Promise<boolean> {
  const account = await ledger.getPartner(partnerId);
  if (account?.overdueSince === undefined) return false;
  return runs.block(partnerId, account.overdueSince, at, blockedEvent(account, account.overdueSince, at));
}
