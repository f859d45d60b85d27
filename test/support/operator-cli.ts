/**
 * Runs the operator command line against the `npm start` of a test and answers what it
 * printed and its exit code: in the test's process (the same code the bin runs, without
 * a second start of Node and the AWS SDK per command), or through the package's bin and
 * npx as an operator types it.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { runCommandLine } from '../../cli/command-line';

const PROJECT_ROOT = resolve(__dirname, '../..');
const BIN = resolve(PROJECT_ROOT, 'bin/prepaid-billing.js');

export interface CliAnswer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class OperatorCli {
  constructor(private readonly apiUrl: string) {}

  /** `npx prepaid-billing <args> --local --port <the system's>`, in this process. */
  run(...args: string[]): Promise<CliAnswer> {
    return runInProcess([...args, '--local', '--port', new URL(this.apiUrl).port]);
  }

  /** The command's report with `--json`, failing the test when it did not succeed. */
  // biome-ignore lint/suspicious/noExplicitAny: a report is JSON of any shape; the tests' assertions check it.
  async json(...args: string[]): Promise<any> {
    const answer = await this.run(...args, '--json');
    if (answer.code !== 0) throw new Error(`prepaid-billing ${args.join(' ')} exited ${answer.code}: ${answer.stderr}`);
    return JSON.parse(answer.stdout);
  }
}

/** The command line with these arguments alone, in this process. */
export async function runInProcess(args: readonly string[]): Promise<CliAnswer> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCommandLine(args, {
    out: (text) => stdout.push(`${text}\n`),
    err: (text) => stderr.push(`${text}\n`),
    env: {},
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** The bin with these arguments alone, in this environment (this process's by default). */
export function runBin(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliAnswer> {
  return run(process.execPath, [BIN, ...args], env);
}

/** `npx <args>` in the project, as an operator types it. */
export function runNpx(args: readonly string[]): Promise<CliAnswer> {
  return run('npx', args, process.env);
}

async function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliAnswer> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, [...args], { env, cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
