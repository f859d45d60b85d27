/**
 * The ledger on DynamoDB: every posting changes the partner's live balance and writes
 * its ledger entry and its idempotency guard in one transaction, so a balance always
 * equals the sum of its entries and a posting repeated by a retry changes nothing.
 */
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { updateIf, updateIfTogether } from './conditional-update';
import {
  CurrencyMismatchError,
  PartnerExistsError,
  PostingConflictError,
  UnknownPartnerError,
} from '../../domain/errors';
import { type LedgerEntry, type LedgerPage, type Posting, type PostingResult, entryIdOf } from '../../domain/ledger';
import type { PartnerAccount } from '../../domain/partner';
import type { RechargeSettings } from '../../domain/recharge-rules';
import { NO_DECLINES } from '../../domain/recharge/decline-policy';
import type {
  CardChange,
  CreatePartnerOutcome,
  CreditEvents,
  CreditResult,
  LedgerRepository,
  NewPartner,
  PageRequest,
} from '../../domain/ports';
import type { DomainEvent } from '../../domain/events';
import { MAX_BALANCE, add } from '../../domain/money';
import { creditWithStanding, planStanding } from './credit-writes';
import { type Item, cardAttributes, itemToEntry, itemToPartner, partnerToItem } from './items';
import { attentionShard, ledgerPartition, partnerKey } from './keys';
import { batchGetItems } from './batch-get';
import { figureItem, movementAdds } from './month-figure-attributes';
import { outboxPuts, putOutboxEvent } from './outbox';
import { partitionPage } from './page-query';
import { balanceLimitError, isBalanceLimit, moveBalance, putLedgerEntry, putPostingGuard } from './posting-writes';
import { type CancellationReason, cancellationReasons, isConditionFailure, retryOnContention } from './transactions';

/** Rounds of read-decide-write when concurrent postings keep changing the balance under a credit. */
const CREDIT_ROUNDS = 10;

export class DynamoDbLedgerRepository implements LedgerRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createPartner(partner: NewPartner): Promise<{ outcome: CreatePartnerOutcome; account: PartnerAccount }> {
    const { account: details, openingBalance } = partner;
    // The opening entry is the account's first posting.
    const account: PartnerAccount = {
      ...details,
      cardDeclines: { primary: NO_DECLINES, backup: NO_DECLINES },
      status: 'active',
      liveBalance: openingBalance,
      version: 1,
    };
    const opening = toEntry({
      partnerId: details.partnerId,
      currency: details.currency,
      kind: 'opening',
      idempotencyKey: details.partnerId,
      amount: openingBalance,
      postedAt: details.createdAt,
      memo: 'remainder of the previous usage invoice',
    });
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  // The opening is the first posting of the account's first month.
                  Item: { ...partnerToItem(account), ...figureItem(movementAdds(opening)) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              putLedgerEntry(this.tableName, opening),
              putPostingGuard(this.tableName, opening),
            ],
          }),
        ),
      );
      return { outcome: 'created', account };
    } catch (error) {
      const existing = cancellationReasons(error)?.[0]?.item;
      if (existing === undefined) throw error;
      const stored = itemToPartner(existing);
      // A retried create is answered with the account it made; other details are a conflict.
      if (stored.currency !== details.currency) throw new PartnerExistsError(details.partnerId);
      return { outcome: 'exists', account: stored };
    }
  }

  async getPartner(partnerId: string): Promise<PartnerAccount | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: partnerKey(partnerId), ConsistentRead: true }),
    );
    return item === undefined ? undefined : itemToPartner(item);
  }

  async getPartners(partnerIds: readonly string[]): Promise<PartnerAccount[]> {
    const keys = [...new Set(partnerIds)].map(partnerKey);
    return (await batchGetItems(this.client, this.tableName, keys, { consistentRead: true })).map(itemToPartner);
  }

  async post(posting: Posting): Promise<PostingResult> {
    const entry = toEntry(posting);
    try {
      await retryOnContention(() =>
        this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              moveBalance(this.tableName, entry),
              putPostingGuard(this.tableName, entry),
              putLedgerEntry(this.tableName, entry),
            ],
          }),
        ),
      );
      return { outcome: 'posted', entry };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      return { outcome: 'duplicate', entry: explainRefusedPosting(entry, reasons) };
    }
  }

  async postCredit(posting: Posting, events: CreditEvents = () => []): Promise<CreditResult> {
    if (posting.amount <= 0) throw new RangeError(`a credit must be positive, got ${posting.amount}`);
    const entry = toEntry(posting);
    for (let round = 0; round < CREDIT_ROUNDS; round += 1) {
      const before = await this.getPartner(posting.partnerId);
      if (before === undefined) throw new UnknownPartnerError(posting.partnerId);
      if (before.currency !== posting.currency) throw new CurrencyMismatchError(before.currency, posting.currency);
      if (before.liveBalance + posting.amount > MAX_BALANCE)
        throw balanceLimitError(posting.partnerId, before.liveBalance, posting.amount);
      const plan = planStanding(before, posting.amount);
      const unblocked = plan.wasBlocked && plan.restoresStanding;
      try {
        await retryOnContention(() =>
          this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                creditWithStanding(this.tableName, entry, plan, {
                  conditions: ['liveBalance <= :highest'],
                  values: { ':highest': MAX_BALANCE - posting.amount },
                }),
                putPostingGuard(this.tableName, entry),
                putLedgerEntry(this.tableName, entry),
                ...outboxPuts(
                  this.tableName,
                  posting.partnerId,
                  events({ liveBalance: add(before.liveBalance, posting.amount), unblocked }),
                ),
              ],
            }),
          ),
        );
        return { outcome: 'posted', entry, unblocked };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        if (isConditionFailure(reasons[1]))
          return { outcome: 'duplicate', entry: originalOf(entry, reasons[1]), unblocked: false };
        // The balance, threshold or partner changed between the read and the write: decide again.
        if (!isConditionFailure(reasons[0])) throw error;
      }
    }
    throw new Error(`could not post credit ${entry.entryId} in ${CREDIT_ROUNDS} rounds of concurrent balance changes`);
  }

  async ledgerPage(partnerId: string, page: PageRequest): Promise<LedgerPage> {
    const { items, nextCursor } = await partitionPage(
      this.client,
      this.tableName,
      ledgerPartition(partnerId),
      page,
      itemToEntry,
    );
    return { entries: items, ...(nextCursor !== undefined && { nextCursor }) };
  }

  async markBelowThreshold(partnerId: string, at: Date, event: DomainEvent): Promise<boolean> {
    return updateIfTogether(
      this.client,
      this.tableName,
      partnerKey(partnerId),
      {
        update: 'SET belowThresholdSince = :at',
        // A closed account is never recharged again: nothing to announce.
        condition:
          'attribute_exists(pk) AND attribute_not_exists(belowThresholdSince) AND liveBalance < threshold AND #status <> :closed',
        names: { '#status': 'status' },
        values: { ':at': at.toISOString(), ':closed': 'closed' },
      },
      [putOutboxEvent(this.tableName, partnerId, event)],
    );
  }

  async startOverdueClock(partnerId: string, at: Date, event: DomainEvent): Promise<boolean> {
    // A partner without a running clock is never blocked (blocking requires one), so
    // making it overdue cannot demote a blocked partner; a closed one keeps its status for good.
    return updateIfTogether(
      this.client,
      this.tableName,
      partnerKey(partnerId),
      {
        update: 'SET overdueSince = :at, #status = :overdue',
        condition:
          'attribute_exists(pk) AND attribute_not_exists(overdueSince) AND liveBalance < :zero AND #status <> :closed',
        names: { '#status': 'status' },
        values: { ':at': at.toISOString(), ':overdue': 'overdue', ':zero': 0, ':closed': 'closed' },
      },
      [putOutboxEvent(this.tableName, partnerId, event)],
    );
  }

  async updateRechargeSettings(partnerId: string, settings: RechargeSettings): Promise<boolean> {
    // The settings are replaced whole: settings without a monthly limit lift the cap.
    const limit = settings.monthlyLimit;
    return updateIf(this.client, this.tableName, partnerKey(partnerId), {
      update: `SET threshold = :threshold, autoRenewAmount = :renew, autoRecharge = :auto, ${limit === undefined ? '' : 'monthlyLimit = :limit, '}attentionPk = if_not_exists(attentionPk, :shard), attentionSk = if_not_exists(attentionSk, :partnerId) REMOVE belowThresholdSince${limit === undefined ? ', monthlyLimit' : ''}`,
      condition: 'attribute_exists(pk)',
      values: {
        ':threshold': settings.threshold,
        ':renew': settings.autoRenewAmount,
        ':auto': settings.autoRecharge,
        ...(limit !== undefined && { ':limit': limit }),
        ':shard': attentionShard(partnerId),
        ':partnerId': partnerId,
      },
    });
  }

  async setCard(change: CardChange): Promise<'set' | 'unknown-partner' | 'superseded'> {
    const names = cardAttributes(change.role);
    const set = [`#card = :paymentMethod`, `${names.setAt} = :at`];
    if (change.paymentCustomerId !== undefined) set.push('paymentCustomerId = :customer');
    // Decline counts start again only for another card: the same card given again (a
    // repeated request) keeps them.
    const applied = await updateIf(this.client, this.tableName, partnerKey(change.partnerId), {
      update: `SET ${set.join(', ')} REMOVE ${names.softDeclines}, ${names.hardDecline}`,
      condition: `attribute_exists(pk) AND (attribute_not_exists(#card) OR #card <> :paymentMethod) AND (attribute_not_exists(${names.setAt}) OR ${names.setAt} <= :at)`,
      names: { '#card': names.paymentMethod },
      values: {
        ':paymentMethod': change.paymentMethod,
        ':at': change.at.toISOString(),
        ...(change.paymentCustomerId !== undefined && { ':customer': change.paymentCustomerId }),
      },
    });
    if (applied) return 'set';
    // The same card again: only when it was chosen (and the customer, if given) move on.
    const again = await updateIf(this.client, this.tableName, partnerKey(change.partnerId), {
      update: `SET ${set.slice(1).join(', ')}`,
      condition: `#card = :paymentMethod AND (attribute_not_exists(${names.setAt}) OR ${names.setAt} <= :at)`,
      names: { '#card': names.paymentMethod },
      values: {
        ':paymentMethod': change.paymentMethod,
        ':at': change.at.toISOString(),
        ...(change.paymentCustomerId !== undefined && { ':customer': change.paymentCustomerId }),
      },
    });
    if (again) return 'set';
    return (await this.getPartner(change.partnerId)) === undefined ? 'unknown-partner' : 'superseded';
  }
}

function toEntry(posting: Posting): LedgerEntry {
  return { ...posting, entryId: entryIdOf(posting.kind, posting.idempotencyKey), eventCount: 1 };
}

/**
 * Why a posting was refused, from the transaction's cancellation reasons (items in the
 * order balance, guard, entry): an existing guard makes it a duplicate when the amount
 * and currency match and a conflict otherwise; else a missing partner or a currency
 * mismatch is the error.
 */
function explainRefusedPosting(entry: LedgerEntry, reasons: CancellationReason[]): LedgerEntry {
  const [balance, guard] = reasons;
  if (isConditionFailure(guard)) return originalOf(entry, guard);
  if (isConditionFailure(balance)) {
    const partner = balance?.item;
    if (partner === undefined) throw new UnknownPartnerError(entry.partnerId);
    if (isBalanceLimit(partner, entry.currency))
      throw balanceLimitError(entry.partnerId, partner.liveBalance as number, entry.amount);
    throw new CurrencyMismatchError(partner.currency as string, entry.currency);
  }
  throw new Error(`posting ${entry.entryId} was cancelled: ${reasons.map((reason) => reason.code).join(', ')}`);
}

/** The entry an existing guard stands for: the same movement (a duplicate) or a conflict. */
function originalOf(entry: LedgerEntry, guard: CancellationReason | undefined): LedgerEntry {
  const original = guard?.item;
  if (original === undefined) throw new Error(`posting ${entry.entryId} met a guard without its item`);
  if (!isSameMovement(original, entry)) throw new PostingConflictError(entry.entryId);
  return itemToEntry(original);
}

function isSameMovement(original: Item, entry: LedgerEntry): boolean {
  return original.amount === entry.amount && original.currency === entry.currency;
}
