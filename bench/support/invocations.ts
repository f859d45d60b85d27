/**
 * Runs SQS events through the ingestion handler, a fixed number of invocations in flight.
 * Each in-flight slot is its own handler instance with its own clients, as each Lambda
 * execution environment is (the batch processor keeps the state of one invocation).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext } from '../../local/lambda-context';

export type IngestHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface InvocationResult {
  readonly records: number;
  readonly invocations: number;
  readonly seconds: number;
  /** Records the handler handed back to SQS for a retry. */
  readonly failedRecords: number;
  readonly latenciesMs: readonly number[];
}

export async function invokeAll(
  handlers: readonly IngestHandler[],
  events: readonly SQSEvent[],
): Promise<InvocationResult> {
  let next = 0;
  let failedRecords = 0;
  const latenciesMs: number[] = [];
  const slot = async (handler: IngestHandler) => {
    while (next < events.length) {
      const event = events[next++] as SQSEvent;
      const started = performance.now();
      const response = await handler(event, lambdaContext('ingest-usage'));
      latenciesMs.push(performance.now() - started);
      failedRecords += response.batchItemFailures.length;
    }
  };
  const started = performance.now();
  await Promise.all(handlers.map(slot));
  return {
    records: events.reduce((total, event) => total + event.Records.length, 0),
    invocations: events.length,
    seconds: (performance.now() - started) / 1000,
    failedRecords,
    latenciesMs,
  };
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}
