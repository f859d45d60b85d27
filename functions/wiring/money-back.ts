/** Builds the dependencies of money that comes back (disputes, refunds, closure): shared by the webhook, the API and tests. */
import { DynamoDbMoneyBackRepository } from '../adapters/dynamodb/money-back-repository';
import type { MoneyBackDependencies } from '../domain/money-back/money-back-dependencies';
import type { RechargeRequests } from '../domain/ports';
import { undecorated } from './port-decorator';
import { type RechargeWiring, wireRecharge } from './recharge';

export function wireMoneyBack(wiring: RechargeWiring, recharges: RechargeRequests): MoneyBackDependencies {
  const decorate = wiring.decorate ?? undecorated;
  const recharge = wireRecharge(wiring);
  return {
    ...recharge,
    moneyBack: decorate('moneyBack', new DynamoDbMoneyBackRepository(wiring.dynamoDb, wiring.tableName)),
    // The same provider object as the charges': decorated under its own name so faults can reach it separately.
    providerMoneyBack: decorate('providerMoneyBack', wiring.provider),
    recharges,
  };
}
