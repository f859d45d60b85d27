/**
 * What happens after usage moved a balance: below the threshold, `BalanceBelowThreshold`
 * and a recharge request; below 0, the 7-day clock starts, `PartnerOverdue` and a
 * recharge request. The request goes out before the flag is written, so a crash in
 * between repeats it (harmless: the recharge keeps one charge in flight) instead of
 * losing it; the event is written with the flag, so it exists once the flag does.
 */
import type { DomainEvent } from '../events';
import { formatAmount } from '../money';
import type { PartnerAccount } from '../partner';
import type { Clock, LedgerRepository, RechargeRequests } from '../ports';

export interface BalanceFollowUpDependencies {
  readonly ledger: LedgerRepository;
  readonly recharges: RechargeRequests;
  readonly clock: Clock;
}

export class BalanceFollowUp {
  constructor(private readonly deps: BalanceFollowUpDependencies) {}

  async afterDebit(partnerId: string): Promise<void> {
    await this.afterDebits([partnerId]);
  }

  /** The follow-up of many partners, their accounts read in a few requests. */
  async afterDebits(partnerIds: readonly string[]): Promise<void> {
    if (partnerIds.length === 0) return;
    const accounts = await this.deps.ledger.getPartners(partnerIds);
    await Promise.all(accounts.map((account) => this.followUp(account)));
  }

  private async followUp(account: PartnerAccount): Promise<void> {
    const { ledger, recharges, clock } = this.deps;
    const partnerId = account.partnerId;
    const now = clock.now();
    const { liveBalance, currency, rechargeSettings } = account;
    const amounts = {
      partnerId,
      currency,
      liveBalance: formatAmount(liveBalance),
      threshold: formatAmount(rechargeSettings.threshold),
    };

    if (liveBalance < rechargeSettings.threshold && account.belowThresholdSince === undefined) {
      await recharges.request({ partnerId, trigger: 'below-threshold', requestedAt: now });
      await ledger.markBelowThreshold(partnerId, now, { type: 'BalanceBelowThreshold', time: now, detail: amounts });
    }
    if (liveBalance < 0 && account.overdueSince === undefined) {
      await recharges.request({ partnerId, trigger: 'overdue', requestedAt: now });
      await ledger.startOverdueClock(partnerId, now, overdueEvent(account, now));
    }
  }
}

/** `PartnerOverdue`: the 7-day clock of a partner starts now, at this balance. */
export function overdueEvent(account: PartnerAccount, now: Date): DomainEvent {
  return {
    type: 'PartnerOverdue',
    time: now,
    detail: {
      partnerId: account.partnerId,
      currency: account.currency,
      liveBalance: formatAmount(account.liveBalance),
      threshold: formatAmount(account.rechargeSettings.threshold),
      overdueSince: now.toISOString(),
    },
  };
}
