/**
 * A Lambda SQS event source for the local runtime: polls one queue without end and hands
 * each batch to the handler through `pollBatch`, with a fresh Lambda context per
 * invocation (its remaining time counts down from the function's timeout).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { lambdaContext } from './lambda-context';
import { type PollResult, type SqsHandler, pollBatch } from './sqs-poller';

export interface QueueWorkerOptions {
  readonly functionName: string;
  readonly batchSize: number;
  /** The deployed function's timeout, so a handler that budgets its time sees the same. */
  readonly timeoutMs: number;
  /**
   * Told about every message that failed, whether the handler threw or reported it, and
   * about queue errors; each error's message says what failed.
   */
  readonly onError: (functionName: string, error: Error) => void;
}

/** Long-poll wait of an idle worker: short, so a stop does not wait long. */
const IDLE_WAIT_SECONDS = 1;
/** After a queue error (the emulator restarting, say), before the next receive. */
const ERROR_PAUSE_MS = 1_000;

export class QueueWorker {
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
    private readonly handler: SqsHandler,
    private readonly options: QueueWorkerOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Finishes the batch in hand, then stops polling. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let result: PollResult;
      try {
        result = await pollBatch(this.client, this.queueUrl, this.handler, {
          batchSize: this.options.batchSize,
          context: lambdaContext(this.options.functionName, this.options.timeoutMs),
          waitTimeSeconds: IDLE_WAIT_SECONDS,
        });
      } catch (error) {
        if (this.stopping) return;
        this.options.onError(
          this.options.functionName,
          new Error(`polling its queue failed: ${messageOf(error)}`, { cause: error }),
        );
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
        continue;
      }
      if (result.failed > 0) this.options.onError(this.options.functionName, failureOf(result));
    }
  }
}

/** What failed and what becomes of it; a handler that reports a failure logs its cause itself. */
function failureOf(result: PollResult): Error {
  const messages = `${result.failed === 1 ? 'message' : `${result.failed} messages`} ${result.failedMessageIds.join(', ')}`;
  if (result.error !== undefined) {
    return new Error(
      `threw on ${messages}, back on the queue after the visibility timeout: ${messageOf(result.error)}`,
      { cause: result.error },
    );
  }
  return new Error(`reported ${messages} as failed, back on the queue after the visibility timeout`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
