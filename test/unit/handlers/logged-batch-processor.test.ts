import { EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { LoggedBatchProcessor } from '../../../functions/handlers/logged-batch-processor';
import { lambdaContext } from '../../../local/lambda-context';

/** A logger that keeps what it is given. */
function recordingLogger() {
  const errors: [string, Record<string, unknown>][] = [];
  return {
    errors,
    debug: () => undefined,
    warn: () => undefined,
    error: (message: string, fields: Record<string, unknown>) => errors.push([message, fields]),
  };
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
    awsRegion: 'us-east-1',
  };
}

describe('Class: LoggedBatchProcessor', () => {
  it('writes an error line with the message id and the error for each SQS record that fails, and reports only those', async () => {
    // Prepare
    const logger = recordingLogger();
    const processor = new LoggedBatchProcessor(EventType.SQS, { logger });
    const failure = new Error('table throttled');
    const records = [sqsRecord('m-1', 'ok'), sqsRecord('m-2', 'fail')];

    // Act
    const response = await processPartialResponse(
      { Records: records },
      async (record: SQSRecord) => {
        if (record.body === 'fail') throw failure;
      },
      processor,
      { context: lambdaContext('work') },
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(logger.errors).toEqual([
      ['record failed; its source delivers it again', { messageId: 'm-2', error: failure }],
    ]);
  });

  it('names a stream record by its event id and sequence number', async () => {
    // Prepare
    const logger = recordingLogger();
    const processor = new LoggedBatchProcessor(EventType.DynamoDBStreams, { logger });
    const record: DynamoDBRecord = {
      eventID: 'ev-1',
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: '100', Keys: {} },
    };

    // Act
    await processPartialResponse(
      { Records: [record] },
      async () => {
        throw new Error('bus unavailable');
      },
      processor,
      { context: lambdaContext('publish-events'), throwOnFullBatchFailure: false },
    );

    // Assess
    expect(logger.errors).toEqual([
      [expect.any(String), { eventId: 'ev-1', sequenceNumber: '100', error: new Error('bus unavailable') }],
    ]);
  });
});
