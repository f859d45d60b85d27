/** The ports a charge needs: shared by the recharge use case and the settlement of its attempts. */
import type { ChannelRepository } from '../channels/channel';
import type { Clock, LedgerRepository, RechargeRepository } from '../ports';
import type { PaymentProvider } from './payment-provider';

export interface RechargeDependencies {
  readonly ledger: LedgerRepository;
  readonly channels: ChannelRepository;
  readonly attempts: RechargeRepository;
  readonly provider: PaymentProvider;
  readonly clock: Clock;
}
