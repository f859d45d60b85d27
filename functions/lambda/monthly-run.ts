/** Lambda entries of the monthly run: the starter of the 1st and the piece worker share one set of dependencies. */
import type { Context, SQSBatchResponse, SQSEvent, ScheduledEvent } from 'aws-lambda';
import { createSqsClient } from '../adapters/sqs/client';
import { SqsMonthlyWorkQueue } from '../adapters/sqs/sqs-monthly-work-queue';
import { readMonthlyRunConfig } from '../config';
import { parseLicenseFeeSchedule } from '../domain/monthly/license-fee';
import type { MonthlyRunStart } from '../domain/monthly/monthly-run';
import { createMonthlyRunHandler } from '../handlers/monthly-run';
import { createMonthlyShardHandler } from '../handlers/monthly-shard';
import { wireMonthlyRun } from '../wiring/recharge';
import { builtOnce } from './cold-start';
import { rechargeWiringFrom } from './recharge-wiring-from-config';

const config = readMonthlyRunConfig();
const fees = parseLicenseFeeSchedule(config.licenseFees);
const deps = builtOnce(() =>
  rechargeWiringFrom(config).then((wiring) =>
    wireMonthlyRun({
      ...wiring,
      fees,
      work: new SqsMonthlyWorkQueue(createSqsClient(config.endpoints.sqs), config.monthlyWorkQueueUrl),
    }),
  ),
);
const starter = builtOnce(() => deps().then(createMonthlyRunHandler));
const worker = builtOnce(() => deps().then((ready) => createMonthlyShardHandler(ready)));

export const startHandler = async (event: ScheduledEvent, context: Context): Promise<MonthlyRunStart> =>
  (await starter())(event, context);
export const shardHandler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  (await worker())(event, context);
