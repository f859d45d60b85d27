/**
 * The simulator inside the suite: a short fixed-seed run must hold every invariant with
 * faults injected, a seed must replay to the same figures, and a system that forgets
 * which usage events it debited must be caught within the same short run.
 */
import { UsageChunk, UsageChunkResult, UsageLedger } from '../../functions/domain/ports';
import { Figures } from './figures';
import { InvariantBroken } from './invariants';
import { runSimulation } from './simulator';

/** Steps of the in-suite run: about two simulated days, a few seconds per hundred steps. */
const SUITE_STEPS = 120;

function endpoint(): string {
  const value = process.env.DYNAMODB_ENDPOINT;
  if (value === undefined) throw new Error('DYNAMODB_ENDPOINT is not set: run the simulator tests through jest');
  return value;
}

/** Everything but the wall time, which is the machine's, not the run's. */
function replayable(figures: Figures): Omit<Figures, 'wallSeconds'> {
  const { wallSeconds: _ignored, ...rest } = figures;
  return rest;
}

/**
 * The rule broken on purpose: every call renames the events it is given, so the dedupe
 * record of an earlier delivery never matches and a redelivered event is debited again.
 */
class ForgetfulUsageLedger implements UsageLedger {
  private calls = 0;

  constructor(private readonly real: UsageLedger) {}

  async debit(chunks: readonly UsageChunk[]): Promise<UsageChunkResult[]> {
    this.calls += 1;
    const suffix = `~${this.calls}`;
    const renamed = chunks.map((chunk) => ({ ...chunk, events: chunk.events.map((event) => ({ ...event, eventId: `${event.eventId}${suffix}` })) }));
    const results = await this.real.debit(renamed);
    return results.map((result) => ({ ...result, fates: new Map([...result.fates].map(([eventId, fate]) => [eventId.slice(0, -suffix.length), fate])) }));
  }
}

describe('Simulator', () => {
  it('holds every invariant through a fixed-seed run with crashes and lost card answers', async () => {
    // Act
    const figures = await runSimulation({ seed: 7, steps: SUITE_STEPS, dynamoDbEndpoint: endpoint() });

    // Assess
    expect(figures.faultsInjected).toBeGreaterThan(0);
    expect(figures.eventsDebited).toBeGreaterThan(0);
    expect(figures.cardCharges.succeeded + figures.cardCharges.declined).toBeGreaterThan(0);
    expect(figures.dailyRuns).toBeGreaterThan(0);
    expect(figures.unexpectedErrors).toEqual([]);
  });

  it('replays a seed to the same figures', async () => {
    // Act
    const first = await runSimulation({ seed: 3, steps: 50, dynamoDbEndpoint: endpoint() });
    const second = await runSimulation({ seed: 3, steps: 50, dynamoDbEndpoint: endpoint() });

    // Assess
    expect(replayable(second)).toEqual(replayable(first));
  });

  it('reports invariant 2 with the seed and step to replay when redelivered events are debited again', async () => {
    // Act
    const run = runSimulation({
      seed: 7,
      steps: SUITE_STEPS,
      dynamoDbEndpoint: endpoint(),
      variant: { name: 'forgetful usage ledger', usageLedger: (real) => new ForgetfulUsageLedger(real) },
    });

    // Assess
    const broken = await run.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(broken).toBeInstanceOf(InvariantBroken);
    expect((broken as InvariantBroken).invariant).toBe(2);
    expect((broken as InvariantBroken).message).toMatch(/^invariant 2 \(.+\) broken at seed 7 step \d+: .+\. Replay: npm run simulate -- --seed 7 --steps 120$/);
  });
});
