/** Lambda entries of the daily run: the 00:00 UTC starter and the shard worker share one set of dependencies. */
import type { Context, SQSBatchResponse, SQSEvent, ScheduledEvent } from 'aws-lambda';
import { createSqsClient } from '../adapters/sqs/client';
import { SqsDailyWorkQueue } from '../adapters/sqs/sqs-daily-work-queue';
import { readDailyRunConfig } from '../config';
import type { DailyRunStart } from '../domain/daily/daily-run';
import { createDailyRunHandler } from '../handlers/daily-run';
import { createDailyShardHandler } from '../handlers/daily-shard';
import { wireDailyRun } from '../wiring/recharge';
import { rechargeWiringFrom } from './recharge-wiring-from-config';

const config = readDailyRunConfig();
const deps = rechargeWiringFrom(config).then((wiring) =>
  wireDailyRun({
    ...wiring,
    work: new SqsDailyWorkQueue(createSqsClient(config.endpoints.sqs), config.dailyWorkQueueUrl),
  }),
);
const starter = deps.then(createDailyRunHandler);
const worker = deps.then((ready) => createDailyShardHandler(ready));

export const startHandler = async (event: ScheduledEvent, context: Context): Promise<DailyRunStart> =>
  (await starter)(event, context);
export const shardHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  (await worker)(event, context);
