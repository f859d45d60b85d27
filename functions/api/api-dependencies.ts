/** What the API's routes need: the recharge use cases' ports, the daily history, channels, configuration. */
import { ChannelDependencies } from '../domain/channels/channel-rules';
import { DailyRunRepository } from '../domain/daily/daily-run-ports';
import { RechargeDependencies } from '../domain/recharge/recharge-partner';

export interface ApiDependencies {
  readonly recharge: RechargeDependencies;
  readonly runs: Pick<DailyRunRepository, 'historyPage'>;
  readonly channelRules: ChannelDependencies;
  /** Named in the 402 message of a blocked partner's channels. */
  readonly operatorName: string;
}
