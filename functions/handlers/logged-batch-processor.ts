/**
 * Powertools' BatchProcessor with an error line for every record that fails: the record's
 * id and the error, through the processor's logger. On its own the processor only hands
 * the record back for its source to deliver again, so a record that keeps failing would
 * show nowhere until it reached a dead-letter queue. Overriding `failureHandler` is how
 * Powertools documents extending the processor.
 */
import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { EventSourceDataClassTypes, FailureResponse } from '@aws-lambda-powertools/batch/types';
import type * as z from 'zod';
import { logger } from '../observability';

export class LoggedBatchProcessor extends BatchProcessor {
  override failureHandler(record: EventSourceDataClassTypes, error: Error): FailureResponse {
    this.logger.error('record failed; its source delivers it again', { ...recordIds(record), error });
    return super.failureHandler(record, error);
  }
}

function recordIds(record: EventSourceDataClassTypes): Record<string, string | undefined> {
  if ('messageId' in record) return { messageId: record.messageId };
  if ('kinesis' in record) return { eventId: record.eventID, sequenceNumber: record.kinesis.sequenceNumber };
  return { eventId: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber };
}

/**
 * A processor for SQS messages whose JSON bodies are parsed against `schema` before the
 * record handler sees them: a body that cannot be read fails alone, is logged, and ends
 * in the dead-letter queue after the redrive limit.
 */
export function jsonSqsProcessor(schema: z.ZodType): LoggedBatchProcessor {
  return new LoggedBatchProcessor(EventType.SQS, { parser, innerSchema: schema, transformer: 'json', logger });
}
