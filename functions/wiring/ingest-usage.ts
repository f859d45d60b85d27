/** Builds the ingestion handler's dependencies from clients: shared by Lambda, the local runtime and tests. */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbChannelOwners } from '../adapters/dynamodb/channel-owners';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/ledger-repository';
import { DynamoDbUsageLedger, MAX_EVENTS_PER_CHUNK } from '../adapters/dynamodb/usage-ledger';
import { SqsDeadLetters } from '../adapters/sqs/sqs-dead-letters';
import { SqsRechargeRequests } from '../adapters/sqs/sqs-recharge-requests';
import { DEFAULT_USAGE_FUTURE_MARGIN_SECONDS } from '../config';
import { Clock, EventPublisher, FaultInjector, NO_FAULTS } from '../domain/ports';
import { BalanceFollowUp } from '../domain/usage/balance-follow-up';
import { IngestUsageHandlerDependencies } from '../handlers/ingest-usage';

export interface IngestUsageWiring {
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly sqs: SQSClient;
  readonly deadLetterQueueUrl: string;
  readonly rechargeQueueUrl: string;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly faults?: FaultInjector;
  readonly chunkSize?: number;
  /** How far in the future a usage event may be dated; a day when not given. */
  readonly futureMarginMs?: number;
}

export function wireIngestUsage(wiring: IngestUsageWiring): IngestUsageHandlerDependencies {
  const faults = wiring.faults ?? NO_FAULTS;
  const ledger = new DynamoDbLedgerRepository(wiring.dynamoDb, wiring.tableName);
  return {
    usageLedger: new DynamoDbUsageLedger(wiring.dynamoDb, wiring.tableName),
    channelOwners: new DynamoDbChannelOwners(wiring.dynamoDb, wiring.tableName),
    futureMarginMs: wiring.futureMarginMs ?? DEFAULT_USAGE_FUTURE_MARGIN_SECONDS * 1000,
    followUp: new BalanceFollowUp({
      ledger,
      recharges: new SqsRechargeRequests(wiring.sqs, wiring.rechargeQueueUrl),
      clock: wiring.clock,
      faults,
    }),
    deadLetters: new SqsDeadLetters(wiring.sqs, wiring.deadLetterQueueUrl),
    events: wiring.events,
    clock: wiring.clock,
    faults,
    chunkSize: wiring.chunkSize ?? MAX_EVENTS_PER_CHUNK,
  };
}
