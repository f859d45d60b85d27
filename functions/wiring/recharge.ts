/** Builds the recharge and daily run dependencies from clients: shared by Lambda, the local runtime and tests. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelRepository } from '../adapters/dynamodb/channel-repository';
import { DynamoDbDailyRunRepository } from '../adapters/dynamodb/daily-run-repository';
import { DynamoDbLicenseRepository } from '../adapters/dynamodb/license-repository';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/ledger-repository';
import { DynamoDbRechargeRepository } from '../adapters/dynamodb/recharge-repository';
import { DailyRunDependencies } from '../domain/daily/daily-run';
import { DailyWorkQueue } from '../domain/daily/daily-run-ports';
import { Clock, FaultInjector, NO_FAULTS } from '../domain/ports';
import { LicenseFeeSchedule } from '../domain/monthly/license-fee';
import { MonthlyRunDependencies } from '../domain/monthly/license-fees';
import { PaymentProvider } from '../domain/recharge/payment-provider';
import { RechargeDependencies } from '../domain/recharge/recharge-partner';

export interface RechargeWiring {
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly provider: PaymentProvider;
  readonly clock: Clock;
  readonly faults?: FaultInjector;
}

export function wireRecharge(wiring: RechargeWiring): RechargeDependencies {
  return {
    ledger: new DynamoDbLedgerRepository(wiring.dynamoDb, wiring.tableName),
    channels: new DynamoDbChannelRepository(wiring.dynamoDb, wiring.tableName),
    attempts: new DynamoDbRechargeRepository(wiring.dynamoDb, wiring.tableName),
    provider: wiring.provider,
    clock: wiring.clock,
    faults: wiring.faults ?? NO_FAULTS,
  };
}

export function wireDailyRun(wiring: RechargeWiring & { readonly work: DailyWorkQueue }): DailyRunDependencies {
  return {
    ...wireRecharge(wiring),
    runs: new DynamoDbDailyRunRepository(wiring.dynamoDb, wiring.tableName),
    work: wiring.work,
    licenses: new DynamoDbLicenseRepository(wiring.dynamoDb, wiring.tableName),
  };
}

export function wireMonthlyRun(wiring: RechargeWiring & { readonly fees: LicenseFeeSchedule }): MonthlyRunDependencies {
  return {
    ...wireRecharge(wiring),
    licenses: new DynamoDbLicenseRepository(wiring.dynamoDb, wiring.tableName),
    fees: wiring.fees,
  };
}
