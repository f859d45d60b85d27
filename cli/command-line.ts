/**
 * The operator command line, `npx prepaid-billing <command>` (README, "Operating it"):
 * dead letters, event replays, a partner's story and the runs, against a deployed stack
 * (`--stack <name>`) or the system `npm start` runs (`--local`). Reports go to `out`
 * (JSON with `--json`), progress and errors to `err`; the answer is the exit code: 0 when
 * done, 1 when the system could not do it, 2 when the command line was wrong.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Command, Report } from './command';
import { COMMANDS } from './commands';
import { localTarget } from './local-target';
import { OperatorError, UsageError, explainAwsError } from './operator-errors';
import { progressOn } from './progress';
import { stackTarget } from './stack-target';
import type { Target } from './target';

const GLOBAL_OPTIONS = {
  stack: { type: 'string' },
  local: { type: 'boolean' },
  port: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** `npm start`'s default port (its PORT). */
const DEFAULT_LOCAL_PORT = 8080;

export interface Terminal {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export async function runCommandLine(args: readonly string[], terminal: Terminal): Promise<number> {
  let target: Target | undefined;
  try {
    const { command, operands, options } = parseCommandLine(args);
    if (command === undefined) {
      (options.help === true ? terminal.out : terminal.err)(helpText());
      return options.help === true ? 0 : 2;
    }
    if (options.help === true) {
      terminal.out(
        `usage: npx prepaid-billing ${command.usage} (--stack <name> | --local [--port <n>]) [--json]\n${command.summary}`,
      );
      return 0;
    }
    target = await openTarget(options, terminal.env);
    const report: Report = await command.run(target, { operands, options }, progressOn(terminal.err));
    terminal.out(options.json === true ? JSON.stringify(report.json, null, 2) : report.text);
    return report.exitCode ?? 0;
  } catch (error) {
    const explained = explainAwsError(error);
    if (explained instanceof OperatorError) {
      terminal.err(`prepaid-billing: ${explained.message}`);
      return explained.exitCode;
    }
    terminal.err(
      `prepaid-billing: ${explained instanceof Error ? (explained.stack ?? explained.message) : String(explained)}`,
    );
    return 1;
  } finally {
    target?.close();
  }
}

interface CommandLine {
  readonly command?: Command;
  readonly operands: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Two passes: the words are found knowing every option (so an option's value is not taken
 * for a word), then the command's own options are checked strictly.
 */
function parseCommandLine(args: readonly string[]): CommandLine {
  const everyOption = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options));
  const loose = parseArgs({ args: [...args], options: everyOption, strict: false, allowPositionals: true });
  const words = loose.positionals;
  const command = [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((candidate) => candidate.words.every((word, index) => words[index] === word));
  if (command === undefined) {
    if (words.length === 0) return { operands: [], options: loose.values };
    throw new UsageError(`there is no command ${words.join(' ')}: see npx prepaid-billing --help`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)} (npx prepaid-billing ${command.usage})`,
    );
  }
  const operands = parsed.positionals.slice(command.words.length);
  if (operands.length > command.operands.length)
    throw new UsageError(`too many words: npx prepaid-billing ${command.usage}`);
  return { command, operands, options: parsed.values };
}

async function openTarget(options: CommandLine['options'], env: Terminal['env']): Promise<Target> {
  const { stack, local, port } = options;
  if (typeof stack === 'string' && local === true) throw new UsageError('give --stack or --local, not both');
  if (typeof stack === 'string') return stackTarget(stack);
  if (local !== true)
    throw new UsageError(
      'say which system: --stack <name> for a deployed stack (PrepaidBilling in the README), or --local for npm start',
    );
  const given = typeof port === 'string' ? port : (env.PORT ?? String(DEFAULT_LOCAL_PORT));
  if (!/^\d{1,5}$/.test(given) || Number(given) > 65_535) throw new UsageError(`--port ${given} is not a port number`);
  return localTarget(Number(given));
}

function helpText(): string {
  return [
    'usage: npx prepaid-billing <command> (--stack <name> | --local [--port <n>]) [--json]',
    '',
    ...COMMANDS.flatMap((command) => [`  ${command.usage}`, `      ${command.summary}`]),
    '',
    '  --stack <name>  a deployed stack, found by its outputs; credentials and region as for the AWS CLI (AWS_PROFILE, AWS_REGION)',
    `  --local         the system npm start runs on this machine, on --port or its PORT (${DEFAULT_LOCAL_PORT})`,
    '  --json          the report as JSON; progress and errors go to stderr either way',
  ].join('\n');
}
