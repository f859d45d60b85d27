/** Builds the API's dependencies from clients: shared by Lambda, the local runtime and tests. */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDailyRunRepository } from '../adapters/dynamodb/daily-run-repository';
import { DynamoDbLicenseRepository } from '../adapters/dynamodb/license-repository';
import { DynamoDbMoneyBackRepository } from '../adapters/dynamodb/money-back-repository';
import { DynamoDbMonthBooks } from '../adapters/dynamodb/month-books';
import { DynamoDbOpeningBalances } from '../adapters/dynamodb/opening-balances';
import { DynamoDbReconciliationRepository } from '../adapters/dynamodb/reconciliation-repository';
import { DynamoDbStatementRecords } from '../adapters/dynamodb/statement-records';
import { InlineRechargeRequests } from '../adapters/inline-recharge-requests';
import { SqsRechargeRequests } from '../adapters/sqs/sqs-recharge-requests';
import type { ApiDependencies } from '../api/api-dependencies';
import type { MoneyBackProvider } from '../domain/money-back/money-back-provider';
import type { RechargeRequests } from '../domain/ports';
import type { RechargeDependencies } from '../domain/recharge/recharge-partner';
import { DEFAULT_TOP_UP_BOUNDS, type TopUpBounds } from '../domain/recharge/top-up';
import { BalanceFollowUp } from '../domain/usage/balance-follow-up';
import { type PortDecorator, undecorated } from './port-decorator';
import { type RechargeWiring, wireRecharge } from './recharge';

export interface ApiWiring extends RechargeWiring {
  readonly operatorName: string;
  readonly sqs: SQSClient;
  /** Where charges without a clear answer within the API's time budget go to be finished. */
  readonly rechargeQueueUrl: string;
  /** What a partner's top-up may credit; the deployment settings' defaults when not given. */
  readonly topUpBounds?: TopUpBounds;
}

export function wireApi(wiring: ApiWiring): ApiDependencies {
  const decorate = wiring.decorate ?? undecorated;
  return apiDependencies(
    wireRecharge(wiring),
    wiring.provider,
    wiring.dynamoDb,
    wiring.tableName,
    wiring.operatorName,
    decorate('rechargeQueue', new SqsRechargeRequests(wiring.sqs, wiring.rechargeQueueUrl)),
    decorate,
    wiring.topUpBounds,
  );
}

/**
 * The API around a given set of recharge dependencies, card provider's refunds and
 * recharge queue (tests pass theirs, with a sandbox provider); `decorate` is put around the
 * ports built here, as the recharge wiring's are.
 */
export function apiDependencies(
  recharge: RechargeDependencies,
  providerMoneyBack: MoneyBackProvider,
  dynamoDb: DynamoDBDocumentClient,
  tableName: string,
  operatorName: string,
  rechargeQueue: RechargeRequests,
  decorate: PortDecorator = undecorated,
  topUpBounds: TopUpBounds = DEFAULT_TOP_UP_BOUNDS,
): ApiDependencies {
  const months = decorate('months', new DynamoDbMonthBooks(dynamoDb, tableName));
  return {
    recharge,
    rechargeQueue,
    topUps: { ...recharge, bounds: topUpBounds },
    openings: decorate('openings', new DynamoDbOpeningBalances(dynamoDb, tableName)),
    finance: {
      ...recharge,
      reconciliations: decorate('reconciliations', new DynamoDbReconciliationRepository(dynamoDb, tableName)),
      months,
      followUp: new BalanceFollowUp({
        ...recharge,
        recharges: decorate('recharges', new InlineRechargeRequests(recharge, rechargeQueue)),
      }),
    },
    licenses: { ...recharge, licenses: decorate('licenses', new DynamoDbLicenseRepository(dynamoDb, tableName)) },
    moneyBack: {
      ...recharge,
      moneyBack: decorate('moneyBack', new DynamoDbMoneyBackRepository(dynamoDb, tableName)),
      providerMoneyBack: decorate('providerMoneyBack', providerMoneyBack),
      recharges: rechargeQueue,
    },
    runs: decorate('runs', new DynamoDbDailyRunRepository(dynamoDb, tableName)),
    statements: {
      ledger: recharge.ledger,
      months,
      records: decorate('statementRecords', new DynamoDbStatementRecords(dynamoDb, tableName)),
      clock: recharge.clock,
    },
    channelRules: { ledger: recharge.ledger, channels: recharge.channels, now: () => recharge.clock.now() },
    operatorName,
  };
}
