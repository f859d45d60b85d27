/**
 * A command of the operator command line: the words that name it, the options it takes,
 * and what it does against a target. Each answers a report the person reads by default,
 * or the same facts as JSON with `--json`.
 */
import type { ParseArgsConfig } from 'node:util';
import type * as z from 'zod';
import { UsageError } from './operator-errors';
import type { Progress } from './progress';
import type { Target } from './target';

export interface Report {
  readonly json: unknown;
  readonly text: string;
  /** 1 when part of the work could not be done (the report says which); 0 otherwise. */
  readonly exitCode?: number;
}

export interface CommandInput {
  /** The words after the command's own, e.g. the queue of `dlq list <queue>`. */
  readonly operands: readonly string[];
  /** The command's own options, as given; each command parses those it takes. */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface Command {
  /** The words that name it: `['dlq', 'list']`. */
  readonly words: readonly string[];
  /** How it is called, for the help text: `dlq list <queue> [--limit <n>]`. */
  readonly usage: string;
  readonly summary: string;
  readonly operands: readonly string[];
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(target: Target, input: CommandInput, progress: Progress): Promise<Report>;
}

/** The options parsed by a schema, or a usage error naming each option that is wrong. */
export function parseOptions<T extends z.ZodType>(schema: T, options: CommandInput['options']): z.output<T> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`.replace(/^--: /, '')).join('; '),
  );
}
