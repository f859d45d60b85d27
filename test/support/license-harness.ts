/**
 * The recharge harness plus the monthly license fee on the same table: a fee schedule of
 * 25.00 EUR and 27.00 USD per number, numbers that put their partner on the licensed
 * list as registration will, and the monthly run (its start, and each piece of work it
 * queues run in turn) and the daily retry at the times a schedule would start them.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLicenseRepository } from '../../functions/adapters/dynamodb/license-repository';
import type { Invoice } from '../../functions/domain/recharge/charge-attempt';
import type { Month } from '../../functions/domain/month';
import { type LicenseFeeSchedule, parseLicenseFeeSchedule } from '../../functions/domain/monthly/license-fee';
import {
  type LicenseFeeOutcome,
  type LicenseFeeResult,
  countOutcomes,
  retryDueLicenseFees,
  retryLicenseFees,
} from '../../functions/domain/monthly/license-fees';
import {
  type MonthlyPieceProgress,
  type MonthlyRunDependencies,
  type MonthlyRunStart,
  runMonthlyPiece,
  startMonthlyRun,
} from '../../functions/domain/monthly/monthly-run';
import type { MonthlyWork, MonthlyWorkQueue } from '../../functions/domain/monthly/monthly-run-ports';
import type { CardProvider } from '../../functions/domain/card-provider';
import { wireMonthlyRun } from '../../functions/wiring/recharge';
import { RechargeHarness } from './recharge-harness';

const FEES = parseLicenseFeeSchedule({ EUR: '25.00', USD: '27.00' });

/** The monthly work queue, drained by the harness itself. */
export class QueuedMonthlyWork implements MonthlyWorkQueue {
  readonly pending: MonthlyWork[] = [];

  async enqueue(work: readonly MonthlyWork[]): Promise<void> {
    this.pending.push(...work);
  }
}

/** What one run came to: its start, every piece it ran, and the partners' results of every month. */
export interface MonthlyRunSummary {
  readonly start: MonthlyRunStart;
  readonly pieces: readonly (MonthlyPieceProgress & { readonly work: MonthlyWork })[];
  readonly results: readonly LicenseFeeResult[];
  readonly counts: Readonly<Record<LicenseFeeOutcome, number>>;
}

export interface MonthOptions {
  /** Partners charged at once, a page. */
  readonly pageSize?: number;
  /** Pages a piece works before it runs out of time and queues the rest of its shard. */
  readonly pagesPerPiece?: number;
}

export class LicenseHarness {
  readonly licenses: DynamoDbLicenseRepository;
  readonly work = new QueuedMonthlyWork();
  /** The card provider of the runs: the recharge harness's sandbox, unless a test puts another around it. */
  provider: CardProvider;
  /** The price lists of the runs. */
  fees: LicenseFeeSchedule = FEES;

  private constructor(readonly recharge: RechargeHarness) {
    this.licenses = new DynamoDbLicenseRepository(recharge.table.client, recharge.table.tableName);
    this.provider = recharge.provider;
  }

  /** The run's ports, with the recharge harness's fault points around them. */
  get deps(): MonthlyRunDependencies {
    return wireMonthlyRun({ ...this.recharge.wiring, provider: this.provider, fees: this.fees, work: this.work });
  }

  static async start(): Promise<LicenseHarness> {
    return new LicenseHarness(await RechargeHarness.start());
  }

  stop(): Promise<void> {
    return this.recharge.stop();
  }

  at(time: string): void {
    this.recharge.clock.set(new Date(time));
  }

  /** Registers a number; registration puts its partner on the licensed list. */
  async registerNumber(partnerId: string, phoneNumber: string): Promise<void> {
    await this.recharge.channels.register(partnerId, phoneNumber, this.recharge.clock.now());
  }

  /** Stops hosting a number. */
  async cancelNumber(phoneNumber: string): Promise<void> {
    const channel = await this.recharge.channels.get(phoneNumber);
    if (channel === undefined) throw new Error(`${phoneNumber} is not registered`);
    await this.recharge.channels.cancel(channel.partnerId, phoneNumber, this.recharge.clock.now());
  }

  /** The monthly run scheduled at 00:00 UTC on the 1st of `month` (YYYY-MM): its start, then every piece it queued. */
  async runMonth(month: string, options: MonthOptions = {}): Promise<MonthlyRunSummary> {
    const scheduledAt = new Date(`${month}-01T00:00:00.000Z`);
    this.recharge.clock.set(scheduledAt);
    const start = await startMonthlyRun(scheduledAt, this.deps);
    const pieces = await this.runPieces(options);
    const results = pieces.flatMap((piece) => piece.results);
    return { start, pieces, results, counts: countOutcomes(results) };
  }

  /** Runs the queued pieces of work, and those they queue, until none is left. */
  async runPieces(options: MonthOptions = {}): Promise<MonthlyRunSummary['pieces']> {
    const pieces: MonthlyRunSummary['pieces'][number][] = [];
    for (let work = this.work.pending.shift(); work !== undefined; work = this.work.pending.shift()) {
      let pages = 0;
      const timeLeft = () => {
        pages += 1;
        return pages < (options.pagesPerPiece ?? Number.POSITIVE_INFINITY);
      };
      pieces.push({ work, ...(await runMonthlyPiece(work, this.deps, timeLeft, options.pageSize)) });
    }
    return pieces;
  }

  /** The month's run record, as stored. */
  async runRecord(month: Month): Promise<Record<string, unknown> | undefined> {
    const { Item: item } = await this.recharge.table.client.send(
      new GetCommand({
        TableName: this.recharge.table.tableName,
        Key: { pk: 'RUN#monthly', sk: month },
        ConsistentRead: true,
      }),
    );
    return item;
  }

  /** The daily run's license step for one partner, at 00:00 UTC of `day`. */
  retry(partnerId: string, day: string): Promise<readonly LicenseFeeResult[]> {
    this.at(`${day}T00:00:00.000Z`);
    return retryLicenseFees(partnerId, day, this.deps);
  }

  /** The daily run's license step over every shard, at 00:00 UTC of `day`. */
  async retryAllShards(day: string): Promise<LicenseFeeResult[]> {
    this.at(`${day}T00:00:00.000Z`);
    const results: LicenseFeeResult[] = [];
    for (let shard = 0; shard < this.licenses.shards; shard += 1)
      results.push(...(await retryDueLicenseFees(shard, day, this.deps)));
    return results;
  }

  async licenseInvoices(partnerId: string): Promise<readonly Invoice[]> {
    return (await this.recharge.invoices(partnerId)).filter((invoice) =>
      invoice.lines.some((line) => line.kind === 'license-fee'),
    );
  }
}
