/**
 * The system `npm start` runs on this machine as a target: where its DynamoDB Local, SQS
 * emulator, queues and event log are, as its `GET /local/info` tells, and its test clock.
 * Locally the bus is the event log, as for the runtime's own event relay.
 */
import * as z from 'zod';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { createSqsClient } from '../functions/adapters/sqs/client';
import { EventLog } from '../local/event-log';
import { OPERATED_QUEUES } from '../definitions/stack-outputs';
import { OperatorError } from './operator-errors';
import type { Target } from './target';

const QueueUrlsSchema = z.object({ queueUrl: z.url(), deadLetterQueueUrl: z.url() });
const LocalInfoSchema = z.object({
  dynamoDbEndpoint: z.url(),
  sqsEndpoint: z.url(),
  tableName: z.string().min(1),
  eventLog: z.string().min(1),
  queues: z.record(z.enum(OPERATED_QUEUES), QueueUrlsSchema),
});
const ClockSchema = z.object({ now: z.iso.datetime() });

export async function localTarget(port: number): Promise<Target> {
  const apiUrl = `http://127.0.0.1:${port}`;
  const info = await answerOf(apiUrl, '/local/info', LocalInfoSchema);
  const clock = await answerOf(apiUrl, '/local/clock', ClockSchema);
  const dynamoDb = createDocumentClient({ endpoint: info.dynamoDbEndpoint });
  const sqs = createSqsClient(info.sqsEndpoint);
  return {
    description: `npm start at ${apiUrl}`,
    dynamoDb,
    tableName: info.tableName,
    sqs,
    queues: info.queues,
    // The command reports what it put on the bus; the runtime's console tells only its own events.
    bus: { name: info.eventLog, publisher: new EventLog(info.eventLog, () => undefined) },
    moveTasks: false,
    receiveWaitSeconds: 0,
    now: new Date(clock.now),
    close() {
      dynamoDb.destroy();
      sqs.destroy();
    },
  };
}

async function answerOf<T extends z.ZodType>(apiUrl: string, path: string, schema: T): Promise<z.output<T>> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}${path}`);
  } catch {
    throw new OperatorError(
      `nothing answers at ${apiUrl}: start the system with npm start, or give the port it runs on with --port (its PORT)`,
    );
  }
  const parsed = schema.safeParse(response.ok ? await response.json().catch(() => undefined) : undefined);
  if (!parsed.success)
    throw new OperatorError(
      `${apiUrl}${path} did not answer as npm start of this version does (HTTP ${response.status}): is another program on that port, or an older npm start?`,
    );
  return parsed.data;
}
