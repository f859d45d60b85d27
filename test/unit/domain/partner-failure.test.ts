import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { AmountOutOfRangeError } from '../../../functions/domain/errors';
import { awaitAll, isolate } from '../../../functions/domain/partner-failure';

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded',
    $metadata: { httpStatusCode: 400 },
  });

describe('Function: isolate', () => {
  it('answers the value of work that succeeds', async () => {
    await expect(isolate('p-1', 'daily-run', async () => 42)).resolves.toEqual({ ok: true, value: 42 });
  });

  it.each([
    ['a domain error', new AmountOutOfRangeError('9007199274000000 is not a safe integer number of micro-units')],
    ['a RangeError', new RangeError('a charge needs a payment method')],
  ])('records %s as the partner failure of that step', async (_, error) => {
    await expect(
      isolate('p-1', 'charge-retry', async () => {
        throw error;
      }),
    ).resolves.toEqual({ ok: false, failure: { partnerId: 'p-1', step: 'charge-retry', error } });
  });

  it.each([
    ['DynamoDB throttling', throttled()],
    ['an error nobody foresaw', new Error('socket hang up')],
  ])('rethrows %s, for the work item to be retried', async (_, error) => {
    await expect(
      isolate('p-1', 'daily-run', async () => {
        throw error;
      }),
    ).rejects.toBe(error);
  });
});

describe('Function: awaitAll', () => {
  it('rethrows a failure only once every work of the page has ended', async () => {
    // Prepare
    const ended: string[] = [];
    const slow = new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 50)).then((value) => {
      ended.push(value);
      return value;
    });
    const failing = Promise.reject(throttled());

    // Act
    const outcome = awaitAll([failing, slow]);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(ended).toEqual(['slow']);
  });

  it('answers every value in order', async () => {
    await expect(awaitAll([Promise.resolve(1), Promise.resolve(2)])).resolves.toEqual([1, 2]);
  });
});
