/** Builds the ingestion handler's dependencies from clients: shared by Lambda, the local runtime and tests. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbChannelOwners } from '../adapters/dynamodb/channel-owners';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/ledger-repository';
import { DynamoDbUsageLedger, MAX_EVENTS_PER_CHUNK } from '../adapters/dynamodb/usage-ledger';
import { SqsDeadLetters } from '../adapters/sqs/sqs-dead-letters';
import { SqsRechargeRequests } from '../adapters/sqs/sqs-recharge-requests';
import { DEFAULT_USAGE_FUTURE_MARGIN_SECONDS } from '../../definitions/setting-values';
import type { Clock, EventPublisher } from '../domain/ports';
import { BalanceFollowUp } from '../domain/usage/balance-follow-up';
import type { IngestUsageHandlerDependencies } from '../handlers/ingest-usage';
import { type PortDecorator, undecorated } from './port-decorator';

export interface IngestUsageWiring {
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly sqs: SQSClient;
  readonly deadLetterQueueUrl: string;
  readonly rechargeQueueUrl: string;
  readonly events: EventPublisher;
  readonly clock: Clock;
  /** Put around every port below, those inside the balance follow-up, the publisher and the clock included. */
  readonly decorate?: PortDecorator;
  readonly chunkSize?: number;
  /** How far in the future a usage event may be dated; a day when not given. */
  readonly futureMarginMs?: number;
}

export function wireIngestUsage(wiring: IngestUsageWiring): IngestUsageHandlerDependencies {
  const decorate = wiring.decorate ?? undecorated;
  const clock = decorate('clock', wiring.clock);
  return {
    usageLedger: decorate('usageLedger', new DynamoDbUsageLedger(wiring.dynamoDb, wiring.tableName)),
    channelOwners: decorate('channelOwners', new DynamoDbChannelOwners(wiring.dynamoDb, wiring.tableName)),
    futureMarginMs: wiring.futureMarginMs ?? DEFAULT_USAGE_FUTURE_MARGIN_SECONDS * 1000,
    followUp: new BalanceFollowUp({
      ledger: decorate('ledger', new DynamoDbLedgerRepository(wiring.dynamoDb, wiring.tableName)),
      recharges: decorate('recharges', new SqsRechargeRequests(wiring.sqs, wiring.rechargeQueueUrl)),
      clock,
    }),
    deadLetters: decorate('deadLetters', new SqsDeadLetters(wiring.sqs, wiring.deadLetterQueueUrl)),
    events: decorate('events', wiring.events),
    clock,
    chunkSize: wiring.chunkSize ?? MAX_EVENTS_PER_CHUNK,
  };
}
