/**
 * The simulator inside the suite: a short fixed-seed run must hold every invariant with
 * faults injected, and a system that forgets which usage events it debited must be
 * caught within the same short run, and caught the same way again when the seed is
 * replayed. Card adapters broken in ways Stripe's answers invite must be caught too: one
 * that reads a decline's `code` instead of its `decline_code`, so lost cards look like
 * soft declines, one that takes a cancellation for done without Stripe doing it, and one
 * that lists only the refunds it asked for, so a refund made on the dashboard is never booked.
 * And recharges decided blind to the month's automatic credits must break the monthly cap,
 * and a daily run that forgets the months of partners quiet since must leave a statement
 * unreadable at the month's end.
 */
import type { ChargeRefunds } from '../../functions/domain/money-back/money-back-provider';
import type { PartnerAccount } from '../../functions/domain/partner';
import type { ChargeAttempt } from '../../functions/domain/recharge/charge-attempt';
import type { LedgerRepository, RechargeRepository } from '../../functions/domain/ports';
import type { MonthBooks } from '../../functions/domain/statements/month-book-ports';
import type { PortDecorator } from '../../functions/wiring/port-decorator';
import type { UsageChunk, UsageChunkResult, UsageLedger } from '../../functions/domain/ports';
import { declineKind } from '../../functions/domain/recharge/decline-policy';
import type {
  ChargeReference,
  ChargeRequest,
  ChargeResult,
  ChargeStatus,
} from '../../functions/domain/recharge/payment-provider';
import { PassingProvider } from '../support/passing-provider';
import { InvariantBroken } from './invariant-catalogue';
import { type SimulationOptions, runSimulation } from './simulator';

/** Steps of the in-suite run: about two simulated days, a few seconds per hundred steps. */
const SUITE_STEPS = 120;
/** Enough steps for seed 10 to set a monthly limit and recharge past it (when the run settles after them). */
const CAP_STEPS = 160;
/** Thirty-six simulated hours before November's end: the run crosses it within the suite's steps. */
const BEFORE_MONTH_END = new Date('2026-11-28T12:00:00.000Z');

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

/** Reads Stripe's error `code` (`card_declined`) where the `decline_code` (`lost_card`) says more: hard declines look soft. */
class CodeForDeclineCode extends PassingProvider {
  override async charge(request: ChargeRequest): Promise<ChargeResult> {
    const answer = await this.real.charge(request);
    return answer.outcome === 'declined' && declineKind(answer.declineCode) === 'hard'
      ? { ...answer, declineCode: 'card_declined' }
      : answer;
  }
}

/** Answers `canceled` without asking the provider: the charge still waits, and the partner may pay it. */
class CancelsOnlyOnPaper extends PassingProvider {
  override async cancelCharge(reference: ChargeReference): Promise<ChargeStatus> {
    return { outcome: 'canceled', providerChargeId: reference.providerChargeId };
  }
}

/**
 * Lists a charge's refunds as if only those carrying our metadata were ours (an operator
 * reference): a refund made on the dashboard carries none, so its credit is never taken back.
 */
class OwnRefundsOnly extends PassingProvider {
  override async refundsOf(providerChargeId: string): Promise<ChargeRefunds | undefined> {
    const listed = await this.real.refundsOf(providerChargeId);
    return listed === undefined
      ? undefined
      : { ...listed, refunds: listed.refunds.filter((refund) => refund.operatorReference !== undefined) };
  }
}

/**
 * Blind to the monthly cap's running total: partners are read without the month's
 * automatic credits and an attempt opens without the condition that they are what the
 * charge was decided from, so every recharge looks like the month's first.
 */
const capBlind: PortDecorator = (port, adapter) => {
  if (port === 'ledger') {
    const ledger = adapter as unknown as LedgerRepository;
    const forget = (account: PartnerAccount): PartnerAccount => ({ ...account, automaticCredits: undefined });
    return replacing(adapter, {
      getPartner: async (partnerId: string) => {
        const account = await ledger.getPartner(partnerId);
        return account === undefined ? undefined : forget(account);
      },
      getPartners: async (partnerIds: readonly string[]) => (await ledger.getPartners(partnerIds)).map(forget),
    });
  }
  if (port === 'attempts') {
    const attempts = adapter as unknown as RechargeRepository;
    return replacing(adapter, { openAttempt: (attempt: ChargeAttempt) => attempts.openAttempt(attempt) });
  }
  return adapter;
};

/**
 * The rule broken on purpose: the daily run never finds the partners with a month to
 * close on its shard's list, so a partner that did not move since the month's end keeps
 * it open and its statement is never ready.
 */
const forgetsQuietPartners: PortDecorator = (port, adapter) =>
  port === 'months'
    ? replacing(adapter, {
        duePage: async (): Promise<Awaited<ReturnType<MonthBooks['duePage']>>> => ({ partnerIds: [] }),
      })
    : adapter;

/** The adapter with some of its methods replaced. */
function replacing<T extends object>(adapter: T, methods: Record<string, unknown>): T {
  return new Proxy(adapter, {
    get: (target, key) => (typeof key === 'string' && key in methods ? methods[key] : Reflect.get(target, key, target)),
  });
}

// A run drives every handler on DynamoDB Local: about half a minute alone, minutes on a loaded 2-core machine.
describe('Simulator', () => {
  it('holds every invariant through a fixed-seed run with crashes, lost card answers and late card reports', async () => {
    // Act
    // Seed 4 meets, within the short run, hard declines, an authentication and late reports.
    const figures = await runSimulation({ seed: 4, steps: SUITE_STEPS, dynamoDbEndpoint: endpoint() });

    // Assess
    expect(figures.faultsInjected).toBeGreaterThan(0);
    expect(figures.eventsDebited).toBeGreaterThan(0);
    expect(figures.cardCharges.succeeded + figures.cardCharges.declined).toBeGreaterThan(0);
    expect(figures.dailyRuns).toBeGreaterThan(0);
    expect(figures.eventsRelayed).toBeGreaterThan(0);
    expect(figures.cardCharges.hardDeclines).toBeGreaterThan(0);
    expect(figures.authentications.waited).toBeGreaterThan(0);
    expect(figures.reports.deliveries).toBeGreaterThan(0);
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

  it('reports invariant 8 when a card adapter takes hard declines for soft ones and a lost card is charged again', async () => {
    // Act
    const broken = await failureOf({
      seed: 25,
      steps: SUITE_STEPS,
      dynamoDbEndpoint: endpoint(),
      variant: { name: 'code read for decline code', provider: (real) => new CodeForDeclineCode(real) },
    });

    // Assess
    expect(broken).toBeInstanceOf(InvariantBroken);
    expect((broken as InvariantBroken).invariant).toBe(8);
    expect((broken as InvariantBroken).message).toMatch(
      /^invariant 8 \(.+\) broken at seed 25 step \d+: card pm_sim_\d+_\w+ of partner partner-\d+ was charged again \(attempt att-\S+\) after its hard decline \w+ on attempt att-\S+\. Replay: npm run simulate -- --seed 25 --steps 120$/,
    );
  }, 180_000);

  it('reports invariant 11 when a card adapter answers a cancellation the provider never made, leaving the charge payable', async () => {
    // Act
    const broken = await failureOf({
      seed: 3,
      steps: SUITE_STEPS,
      dynamoDbEndpoint: endpoint(),
      variant: { name: 'cancels only on paper', provider: (real) => new CancelsOnlyOnPaper(real) },
    });

    // Assess
    expect(broken).toBeInstanceOf(InvariantBroken);
    expect((broken as InvariantBroken).invariant).toBe(11);
    expect((broken as InvariantBroken).detail).toMatch(
      /^attempt att-\S+ of partner partner-\d+ was settled canceled, but its charge \S+ still waits for the partner, who may pay it$/,
    );
  }, 180_000);

  it('reports invariant 12 when a card adapter lists only the refunds it asked for, so a dashboard refund is never booked', async () => {
    // Act
    const broken = await failureOf({
      seed: 2,
      steps: SUITE_STEPS,
      dynamoDbEndpoint: endpoint(),
      variant: { name: 'own refunds only', provider: (real) => new OwnRefundsOnly(real) },
    });

    // Assess
    expect(broken).toBeInstanceOf(InvariantBroken);
    expect((broken as InvariantBroken).invariant).toBe(12);
    expect((broken as InvariantBroken).detail).toMatch(
      /^dashboard refund re_\S+ of [\d.]+ of charge pi_\S+ \(attempt att-\S+\) of partner partner-\d+ was never booked, while the charge still carries [\d.]+ of credit$/,
    );
  }, 180_000);

  it('reports invariant 16 when recharges are decided blind to the month’s automatic credits, so the monthly cap never binds', async () => {
    // Act: the seed sets a limit of 600.00 on a partner whose automatic recharges then credit 618.87 in November.
    const broken = await failureOf({
      seed: 10,
      steps: CAP_STEPS,
      dynamoDbEndpoint: endpoint(),
      variant: { name: 'blind to the cap', ports: capBlind },
    });

    // Assess
    expect(broken).toBeInstanceOf(InvariantBroken);
    expect((broken as InvariantBroken).invariant).toBe(16);
    expect((broken as InvariantBroken).detail).toMatch(
      /^partner partner-\d+'s automatic recharges credited [\d.]+ in \d{4}-\d{2} with recharge att-\S+ of [\d.]+, past the monthly limit of [\d.]+ in force when it was opened at \S+$/,
    );
  }, 180_000);

  it('reports invariant 18 when the daily run forgets the months of partners quiet since, so their statements are never ready', async () => {
    // Act
    const broken = await failureOf({
      seed: 1,
      steps: SUITE_STEPS,
      start: BEFORE_MONTH_END,
      dynamoDbEndpoint: endpoint(),
      variant: { name: 'forgets quiet partners', ports: forgetsQuietPartners },
    });

    // Assess
    expect(broken).toBeInstanceOf(InvariantBroken);
    expect((broken as InvariantBroken).invariant).toBe(18);
    expect((broken as InvariantBroken).detail).toMatch(
      /^partner partner-\d+'s statement of 2026-11 was answered 409 \(urn:prepaid-billing:problem:statement-not-ready\) after a completed daily run$/,
    );
  }, 180_000);
});

/** Runs the simulator and resolves with what it threw, or undefined when every invariant held. */
function failureOf(options: SimulationOptions): Promise<unknown> {
  return runSimulation(options).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The simulator against a system that forgets which usage events it debited; resolves with what it threw. */
function brokenRun(): Promise<unknown> {
  return failureOf({
    seed: 7,
    steps: SUITE_STEPS,
    dynamoDbEndpoint: endpoint(),
    variant: { name: 'forgetful usage ledger', usageLedger: (real) => new ForgetfulUsageLedger(real) },
  });
}
