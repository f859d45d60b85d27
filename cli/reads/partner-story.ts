/**
 * What the table holds about one partner, in one read for the `partner` command: the
 * account with its balances and cards, the charge in flight, the latest charges, ledger
 * entries, invoices, published balances and events, and its numbers. The reads are the
 * production repositories' (the API's), so the operator sees what the system sees.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelRepository } from '../../functions/adapters/dynamodb/channel-repository';
import { DynamoDbDailyRunRepository } from '../../functions/adapters/dynamodb/daily-run-repository';
import { itemToAttempt } from '../../functions/adapters/dynamodb/items';
import { ATTEMPT_PREFIX, partnerKey } from '../../functions/adapters/dynamodb/keys';
import { DynamoDbLedgerRepository } from '../../functions/adapters/dynamodb/ledger-repository';
import { itemToOutboxEvent, outboxPartition } from '../../functions/adapters/dynamodb/outbox';
import { partitionPage } from '../../functions/adapters/dynamodb/page-query';
import { DynamoDbRechargeRepository } from '../../functions/adapters/dynamodb/recharge-repository';
import type { Channel } from '../../functions/domain/channels/channel';
import type { Snapshot } from '../../functions/domain/daily/daily-run-ports';
import type { DomainEvent } from '../../functions/domain/events';
import type { LedgerEntry } from '../../functions/domain/ledger';
import type { PartnerAccount } from '../../functions/domain/partner';
import type { ChargeAttempt, Invoice } from '../../functions/domain/recharge/charge-attempt';

/** How far back the story goes in each list: a screen's worth, newest first. */
export const STORY_LENGTHS = { charges: 10, entries: 10, invoices: 5, days: 14, events: 20 } as const;

export interface PartnerStory {
  readonly account: PartnerAccount;
  /** The attempt the account's `chargeInFlight` names. */
  readonly inFlight?: ChargeAttempt;
  readonly charges: readonly ChargeAttempt[];
  readonly entries: readonly LedgerEntry[];
  readonly invoices: readonly Invoice[];
  /** Balances the daily runs published, one per day. */
  readonly snapshots: readonly Snapshot[];
  /** Events still in the outbox (kept 7 days). */
  readonly events: readonly DomainEvent[];
  readonly channels: readonly Channel[];
}

/** The partner's story, or undefined when there is no such partner. */
export async function readPartnerStory(
  client: DynamoDBDocumentClient,
  tableName: string,
  partnerId: string,
): Promise<PartnerStory | undefined> {
  const ledger = new DynamoDbLedgerRepository(client, tableName);
  const charges = new DynamoDbRechargeRepository(client, tableName);
  const account = await ledger.getPartner(partnerId);
  if (account === undefined) return undefined;
  const [inFlight, attempts, entries, invoices, history, events, channels] = await Promise.all([
    account.chargeInFlight === undefined ? undefined : charges.getAttempt(partnerId, account.chargeInFlight),
    latestAttempts(client, tableName, partnerId),
    ledger.ledgerPage(partnerId, { limit: STORY_LENGTHS.entries }),
    charges.invoicesPage(partnerId, { limit: STORY_LENGTHS.invoices }),
    new DynamoDbDailyRunRepository(client, tableName).historyPage(partnerId, { limit: STORY_LENGTHS.days }),
    partitionPage(client, tableName, outboxPartition(partnerId), { limit: STORY_LENGTHS.events }, itemToOutboxEvent),
    new DynamoDbChannelRepository(client, tableName).listForPartner(partnerId),
  ]);
  return {
    account,
    ...(inFlight !== undefined && { inFlight }),
    charges: attempts,
    entries: entries.entries,
    invoices: invoices.invoices,
    snapshots: history.snapshots,
    events: events.items.flatMap((event) => event ?? []),
    channels,
  };
}

/** The partner's latest charge attempts, declined ones included: attempt ids sort by the time they were opened. */
async function latestAttempts(
  client: DynamoDBDocumentClient,
  tableName: string,
  partnerId: string,
): Promise<ChargeAttempt[]> {
  const { Items: items = [] } = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': partnerKey(partnerId).pk, ':prefix': ATTEMPT_PREFIX },
      ScanIndexForward: false,
      Limit: STORY_LENGTHS.charges,
    }),
  );
  return items.map(itemToAttempt);
}
