/**
 * The recharge harness plus the monthly license fee on the same table: a fee schedule of
 * 25.00 EUR and 27.00 USD per number, numbers that put their partner on the licensed
 * list as registration will, and the monthly run and the daily retry at the times a
 * schedule would start them.
 */
import { DynamoDbLicenseRepository } from '../../functions/adapters/dynamodb/license-repository';
import type { Invoice } from '../../functions/domain/recharge/charge-attempt';
import { parseLicenseFeeSchedule } from '../../functions/domain/monthly/license-fee';
import {
  type LicenseFeeResult,
  type MonthlyRunDependencies,
  type MonthlyRunSummary,
  retryDueLicenseFees,
  retryLicenseFees,
  runMonthlyLicenseFees,
} from '../../functions/domain/monthly/license-fees';
import type { CardProvider } from '../../functions/domain/card-provider';
import { wireMonthlyRun } from '../../functions/wiring/recharge';
import { RechargeHarness } from './recharge-harness';

const FEES = parseLicenseFeeSchedule({ EUR: '25.00', USD: '27.00' });

export class LicenseHarness {
  readonly licenses: DynamoDbLicenseRepository;
  /** The card provider of the runs: the recharge harness's sandbox, unless a test puts another around it. */
  provider: CardProvider;

  private constructor(readonly recharge: RechargeHarness) {
    this.licenses = new DynamoDbLicenseRepository(recharge.table.client, recharge.table.tableName);
    this.provider = recharge.provider;
  }

  /** The run's ports, with the recharge harness's fault points around them. */
  get deps(): MonthlyRunDependencies {
    return wireMonthlyRun({ ...this.recharge.wiring, provider: this.provider, fees: FEES });
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

  /** The monthly run scheduled at 00:00 UTC on the 1st of `month` (YYYY-MM). */
  runMonth(month: string, pageSize?: number): Promise<MonthlyRunSummary> {
    const scheduledAt = new Date(`${month}-01T00:00:00.000Z`);
    this.recharge.clock.set(scheduledAt);
    return runMonthlyLicenseFees(scheduledAt, this.deps, pageSize);
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
