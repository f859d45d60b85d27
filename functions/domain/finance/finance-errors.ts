/** Errors of finance payments and monthly reconciliation; the API maps each `code` like the shared ones in ../errors.ts. */
import { DomainError } from '../errors';

export class InvalidPaymentReferenceError extends DomainError {
  readonly code = 'invalid-payment-reference';
}

export class InvalidPaymentAmountError extends DomainError {
  readonly code = 'invalid-payment-amount';
}

/** A month still running (or in the future) cannot be reconciled: its usage is not final. */
export class PeriodNotClosedError extends DomainError {
  readonly code = 'period-not-closed';

  constructor(readonly period: string) {
    super(`period ${period} is not over yet; a month is reconciled once, after it ended`);
  }
}

/** A month before the partner's account was opened: it had no usage of this service to reconcile. */
export class PeriodBeforeAccountError extends DomainError {
  readonly code = 'period-before-account';

  constructor(
    readonly partnerId: string,
    readonly period: string,
    readonly firstMonth: string,
  ) {
    super(
      `period ${period} is before partner "${partnerId}" was created; its first month is ${firstMonth}, the earliest that can be reconciled`,
    );
  }
}

/** The month was reconciled before with another upstream amount. */
export class ReconciliationConflictError extends DomainError {
  readonly code = 'reconciliation-conflict';

  constructor(
    readonly partnerId: string,
    readonly period: string,
    readonly recordedActual: string,
  ) {
    super(
      `period ${period} of partner "${partnerId}" was already reconciled with an actual amount of ${recordedActual}; a month is reconciled once`,
    );
  }
}
