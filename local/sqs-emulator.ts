/**
 * Starts the SQS emulator (the `fauxqs` package) inside this process on a loopback port,
 * waits until it answers, and stops it again. All its state is in memory. Used by the
 * test harness.
 */
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitUntilAnswering } from './wait-until-answering';

type Fauxqs = typeof import('fauxqs');

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
  try {
    fauxqs = (await importModule('fauxqs')) as Fauxqs;
  } catch (error) {
    throw new Error(`the SQS emulator could not be loaded from the "fauxqs" package: ${messageOf(error)}`, { cause: error });
  }
  // buildApp and not startFauxqs: startFauxqs always listens on every interface. buildApp
  // also ignores the FAUXQS_* variables, so the environment cannot change a test run.
  const app = fauxqs.buildApp({ logger: false });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= app.close().then(() => undefined));
  // Port 0 lets the OS pick a free port at bind time, so no other process can take it
  // between choosing and listening.
  const requestedPort = options.port ?? 0;
  try {
    await app.listen({ host: '127.0.0.1', port: requestedPort });
  } catch (error) {
    await stop();
    throw new Error(`the SQS emulator could not listen on 127.0.0.1:${requestedPort}: ${messageOf(error)}`, { cause: error });
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

async function answers(endpoint: string, timeoutMs: number): Promise<void> {
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    await waitUntilAnswering('the SQS emulator', endpoint, () => client.send(new ListQueuesCommand({ MaxResults: 1 })), timeoutMs);
  } finally {
    client.destroy();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
