/** What the API's routes need: the recharge and money-back use cases' ports, the daily history, channels, configuration. */
import type { ChannelDependencies } from '../domain/channels/channel-rules';
import type { DailyRunRepository } from '../domain/daily/daily-run-ports';
import type { MoneyBackDependencies } from '../domain/money-back/money-back-dependencies';
import type { ReconcileMonthDependencies } from '../domain/finance/reconcile-month';
import type { LicenseFeeDependencies } from '../domain/monthly/license-fees';
import type { OpeningBalances } from '../domain/partners/open-account';
import type { RechargeRequests } from '../domain/ports';
import type { RechargeDependencies } from '../domain/recharge/recharge-partner';
import type { StatementDependencies } from '../domain/statements/read-statement';
import type { TopUpDependencies } from '../domain/recharge/top-up';

export interface ApiDependencies {
  readonly recharge: RechargeDependencies;
  /**
   * The recharge queue: a charge the provider gave no clear answer to within the API's
   * time budget is handed to the recharge function, which resumes it with the same key.
   */
  readonly rechargeQueue: RechargeRequests;
  /** A partner's own top-ups: the recharge ports and the amounts a top-up may credit. */
  readonly topUps: TopUpDependencies;
  /** A repeated create is compared with the remainder the partner was opened with. */
  readonly openings: OpeningBalances;
  /** Payments and reconciliations. */
  readonly finance: ReconcileMonthDependencies;
  /** A new card also retries a declined monthly license fee. */
  readonly licenses: LicenseFeeDependencies;
  /** Refunds of unused balance and closures; its debits ask for recharges through the recharge queue. */
  readonly moneyBack: MoneyBackDependencies;
  readonly runs: Pick<DailyRunRepository, 'historyPage'>;
  /** Monthly statements: the months' figures, the daily snapshots and the invoices. */
  readonly statements: StatementDependencies;
  readonly channelRules: ChannelDependencies;
  /** Named in the 402 message of a blocked partner's channels, and on the statements. */
  readonly operatorName: string;
}
