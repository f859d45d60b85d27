/**
 * Statement and reconciliation benchmark: the read units of a partner's statement (JSON
 * and PDF, through the API handler) and of the reconciliation of its month, for a month
 * of 1,000 and one of 1,000,000 usage events, written in the table's shape on DynamoDB
 * Local (bench/support/statement-month.ts). Both months have the same categories,
 * channels and other movements. The target is equal read units: reading a month costs the
 * same whatever its number of events. For contrast, it also reads each month's ledger
 * with the range query reconciliation used before the month figures.
 *
 *   npx tsx bench/statement-read.ts      or      npm run bench:statement-read
 */
import './support/quiet-output';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { ledgerPartition } from '../functions/adapters/dynamodb/keys';
import { SandboxPaymentProvider } from '../functions/adapters/payments/sandbox-payment-provider';
import { formatAmount, parseAmount } from '../functions/domain/money';
import { monthRange } from '../functions/domain/month';
import type { RechargeRequests } from '../functions/domain/ports';
import { createApiHandler } from '../functions/handlers/api';
import { apiDependencies } from '../functions/wiring/api';
import { wireRecharge } from '../functions/wiring/recharge';
import { apiGatewayEvent } from '../local/api-gateway-event';
import { lambdaContext } from '../local/lambda-context';
import { textTable } from '../scripts/text-table';
import { CapacityMeter, type CapacityTally } from './support/daily-meter';
import { batchWriteAll } from './support/floor';
import { startLocalServices } from './support/local-services';
import { CHANNELS, MONTH, type StatementMonth, statementMonth } from './support/statement-month';

const SIZES = [1_000, 1_000_000] as const;
const NOW = new Date('2026-12-05T10:00:00Z');
const SEED_WRITES_IN_FLIGHT = 8;

/** No recharge is due in this run: the balances stay far above their threshold. */
class NoRecharges implements RechargeRequests {
  requested = 0;
  async request(): Promise<void> {
    this.requested += 1;
  }
}

interface Figures {
  readonly month: StatementMonth;
  readonly json: CapacityTally;
  readonly pdf: CapacityTally;
  readonly reconciliation: CapacityTally;
  readonly ledgerQuery: CapacityTally;
  readonly ledgerItemsRead: number;
}

/** Read units as DynamoDB bills them: an empty query still costs 0.5 (1 when consistent). */
const billed = (tally: CapacityTally) =>
  tally.readUnits + tally.emptyQueries.eventual * 0.5 + tally.emptyQueries.consistent;

async function main(): Promise<void> {
  const started = performance.now();
  const services = await startLocalServices();
  const admin = createDocumentClient({ endpoint: services.dynamoDbEndpoint });
  const measured = createDocumentClient({ endpoint: services.dynamoDbEndpoint });
  const meter = new CapacityMeter();
  meter.attach(measured);
  try {
    const months = SIZES.map((events) => statementMonth(`bench-statement-${events}`, events));
    const seedStarted = performance.now();
    for (const month of months) await batchWriteAll(admin, services.tableName, month.items, SEED_WRITES_IN_FLIGHT);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const clock = { now: () => NOW };
    const provider = new SandboxPaymentProvider({ now: () => NOW });
    const recharges = new NoRecharges();
    const handler = createApiHandler(
      apiDependencies(
        wireRecharge({ dynamoDb: measured, tableName: services.tableName, provider, clock }),
        provider,
        measured,
        services.tableName,
        'bench operator',
        recharges,
      ),
    );
    const call = async (method: string, path: string, accept: string, body?: unknown) => {
      const answer = await handler(
        apiGatewayEvent({
          method,
          path,
          query: {},
          headers: { host: 'bench', accept, 'content-type': 'application/json' },
          body: body === undefined ? null : JSON.stringify(body),
        }),
        lambdaContext('api'),
      );
      if (answer.statusCode >= 300) throw new Error(`${method} ${path}: ${answer.statusCode} ${answer.body}`);
      return answer;
    };

    const figures: Figures[] = [];
    for (const month of months) {
      const statement = `/partners/${month.partnerId}/statements/${MONTH}`;
      meter.take();
      const json = JSON.parse((await call('GET', statement, 'application/json')).body) as { usage: { amount: string } };
      const jsonTally = meter.take();
      await call('GET', statement, 'application/pdf');
      const pdfTally = meter.take();
      // An upstream invoice 1.00 above the estimate: the reconciliation books a debit.
      const actual = formatAmount((month.usage + parseAmount('1.00')) as typeof month.usage);
      await call('POST', `/partners/${month.partnerId}/reconciliations`, 'application/json', {
        period: MONTH,
        actualAmount: actual,
      });
      const reconciliationTally = meter.take();
      if (json.usage.amount !== formatAmount(month.usage))
        throw new Error(
          `${month.partnerId}: the statement's usage ${json.usage.amount} is not ${formatAmount(month.usage)}`,
        );
      const ledgerItemsRead = await readLedgerMonth(measured, services.tableName, month.partnerId);
      figures.push({
        month,
        json: jsonTally,
        pdf: pdfTally,
        reconciliation: reconciliationTally,
        ledgerQuery: meter.take(),
        ledgerItemsRead,
      });
    }
    if (recharges.requested > 0) throw new Error(`${recharges.requested} recharges were requested: none is due`);
    report(figures, { seedSeconds, totalSeconds: (performance.now() - started) / 1000 });
  } finally {
    admin.destroy();
    measured.destroy();
    await services.stop();
  }
}

/** The month's ledger read as reconciliation read it before the month figures: a range query, usage only. */
async function readLedgerMonth(
  client: ReturnType<typeof createDocumentClient>,
  tableName: string,
  partnerId: string,
): Promise<number> {
  const { start, end } = monthRange(MONTH);
  let read = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const { ScannedCount: scanned = 0, LastEvaluatedKey: last } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: '#kind = :usage',
        ProjectionExpression: '#kind, amount, postedAt',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':pk': ledgerPartition(partnerId),
          ':from': start.toISOString(),
          ':to': end.toISOString(),
          ':usage': 'usage',
        },
        ConsistentRead: true,
        ...(startKey !== undefined && { ExclusiveStartKey: startKey }),
      }),
    );
    read += scanned;
    startKey = last;
  } while (startKey !== undefined);
  return read;
}

function report(figures: readonly Figures[], times: { seedSeconds: number; totalSeconds: number }): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const int = (value: number) => Math.round(value).toLocaleString('en-US');
  const units = (tally: CapacityTally) =>
    `${billed(tally).toFixed(1)} (${[...tally.requests.values()].reduce((a, b) => a + b, 0)} req)`;
  out(
    `Statement and reconciliation reads of one partner's month (${MONTH}): 3 categories, ${CHANNELS} channels (4 on the partner item, ${CHANNELS - 4} in items of their own), 2 recharges and a payment; DynamoDB Local in memory`,
  );
  out('Read units as DynamoDB bills them (reported, plus 0.5 or 1 for each empty query); writes are not counted.');
  out();
  const rows = [
    [
      'usage events',
      'ledger entries',
      'statement JSON RCU',
      'statement PDF RCU',
      'reconciliation RCU',
      'ledger range query RCU (before)',
    ],
    ...figures.map((row) => [
      int(row.month.events),
      int(row.month.ledgerEntries),
      units(row.json),
      units(row.pdf),
      units(row.reconciliation),
      `${billed(row.ledgerQuery).toFixed(1)} (${int(row.ledgerItemsRead)} entries)`,
    ]),
  ];
  for (const line of textTable(rows)) out(line);
  out();
  const [small, large] = figures;
  if (small !== undefined && large !== undefined) {
    const same = (pick: (row: Figures) => CapacityTally) => billed(pick(small)) === billed(pick(large));
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    out(
      `Target: equal read units for ${int(small.month.events)} and ${int(large.month.events)} events. Statement JSON ${verdict(same((row) => row.json))}, PDF ${verdict(same((row) => row.pdf))}, reconciliation ${verdict(same((row) => row.reconciliation))}`,
    );
    if (!same((row) => row.json) || !same((row) => row.pdf) || !same((row) => row.reconciliation)) process.exitCode = 1;
  }
  out(`Untimed: the months written in ${times.seedSeconds.toFixed(0)} s. Whole run ${times.totalSeconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
