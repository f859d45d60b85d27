/** Builds the API's dependencies from clients: shared by Lambda, the local runtime and tests. */
import { DynamoDbDailyRunRepository } from '../adapters/dynamodb/daily-run-repository';
import { ApiDependencies } from '../api/api-dependencies';
import { RechargeWiring, wireRecharge } from './recharge';

export function wireApi(wiring: RechargeWiring & { readonly operatorName: string }): ApiDependencies {
  const recharge = wireRecharge(wiring);
  return {
    recharge,
    runs: new DynamoDbDailyRunRepository(wiring.dynamoDb, wiring.tableName),
    channelRules: { ledger: recharge.ledger, channels: recharge.channels, now: () => wiring.clock.now() },
    operatorName: wiring.operatorName,
  };
}
