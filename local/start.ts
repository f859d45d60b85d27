/**
 * `npm start`: runs the whole system on this machine (see local-runtime.ts) until Ctrl-C.
 * Settings come from the environment: PORT (API, 8080), DYNAMODB_PORT (8000), SQS_PORT
 * (9324), LOCAL_DATA_DIR (.local-data); the operator's name, the license fees, the usage
 * future margin and the top-up bounds from the deployment settings in cdk.json, read as a
 * deployment reads them.
 */
import './observability-defaults';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DeploymentSettings, readDeploymentSettings } from '../definitions/deployment-settings';
import { parseAmount } from '../functions/domain/money';
import { type LocalRuntime, startLocalRuntime } from './local-runtime';
import { assertPortFree } from './port-check';

const PROJECT_ROOT = resolve(__dirname, '..');

async function main(): Promise<void> {
  const startedAt = Date.now();
  const ports = {
    PORT: portOf('PORT', 8080),
    DYNAMODB_PORT: portOf('DYNAMODB_PORT', 8000),
    SQS_PORT: portOf('SQS_PORT', 9324),
  };
  for (const [setting, port] of Object.entries(ports)) await assertPortFree(port, setting);
  const settings = cdkJsonSettings();
  const runtime = await startLocalRuntime({
    apiPort: ports.PORT,
    dynamoDbPort: ports.DYNAMODB_PORT,
    sqsPort: ports.SQS_PORT,
    dataDir: resolve(process.env.LOCAL_DATA_DIR ?? join(PROJECT_ROOT, '.local-data')),
    operatorName: settings.operatorName,
    licenseFees: settings.licenseFees,
    futureMarginMs: settings.usageFutureMarginSeconds * 1000,
    topUpBounds: { minimum: parseAmount(settings.topUpMinimum), maximum: parseAmount(settings.topUpMaximum) },
    tell: (line) => console.log(line),
  });
  stopOnSignals(runtime);
  console.log(summary(runtime, (Date.now() - startedAt) / 1000));
}

function portOf(setting: string, fallback: number): number {
  const text = process.env[setting];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${setting} must be a port number (1-65535), not "${text}"`);
  return port;
}

function cdkJsonSettings(): DeploymentSettings {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const context = cdkJson.context ?? {};
  return readDeploymentSettings((key) => context[key], Object.keys(context));
}

/**
 * Ctrl-C reaches this process more than once: from the terminal to the whole process
 * group, and again relayed by npm and tsx. Only a second press, later than that echo,
 * stops at once instead of cleanly.
 */
const SIGNAL_ECHO_MS = 2_000;

function stopOnSignals(runtime: LocalRuntime): void {
  let firstAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < SIGNAL_ECHO_MS) return;
      console.log('stopping at once');
      process.exit(1);
    }
    firstAt = Date.now();
    console.log(`\n${signal}: stopping (Ctrl-C again to stop at once)`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function summary(runtime: LocalRuntime, seconds: number): string {
  const api = runtime.apiUrl;
  const { info } = runtime;
  return `prepaid-billing is running (ready in ${seconds.toFixed(1)} s)

  API              ${api}
  local info       ${api}/local/info
  test clock       ${api}/local/clock
  DynamoDB Local   ${info.dynamoDbEndpoint}  (table ${info.tableName})
  SQS emulator     ${info.sqsEndpoint}
  usage queue      ${info.usageQueueUrl}
  dead letters     ${info.deadLetterQueueUrl}
  events           ${info.eventLog}
  Stripe webhook   ${info.stripeWebhookUrl}  (the sandbox's events, signed with the secret in /local/info)
  card pages       ${api}/local/pages/setup/<session> · ${api}/local/pages/authenticate/<charge>

Try (the README's "Five minutes with it" goes on: usage, a declined card, the block, a payment):
  curl -s -X POST ${api}/partners -H 'content-type: application/json' \\
    -d '{"partnerId":"partner-1","currency":"EUR","paymentMethod":"pm_card_visa"}'
  curl -s ${api}/partners/partner-1/balance
  curl -s -X POST ${api}/local/clock/advance -H 'content-type: application/json' -d '{"to":"<a later ISO-8601 time>"}'

Ctrl-C stops it; the data stays in the data folder for the next start.`;
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
