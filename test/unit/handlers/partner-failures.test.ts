import { AmountOutOfRangeError } from '../../../functions/domain/errors';
import type * as PartnerFailures from '../../../functions/handlers/partner-failures';

/** What the default reporter writes to stdout and stderr, with logs and metrics on as in Lambda. */
function reportedLines(report: (module: typeof PartnerFailures) => void): Record<string, unknown>[] {
  const saved = { level: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };
  const written: string[] = [];
  const keep = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const writes = [
    jest.spyOn(process.stdout, 'write').mockImplementation(keep),
    jest.spyOn(process.stderr, 'write').mockImplementation(keep),
  ];
  try {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    // A fresh logger and metrics that read the settings above, not the tests' silent ones.
    jest.isolateModules(() =>
      report(require('../../../functions/handlers/partner-failures') as typeof PartnerFailures),
    );
  } finally {
    for (const write of writes) write.mockRestore();
    process.env.POWERTOOLS_LOG_LEVEL = saved.level;
    process.env.POWERTOOLS_METRICS_DISABLED = saved.metrics;
  }
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Function: reportPartnerFailures', () => {
  it('writes an error line per partner with its partnerId, step and error, and one PartnerWorkFailed metric by run', () => {
    // Prepare
    const failures = [
      {
        partnerId: 'p-1',
        step: 'charge-retry',
        error: new AmountOutOfRangeError('9007199274000000 is not a safe integer number of micro-units'),
      },
      { partnerId: 'p-2', step: 'daily-run', error: new RangeError('a charge credits a positive amount') },
    ];

    // Act
    const lines = reportedLines(({ reportPartnerFailures }) =>
      reportPartnerFailures('daily', failures, { day: '2026-11-03', shard: 4 }),
    );

    // Assess
    const logs = lines.filter((line) => line.level === 'ERROR');
    expect(logs).toEqual([
      expect.objectContaining({
        message: 'partner work failed; skipped until the next run',
        run: 'daily',
        partnerId: 'p-1',
        step: 'charge-retry',
        day: '2026-11-03',
        shard: 4,
        error: expect.objectContaining({
          name: 'AmountOutOfRangeError',
          message: '9007199274000000 is not a safe integer number of micro-units',
        }),
      }),
      expect.objectContaining({
        partnerId: 'p-2',
        step: 'daily-run',
        error: expect.objectContaining({ name: 'RangeError' }),
      }),
    ]);
    const metrics = lines.filter((line) => line._aws !== undefined);
    expect(metrics).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: 'PrepaidBilling',
              Dimensions: [expect.arrayContaining(['service', 'run'])],
              Metrics: [{ Name: 'PartnerWorkFailed', Unit: 'Count' }],
            }),
          ],
        }),
        service: 'prepaid-billing',
        run: 'daily',
        PartnerWorkFailed: 2,
      }),
    ]);
  });

  it('writes nothing when no partner failed', () => {
    expect(reportedLines(({ reportPartnerFailures }) => reportPartnerFailures('monthly', []))).toEqual([]);
  });
});
