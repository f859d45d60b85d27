/**
 * The simulator inside the suite: a short fixed-seed run must hold every invariant with
 * faults injected, and a system that forgets which usage events it debited must be
 * caught within the same short run, and caught the same way again when the seed is
 * replayed.
 */
import type { UsageChunk, UsageChunkResult, UsageLedger } from '../../functions/domain/ports';
import { InvariantBroken } from './invariants';
import { runSimulation } from './simulator';

/** Steps of the in-suite run: about two simulated days, a few seconds per hundred steps. */
const SUITE_STEPS = 120;

function endpoint(): string {
  const value = process.env.DYNAMODB_ENDPOINT;
  if (value === undefined) throw new Error('DYNAMODB_ENDPOINT is not set: run the simulator tests through jest');
  return value;
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
    const renamed = chunks.map((chunk) => ({
      ...chunk,
      events: chunk.events.map((event) => ({ ...event, eventId: `${event.eventId}${suffix}` })),
    }));
    const results = await this.real.debit(renamed);
    return results.map((result) => ({
      ...result,
      fates: new Map([...result.fates].map(([eventId, fate]) => [eventId.slice(0, -suffix.length), fate])),
    }));
  }
}

// A run drives every handler on DynamoDB Local: about half a minute alone, minutes on a loaded 2-core machine.
describe('Simulator', () => {
  it('holds every invariant through a fixed-seed run with crashes and lost card answers', async () => {
    // Act
    const figures = await runSimulation({ seed: 7, steps: SUITE_STEPS, dynamoDbEndpoint: endpoint() });

    // Assess
    expect(figures.faultsInjected).toBeGreaterThan(0);
    expect(figures.eventsDebited).toBeGreaterThan(0);
    expect(figures.cardCharges.succeeded + figures.cardCharges.declined).toBeGreaterThan(0);
    expect(figures.dailyRuns).toBeGreaterThan(0);
    expect(figures.eventsRelayed).toBeGreaterThan(0);
    expect(figures.unexpectedErrors).toEqual([]);
  }, 180_000);

  it('reports invariant 2 with the seed and step to replay when redelivered events are debited again, and the replay fails the same way', async () => {
    // Act
    const first = await brokenRun();
    const replay = await brokenRun();

    // Assess
    expect(first).toBeInstanceOf(InvariantBroken);
    expect((first as InvariantBroken).invariant).toBe(2);
    expect((first as InvariantBroken).message).toMatch(
      /^invariant 2 \(.+\) broken at seed 7 step \d+: .+\. Replay: npm run simulate -- --seed 7 --steps 120$/,
    );
    expect((replay as InvariantBroken).message).toBe((first as InvariantBroken).message);
  }, 180_000);
});

/** The simulator against a system that forgets which usage events it debited; resolves with what it threw. */
function brokenRun(): Promise<unknown> {
  return runSimulation({
    seed: 7,
    steps: SUITE_STEPS,
    dynamoDbEndpoint: endpoint(),
    variant: { name: 'forgetful usage ledger', usageLedger: (real) => new ForgetfulUsageLedger(real) },
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
}
