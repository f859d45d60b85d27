/** Builds the recharge, daily and monthly run dependencies from clients: shared by Lambda, the local runtime and tests. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChannelRepository } from '../adapters/dynamodb/channel-repository';
import { DynamoDbDailyRunRepository } from '../adapters/dynamodb/daily-run-repository';
import { DynamoDbLicenseRepository } from '../adapters/dynamodb/license-repository';
import { DynamoDbMonthlyRunRepository } from '../adapters/dynamodb/monthly-run-repository';
import { InlineMonthlyWork } from '../adapters/inline-monthly-work';
import { DynamoDbMoneyBackRepository } from '../adapters/dynamodb/money-back-repository';
import { DynamoDbMonthBooks } from '../adapters/dynamodb/month-books';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/ledger-repository';
import { DynamoDbRechargeRepository } from '../adapters/dynamodb/recharge-repository';
import type { DailyRunDependencies } from '../domain/daily/daily-run';
import type { DailyWorkQueue } from '../domain/daily/daily-run-ports';
import type { Clock } from '../domain/ports';
import type { LicenseFeeSchedule } from '../domain/monthly/license-fee';
import type { MonthlyRunDependencies } from '../domain/monthly/monthly-run';
import type { MonthlyWorkQueue } from '../domain/monthly/monthly-run-ports';
import type { CardProvider } from '../domain/card-provider';
import type { RechargeDependencies } from '../domain/recharge/recharge-partner';
import { type PortDecorator, undecorated } from './port-decorator';

export interface RechargeWiring {
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Charges cards, pays money back and serves payment pages: one provider for the three ports. */
  readonly provider: CardProvider;
  readonly clock: Clock;
  /** Put around every port below, the provider and the clock included. */
  readonly decorate?: PortDecorator;
}

export function wireRecharge(wiring: RechargeWiring): RechargeDependencies {
  const decorate = wiring.decorate ?? undecorated;
  return {
    ledger: decorate('ledger', new DynamoDbLedgerRepository(wiring.dynamoDb, wiring.tableName)),
    channels: decorate('channels', new DynamoDbChannelRepository(wiring.dynamoDb, wiring.tableName)),
    attempts: decorate('attempts', new DynamoDbRechargeRepository(wiring.dynamoDb, wiring.tableName)),
    provider: decorate('provider', wiring.provider),
    pages: decorate('pages', wiring.provider),
    clock: decorate('clock', wiring.clock),
  };
}

export function wireDailyRun(wiring: RechargeWiring & { readonly work: DailyWorkQueue }): DailyRunDependencies {
  const decorate = wiring.decorate ?? undecorated;
  return {
    ...wireRecharge(wiring),
    runs: decorate('runs', new DynamoDbDailyRunRepository(wiring.dynamoDb, wiring.tableName)),
    work: decorate('work', wiring.work),
    // An operator refund whose answer was lost is finished by the next daily run.
    moneyBack: decorate('moneyBack', new DynamoDbMoneyBackRepository(wiring.dynamoDb, wiring.tableName)),
    providerMoneyBack: decorate('providerMoneyBack', wiring.provider),
    licenses: decorate('licenses', new DynamoDbLicenseRepository(wiring.dynamoDb, wiring.tableName)),
    months: decorate('months', new DynamoDbMonthBooks(wiring.dynamoDb, wiring.tableName)),
  };
}

export function wireMonthlyRun(
  wiring: RechargeWiring & {
    readonly fees: LicenseFeeSchedule;
    /** Where the run's pieces of work go; without it, each runs in this process as it is queued. */
    readonly work?: MonthlyWorkQueue;
  },
): MonthlyRunDependencies {
  const decorate = wiring.decorate ?? undecorated;
  const deps: MonthlyRunDependencies = {
    ...wireRecharge(wiring),
    licenses: decorate('licenses', new DynamoDbLicenseRepository(wiring.dynamoDb, wiring.tableName)),
    runs: decorate('runs', new DynamoDbMonthlyRunRepository(wiring.dynamoDb, wiring.tableName)),
    fees: wiring.fees,
    work: decorate('work', wiring.work ?? new InlineMonthlyWork(() => deps)),
  };
  return deps;
}
