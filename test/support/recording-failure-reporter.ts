/** A PartnerFailureReporter that keeps what a handler reported, for assertions; the default reporter has its own test. */
import type { PartnerRun } from '../../definitions/service';
import type { PartnerFailure } from '../../functions/domain/partner-failure';
import type { PartnerFailureReporter } from '../../functions/handlers/partner-failures';

export interface ReportedFailure extends PartnerFailure {
  readonly run: PartnerRun;
  readonly context: Readonly<Record<string, unknown>>;
}

export class RecordingFailureReporter {
  readonly reported: ReportedFailure[] = [];

  readonly report: PartnerFailureReporter = (run, failures, context = {}) => {
    this.reported.push(...failures.map((failure) => ({ ...failure, run, context })));
  };

  of(partnerId: string): ReportedFailure[] {
    return this.reported.filter((failure) => failure.partnerId === partnerId);
  }
}
