/**
 * Starts the SQS emulator (the `fauxqs` package) inside this process on a loopback port,
 * waits until it answers, and stops it again. All its state is in memory. Used by the
 * test harness.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BuildAppOptions } from 'fauxqs';
import { waitUntilAnswering } from './wait-until-answering';

type Fauxqs = typeof import('fauxqs');
type FauxqsSqsStore = typeof import('fauxqs/dist/sqs/sqsStore');

export interface SqsEmulatorOptions {
  /** Defaults to a free port chosen by the OS. */
  readonly port?: number;
  readonly startupTimeoutMs?: number;
}

export interface RunningSqsEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

// fauxqs ships as an ES module only, and this project compiles to CommonJS, where a
// written `import()` becomes `require()`. A function built at run time keeps the real
// `import()`, resolved from this file like any other import.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<RunningSqsEmulator> {
  let fauxqs: Fauxqs;
  let sqsStore: InstanceType<FauxqsSqsStore['SqsStore']>;
  try {
    fauxqs = (await importModule('fauxqs')) as Fauxqs;
    sqsStore = new ((await importModule(fauxqsFile('dist/sqs/sqsStore.js'))) as FauxqsSqsStore).SqsStore();
  } catch (error) {
    throw new Error(`the SQS emulator could not be loaded from the "fauxqs" package: ${messageOf(error)}`, {
      cause: error,
    });
  }
  // fauxqs names a queue http://sqs.<region>.localhost:<port>/<account>/<name> unless its
  // store has no host: then after the address the client reached it at, here
  // http://127.0.0.1:<port>/<account>/<name>. Only the latter resolves for Node.js, Python
  // or the AWS CLI. fauxqs finds a queue by its exact URL, so every client uses this one.
  sqsStore.host = '';
  // buildApp and not startFauxqs: startFauxqs always listens on every interface. buildApp
  // also ignores the FAUXQS_* variables, so the environment cannot change a test run. It
  // makes the SNS and S3 stores it is not given.
  const app = fauxqs.buildApp({ logger: false, stores: { sqsStore } as BuildAppOptions['stores'] });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= app.close().then(() => undefined));
  // Port 0 lets the OS pick a free port at bind time, so no other process can take it
  // between choosing and listening.
  const requestedPort = options.port ?? 0;
  try {
    await app.listen({ host: '127.0.0.1', port: requestedPort });
  } catch (error) {
    await stop();
    throw new Error(`the SQS emulator could not listen on 127.0.0.1:${requestedPort}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) {
    await stop();
    throw new Error(`the SQS emulator reported no TCP address (${String(address)})`);
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  try {
    await answers(endpoint, options.startupTimeoutMs ?? 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

/**
 * A file of the fauxqs package, as a URL `import()` takes. The package exports only its
 * entry point, which has no way to unset the queue URL host.
 */
function fauxqsFile(path: string): string {
  const packageDir = (require.resolve.paths('fauxqs') ?? [])
    .map((dir) => join(dir, 'fauxqs'))
    .find((dir) => existsSync(join(dir, path)));
  if (packageDir === undefined) throw new Error(`${path} was not found in the "fauxqs" package`);
  return pathToFileURL(join(packageDir, path)).href;
}

async function answers(endpoint: string, timeoutMs: number): Promise<void> {
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    await waitUntilAnswering(
      'the SQS emulator',
      endpoint,
      () => client.send(new ListQueuesCommand({ MaxResults: 1 })),
      timeoutMs,
    );
  } finally {
    client.destroy();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
