/** The ports money that comes back needs: a charge's, plus its books and the provider's disputes and refunds. */
import type { RechargeRequests } from '../ports';
import type { RechargeDependencies } from '../recharge/recharge-dependencies';
import type { MoneyBackRepository } from './money-back-ports';
import type { MoneyBackProvider } from './money-back-provider';

export interface MoneyBackDependencies extends RechargeDependencies {
  readonly moneyBack: MoneyBackRepository;
  readonly providerMoneyBack: MoneyBackProvider;
  /** A debit that takes a balance below the threshold or 0 asks for a recharge, as usage does. */
  readonly recharges: RechargeRequests;
}

/** Rounds of read-decide-write when a charge or a dispute keeps moving under a step. */
export const MONEY_BACK_ROUNDS = 10;
