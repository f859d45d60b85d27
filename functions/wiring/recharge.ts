/** Builds the recharge and daily run dependencies from clients: shared by Lambda, the local runtime and tests. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelRepository } from '../adapters/dynamodb/channel-repository';
import { DynamoDbDailyRunRepository } from '../adapters/dynamodb/daily-run-repository';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/ledger-repository';
import { DynamoDbRechargeRepository } from '../adapters/dynamodb/recharge-repository';
import { DailyRunDependencies } from '../domain/daily/daily-run';
import { DailyWorkQueue } from '../domain/daily/daily-run-ports';
import { Clock, EventPublisher, FaultInjector, NO_FAULTS } from '../domain/ports';
import { PaymentProvider } from '../domain/recharge/payment-provider';
import { RechargeDependencies } from '../domain/recharge/recharge-partner';

export interface RechargeWiring {
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly provider: PaymentProvider;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly faults?: FaultInjector;
}

export function wireRecharge(wiring: RechargeWiring): RechargeDependencies {
  return {
    ledger: new DynamoDbLedgerRepository(wiring.dynamoDb, wiring.tableName),
    channels: new DynamoDbChannelRepository(wiring.dynamoDb, wiring.tableName),
    attempts: new DynamoDbRechargeRepository(wiring.dynamoDb, wiring.tableName),
    provider: wiring.provider,
    events: wiring.events,
    clock: wiring.clock,
    faults: wiring.faults ?? NO_FAULTS,
  };
}

export function wireDailyRun(wiring: RechargeWiring & { readonly work: DailyWorkQueue }): DailyRunDependencies {
  return {
    ...wireRecharge(wiring),
    runs: new DynamoDbDailyRunRepository(wiring.dynamoDb, wiring.tableName),
    work: wiring.work,
  };
}
