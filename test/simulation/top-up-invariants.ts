/**
 * The invariants of docs/contract.md §14, from the ledger, the charge attempts and the
 * model's record of what the operator and the partners asked for.
 *
 * - 16: automatic recharges (never the opening charge or a top-up) credit, in any UTC month,
 *   at most the monthly limit that was in force when each of them was decided: a running
 *   total per month, in the order the credits were posted, stays within the limit set when
 *   the credit's attempt was opened. A limit lowered later does not take back what was
 *   credited. `RechargeLimitReached` is published at most once per partner and month.
 * - 17: every top-up credit belongs to a reference the partner asked for, with its amount,
 *   once: the ledger names the reference's one attempt.
 */
import type { DomainEvent } from '../../functions/domain/events';
import type { LedgerEntry } from '../../functions/domain/ledger';
import { type Micros, formatAmount } from '../../functions/domain/money';
import { monthOf } from '../../functions/domain/month';
import type { PartnerAccount } from '../../functions/domain/partner';
import type { ChargePurpose } from '../../functions/domain/recharge/charge-attempt';
import type { PartnerBooks } from './books';
import type { Fail } from './invariant-catalogue';
import type { LimitChange, PartnerModel, ReferenceModel } from './reference-model';
import type { SimWorld } from './sim-world';

/** What the invariant needs of a credited attempt, which never changes once it is credited. */
interface CreditedAttempt {
  readonly purpose: ChargePurpose;
  readonly openedAt: Date;
}

export class TopUpInvariants {
  /** By attempt id: read once. */
  private readonly attempts = new Map<string, CreditedAttempt>();

  constructor(
    private readonly world: SimWorld,
    private readonly model: ReferenceModel,
    private readonly fail: Fail,
  ) {}

  async checkPartner(account: PartnerAccount, books: PartnerBooks): Promise<void> {
    const partner = this.model.partner(account.partnerId);
    await this.checkCap(partner, books);
    this.checkTopUps(partner, books);
  }

  /** Invariant 16, the events' side: one `RechargeLimitReached` per partner and month at most. */
  checkLimitEvents(relayed: readonly DomainEvent[]): void {
    const seen = new Map<string, string>();
    for (const event of relayed) {
      if (event.type !== 'RechargeLimitReached') continue;
      const month = `${String(event.detail.partnerId)} ${String(event.detail.month)}`;
      const earlier = seen.get(month);
      if (earlier !== undefined)
        this.fail(
          16,
          `RechargeLimitReached was published twice for ${month}: ${earlier} and ${String(event.detail.id)}`,
        );
      seen.set(month, String(event.detail.id));
    }
  }

  private async checkCap(partner: PartnerModel, books: PartnerBooks): Promise<void> {
    const credits = [...books.entries.values()]
      .filter((entry) => entry.kind === 'recharge')
      .sort((a, b) => a.postedAt.getTime() - b.postedAt.getTime() || a.entryId.localeCompare(b.entryId));
    const totals = new Map<string, number>();
    for (const credit of credits) {
      const attempt = await this.attemptOf(partner.partnerId, credit);
      if (attempt.purpose !== 'recharge') continue;
      const month = monthOf(credit.postedAt);
      const total = (totals.get(month) ?? 0) + credit.amount;
      totals.set(month, total);
      const limit = limitAt(partner.limits, attempt.openedAt);
      if (limit !== undefined && total > limit)
        this.fail(
          16,
          `partner ${partner.partnerId}'s automatic recharges credited ${formatAmount(total as Micros)} in ${month} with recharge ${credit.idempotencyKey} of ${formatAmount(credit.amount)}, past the monthly limit of ${formatAmount(limit)} in force when it was opened at ${attempt.openedAt.toISOString()}`,
        );
    }
  }

  private checkTopUps(partner: PartnerModel, books: PartnerBooks): void {
    const byAttempt = new Map([...partner.topUps].map(([reference, topUp]) => [topUp.attemptId, { reference, topUp }]));
    for (const entry of books.entries.values()) {
      if (entry.kind !== 'top-up') continue;
      const asked = byAttempt.get(entry.idempotencyKey);
      if (asked === undefined)
        this.fail(
          17,
          `partner ${partner.partnerId} was credited ${formatAmount(entry.amount)} by top-up attempt ${entry.idempotencyKey}, which no reference it asked for names`,
        );
      if (entry.amount !== asked.topUp.amount)
        this.fail(
          17,
          `top-up ${asked.reference} of partner ${partner.partnerId} asked for ${formatAmount(asked.topUp.amount)} and was credited ${formatAmount(entry.amount)}`,
        );
    }
  }

  private async attemptOf(partnerId: string, credit: LedgerEntry): Promise<CreditedAttempt> {
    const known = this.attempts.get(credit.idempotencyKey);
    if (known !== undefined) return known;
    const attempt = await this.world.attempts.getAttempt(partnerId, credit.idempotencyKey);
    if (attempt === undefined)
      this.fail(3, `partner ${partnerId} was credited by attempt ${credit.idempotencyKey}, which is not recorded`);
    const read = { purpose: attempt.purpose, openedAt: attempt.createdAt };
    this.attempts.set(credit.idempotencyKey, read);
    return read;
  }
}

/** The limit the operator had set last by `at` (a settings change and a recharge never share a step). */
function limitAt(changes: readonly LimitChange[], at: Date): Micros | undefined {
  return changes.filter((change) => change.at <= at).pop()?.limit;
}
