/**
 * What the command line tells the person at the terminal when it cannot do what was
 * asked: a sentence saying what is wrong and what to do, never a stack trace.
 */

/** Something the operator can put right: a wrong name, a system not answering, missing credentials. */
export class OperatorError extends Error {
  readonly exitCode: number = 1;
}

/** A command line that names no command, an unknown one, or options the command does not take. */
export class UsageError extends OperatorError {
  override readonly exitCode: number = 2;
}

/** Errors of the AWS SDK a person can act on, in words; any other error is returned as it is. */
export function explainAwsError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'CredentialsProviderError')
    return new OperatorError(
      'no AWS credentials were found: sign in (aws sso login, or AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account of the stack, or use --local for npm start',
    );
  if (error.message.includes('Region is missing'))
    return new OperatorError(
      'no AWS region is set: set AWS_REGION (or the region of your AWS_PROFILE) to the region of the stack',
    );
  if (['ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException'].includes(error.name))
    return new OperatorError(`the AWS credentials were refused (${error.message}): sign in again`);
  if (['AccessDenied', 'AccessDeniedException'].includes(error.name))
    return new OperatorError(`AWS refused it: ${error.message}`);
  return error;
}
