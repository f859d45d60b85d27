/** The ports a charge needs: shared by the recharge use case and the settlement of its attempts. */
import type { ChannelRepository } from '../channels/channel';
import type { Clock, LedgerRepository, RechargeRepository } from '../ports';
import type { PaymentPages } from './payment-pages';
import type { PaymentProvider } from './payment-provider';

export interface RechargeDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly attempts: RechargeRepository;
  readonly provider: PaymentProvider;
  /**
   * The provider's hosted payment pages: a top-up paid on a page (docs/contract.md §14) is
   * opened, and resumed while its page has no clear answer, there.
   */
  readonly pages: PaymentPages;
  readonly clock: Clock;
}
