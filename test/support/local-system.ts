/**
 * `npm start` as a user runs it, in its own process group on free ports and a data
 * folder of the test's: waits for the ready line, talks HTTP to it, and stops it the way
 * Ctrl-C in a terminal does (SIGINT to the whole group).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../local/dynamodb-local';

const PROJECT_ROOT = resolve(__dirname, '../..');
const READY_LINE = 'prepaid-billing is running';

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: an answer is JSON of any shape; the tests' assertions check it.
  readonly body: any;
}

export class LocalSystem {
  private constructor(
    private readonly child: ChildProcess,
    private readonly output: string[],
    readonly apiUrl: string,
  ) {}

  static async start(dataDir: string, timeoutMs = 150_000): Promise<LocalSystem> {
    const [api, dynamoDb, sqs] = [await freePort(), await freePort(), await freePort()];
    const child = spawn('npm', ['start'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PORT: String(api),
        DYNAMODB_PORT: String(dynamoDb),
        SQS_PORT: String(sqs),
        LOCAL_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const output: string[] = [];
    const ready = new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`npm start was not ready within ${timeoutMs} ms:\n${output.join('')}`)),
        timeoutMs,
      );
      const watch = (chunk: Buffer) => {
        output.push(chunk.toString());
        if (output.join('').includes(READY_LINE)) {
          clearTimeout(timer);
          done();
        }
      };
      child.stdout?.on('data', watch);
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`npm start exited with ${code} before it was ready:\n${output.join('')}`));
      });
    });
    try {
      await ready;
    } catch (error) {
      stopGroup(child, 'SIGKILL');
      throw error;
    }
    return new LocalSystem(child, output, `http://127.0.0.1:${api}`);
  }

  async call(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: text === '' ? undefined : JSON.parse(text),
    };
  }

  /** What the system printed so far. */
  get log(): string {
    return this.output.join('');
  }

  /**
   * Ctrl-C: SIGINT to the whole process group (npm dies of it; the system stops its
   * services, then exits). Resolves once no process of the group is left.
   */
  async stop(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    stopGroup(this.child, 'SIGINT');
    while (groupAlive(this.child)) {
      if (Date.now() > deadline) {
        stopGroup(this.child, 'SIGKILL');
        throw new Error(`npm start did not stop within ${timeoutMs} ms of SIGINT:\n${this.log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function groupAlive(child: ChildProcess): boolean {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 0);
    return child.pid !== undefined;
  } catch {
    return false;
  }
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}
