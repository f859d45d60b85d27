/**
 * Usage debited as ingestion debits it: one event through the usage ledger, so its ledger
 * entry and its month's figures are written together, as in production. Usage is never
 * posted any other way (`post` refuses it).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbUsageLedger } from '../../functions/adapters/dynamodb/usage-ledger';
import { UnknownPartnerError } from '../../functions/domain/errors';
import { type Currency, parseAmount } from '../../functions/domain/money';
import type { UsageCategory } from '../../functions/domain/usage/usage-event';

export interface UsageDebit {
  readonly partnerId: string;
  readonly amount: string;
  /** Names the debit: a repeat with the same key is a duplicate, as a redelivered event is. */
  readonly key: string;
  readonly at: Date;
  readonly currency?: Currency;
  readonly category?: UsageCategory;
  readonly channelId?: string;
}

export const DEFAULT_USAGE_CHANNEL = '+4915100000001';

/** Debits the usage; throws when the ledger refuses it (an unknown partner, the balance limit). */
export async function debitUsage(client: DynamoDBDocumentClient, tableName: string, debit: UsageDebit): Promise<void> {
  const [result] = await new DynamoDbUsageLedger(client, tableName).debit([
    {
      partnerId: debit.partnerId,
      currency: debit.currency ?? 'EUR',
      postedAt: debit.at,
      events: [
        {
          // Event ids are global: the partner's id keeps two partners' keys apart.
          eventId: `${debit.partnerId}/${debit.key}`,
          partnerId: debit.partnerId,
          channelId: debit.channelId ?? DEFAULT_USAGE_CHANNEL,
          conversationId: `c-${debit.key}`,
          category: debit.category ?? 'marketing',
          occurredAt: debit.at,
          cost: parseAmount(debit.amount),
          currency: debit.currency ?? 'EUR',
        },
      ],
    },
  ]);
  for (const fate of result?.fates.values() ?? []) {
    if (fate.kind !== 'rejected') continue;
    if (fate.rejection.reason === 'unknown-partner') throw new UnknownPartnerError(debit.partnerId);
    throw new Error(`usage of ${debit.partnerId} was refused: ${fate.rejection.detail}`);
  }
}
