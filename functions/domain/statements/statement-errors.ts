/** Why a statement cannot be read yet; the API maps each `code` like the shared ones in ../errors.ts. */
import { DomainError } from '../errors';

/** A month still running (or in the future) has no statement: its figures still move. */
export class MonthNotOverError extends DomainError {
  readonly code = 'period-not-closed';

  constructor(readonly period: string) {
    super(`period ${period} is not over yet; its statement can be read once the month has ended and been closed`);
  }
}

/** The month is over, but the daily run after its end has not closed the partner's figures yet. */
export class StatementNotReadyError extends DomainError {
  readonly code = 'statement-not-ready';

  constructor(
    readonly partnerId: string,
    readonly period: string,
  ) {
    super(
      `the statement of ${period} for partner "${partnerId}" is not ready: the first daily run after the month's end (00:00 UTC) closes its figures and publishes StatementReady; ask again then`,
    );
  }
}

/** A month before the partner's account was opened has no statement. */
export class MonthBeforeAccountError extends DomainError {
  readonly code = 'period-before-account';

  constructor(
    readonly partnerId: string,
    readonly period: string,
    readonly firstMonth: string,
  ) {
    super(`period ${period} is before partner "${partnerId}" was created; its first statement is of ${firstMonth}`);
  }
}
