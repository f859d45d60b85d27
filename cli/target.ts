/**
 * What a command works on: a deployed stack, found by its CloudFormation outputs, or the
 * system `npm start` runs on this machine. Commands see the same clients and adapters
 * either way; only where they point differs.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventPublisher } from '../functions/domain/ports';
import type { OperatedQueue } from '../definitions/stack-outputs';

export interface QueueUrls {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

export interface Target {
  /** Says which system it is, for reports: `stack PrepaidBilling in eu-west-1`. */
  readonly description: string;
  readonly dynamoDb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly sqs: SQSClient;
  readonly queues: Readonly<Record<OperatedQueue, QueueUrls>>;
  /** The bus events are put on: EventBridge in AWS, the event log locally. */
  readonly bus: { readonly name: string; readonly publisher: EventPublisher };
  /** Whether SQS moves dead letters back itself (StartMessageMoveTask); the emulator does not. */
  readonly moveTasks: boolean;
  /**
   * How long a receive waits for messages. In AWS a second: a receive that does not wait
   * asks only some of SQS's servers, so its empty answer would not mean an empty queue.
   * The emulator is one server: none.
   */
  readonly receiveWaitSeconds: number;
  /** The system's time: the wall clock in AWS, the test clock locally. */
  readonly now: Date;
  close(): void;
}
