/**
 * Powertools' BatchProcessor with an error line for every record that fails: the record's
 * id and the error, through the processor's logger. On its own the processor only hands
 * the record back for its source to deliver again, so a record that keeps failing would
 * show nowhere until it reached a dead-letter queue. Overriding `failureHandler` is how
 * Powertools documents extending the processor.
 */
import { BatchProcessor } from '@aws-lambda-powertools/batch';
import type { EventSourceDataClassTypes, FailureResponse } from '@aws-lambda-powertools/batch/types';

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
