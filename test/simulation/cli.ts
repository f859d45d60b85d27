/**
 * `npm run simulate -- --seed N --steps M [--seeds A-B]`: starts its own DynamoDB Local
 * in memory, runs the simulator for each seed, prints the figures, and exits non-zero
 * when an invariant broke. DynamoDB Local is stopped whatever happens.
 */
import '../../bench/support/quiet-output';
import { killOnExit, startDynamoDbLocal } from '../../local/dynamodb-local';
import { formatFigures } from './figures';
import { runSimulation } from './simulator';

interface Arguments {
  readonly seeds: readonly number[];
  readonly steps: number;
}

function parseArguments(argv: readonly string[]): Arguments {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index === -1 ? undefined : argv[index + 1];
  };
  const steps = Number(value('steps') ?? '2000');
  const range = value('seeds');
  let seeds: number[];
  if (range !== undefined) {
    const [from, to] = range.split('-').map(Number);
    if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to) || to < from)
      throw new Error(`--seeds takes a range such as 2-21, got "${range}"`);
    seeds = Array.from({ length: to - from + 1 }, (_, index) => from + index);
  } else {
    seeds = [Number(value('seed') ?? '1')];
  }
  if (!Number.isInteger(steps) || steps < 1 || seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) {
    throw new Error('usage: npm run simulate -- --seed N --steps M   (or --seeds A-B for several seeds)');
  }
  return { seeds, steps };
}

/**
 * Powertools warns on stderr after every invocation that stored no metric, which is what
 * an invocation the simulator crashes early leaves: thousands of lines that would bury
 * the progress and a broken invariant.
 */
function muteEmptyMetricsWarnings(): void {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).startsWith('No application metrics to publish')
      ? true
      : write(chunk, ...rest)) as typeof process.stderr.write;
}

async function main(): Promise<number> {
  muteEmptyMetricsWarnings();
  const { seeds, steps } = parseArguments(process.argv.slice(2));
  const dynamoDb = await startDynamoDbLocal();
  killOnExit(dynamoDb);
  let broken = 0;
  try {
    for (const seed of seeds) {
      try {
        const figures = await runSimulation({
          seed,
          steps,
          dynamoDbEndpoint: dynamoDb.endpoint,
          onProgress: (step) => {
            if (step % 1000 === 0) process.stderr.write(`seed ${seed}: step ${step}/${steps}\n`);
          },
        });
        console.log(formatFigures(figures));
        console.log('');
      } catch (error) {
        broken += 1;
        console.error(error instanceof Error ? error.message : error);
      }
    }
  } finally {
    await dynamoDb.stop();
  }
  return broken === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
