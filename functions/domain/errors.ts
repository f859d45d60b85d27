/**
 * Typed domain errors. Each carries a stable `code`; the API maps it to a problem+json
 * `type`, ingestion maps it to a dead-letter reason. Nothing else inspects messages.
 */
export class DomainError extends Error {
  /** Set by each subclass; the class is not abstract so the API's router can match it as a constructor. */
  declare readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidAmountError extends DomainError {
  readonly code = 'invalid-amount';
}

export class UnsupportedCurrencyError extends DomainError {
  readonly code = 'unsupported-currency';
}

export class CurrencyMismatchError extends DomainError {
  readonly code = 'currency-mismatch';

  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`amount is in ${actual} but the partner's contract currency is ${expected}; amounts are never converted`);
  }
}

/** An amount beyond the money range of docs/contract.md. */
export class AmountOutOfRangeError extends DomainError {
  static readonly code = 'amount-out-of-range';
  readonly code = AmountOutOfRangeError.code;
}

export class InvalidPartnerIdError extends DomainError {
  readonly code = 'invalid-partner-id';
}

export class UnknownPartnerError extends DomainError {
  readonly code = 'unknown-partner';

  constructor(readonly partnerId: string) {
    super(`partner "${partnerId}" does not exist`);
  }
}

export class PartnerExistsError extends DomainError {
  readonly code = 'partner-exists';

  constructor(readonly partnerId: string) {
    super(`partner "${partnerId}" already exists with other details; a partner id is created once`);
  }
}

/** The same idempotency key was posted before with other content (TigerBeetle's "exists with different fields"). */
export class PostingConflictError extends DomainError {
  readonly code = 'posting-conflict';

  constructor(readonly entryId: string) {
    super(
      `ledger entry "${entryId}" was already posted with a different amount or kind; an idempotency key is used for one movement only`,
    );
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = 'invalid-cursor';
}
