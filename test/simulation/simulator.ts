/**
 * The fault-injection simulator: a seeded schedule of partners, usage, deliveries, clock
 * advances across midnights and month ends, card changes (primary and backup cards, setup
 * pages), charges waiting for the partner to authenticate, partners' top-ups (on the saved
 * card or a payment page) and monthly caps on automatic recharges, the card network's reports to
 * the webhook (late, repeated, reordered), finance payments and reconciliations, money that
 * comes back (disputes the banks open and decide, refunds on the provider's dashboard,
 * operator refunds of unused balance, closed accounts that still receive usage), run
 * against the production handlers and use cases on DynamoDB Local, with crashes before and
 * after the calls of their ports and lost card-provider answers. The books are checked after
 * every step (invariants.ts); at the end the faults stop, every queue is drained, every
 * report delivered, partners do what they meant to on the card and payment pages, the banks decide every
 * dispute, open refunds and closures are asked again until done, two more daily runs settle
 * what is pending, and everything is checked once more. The event relay runs at each daily
 * run, with faults of its own, and at the end.
 */
import type { ScheduledEvent } from 'aws-lambda';
import type { DailyRunStart } from '../../functions/domain/daily/daily-run';
import { lambdaContext } from '../../local/lambda-context';
import { InjectedCrash } from '../support/fault-switch';
import { Books } from './books';
import { Cardholders } from './cardholders';
import { type Figures, figuresOf } from './figures';
import { Invariants } from './invariants';
import { MoneyBackOperator } from './money-back-operator';
import { OperatorActions } from './operator-actions';
import { PartnerTopUps } from './partner-top-ups';
import { Prng, chanceOf } from './prng';
import type { ReportDelivery } from './provider-reports';
import { type PartnerModel, ReferenceModel } from './reference-model';
import { INGEST_SLOTS, SimWorld, type Variant } from './sim-world';
import { SimulatedApi } from './simulated-api';
import { type SimulatedMessage, type SimulatedQueue, type SqsHandler, deliver } from './simulated-sqs';
import { UsageMessages } from './usage-messages';

export interface SimulationOptions {
  readonly seed: number;
  readonly steps: number;
  readonly dynamoDbEndpoint: string;
  readonly variant?: Variant;
  /** Chance that a fault point (before or after a port call) crashes when reached. */
  readonly faultRate?: number;
  /** Chance that a card network call loses its answer (half of them after the network acted). */
  readonly timeoutRate?: number;
  /** Chance that a new card charge is refused as a request, with nothing charged. */
  readonly refusalRate?: number;
  readonly onProgress?: (step: number) => void;
  /** When the simulated time starts; by default 20 November 2026, 08:00 UTC. */
  readonly start?: Date;
}

const ACTIONS = {
  'send-usage': 28,
  'deliver-usage': 32,
  'deliver-recharges': 12,
  'create-partner': 1.2,
  'change-card': 2.5,
  'set-backup-card': 0.8,
  'open-setup': 1,
  'partners-act': 3,
  'deliver-reports': 6,
  'change-settings': 0.8,
  'finance-payment': 2.5,
  reconcile: 1,
  'register-channel': 1,
  'cancel-channel': 0.3,
  'long-pause': 0.5,
  'banks-decide': 2,
  'dashboard-refund': 0.5,
  'operator-refund': 1,
  'close-account': 0.12,
  'top-up': 1.5,
} as const;
type Action = keyof typeof ACTIONS;

const INITIAL_PARTNERS = 4;
const MAX_PARTNERS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Chance that EventBridge misses a midnight: the next run catches up. */
const MISSED_RUN = 0.04;
/** Lambda retries a failed asynchronous invocation; the simulator keeps going far longer. */
const MAX_SCHEDULED_TRIES = 30;
const MAX_DRAIN_ROUNDS = 2_000;
const START = new Date('2026-11-20T08:00:00.000Z');
/** Deciding "whenever they meant to": the end of a run has every bank decide. */
const EVENTUALLY = new Date(8.64e15);

export async function runSimulation(options: SimulationOptions): Promise<Figures> {
  const world = await SimWorld.create({
    seed: options.seed,
    dynamoDbEndpoint: options.dynamoDbEndpoint,
    start: options.start ?? START,
    faultRate: options.faultRate ?? 0.005,
    timeoutRate: options.timeoutRate ?? 0.06,
    refusalRate: options.refusalRate ?? 0.01,
    ...(options.variant !== undefined && { variant: options.variant }),
  });
  try {
    return await new Simulation(world, options).run();
  } finally {
    await world.dispose();
  }
}

class Simulation {
  private readonly prng: Prng;
  private readonly model = new ReferenceModel();
  private readonly books: Books;
  private readonly invariants: Invariants;
  private readonly usage: UsageMessages;
  private readonly operator: OperatorActions;
  private readonly moneyBack: MoneyBackOperator;
  private readonly cardholders: Cardholders;
  private readonly api: SimulatedApi;
  private readonly topUps: PartnerTopUps;
  private readonly completedRuns: Date[] = [];
  private step = 0;
  readonly counts = {
    deliveries: 0,
    concurrentDeliveries: 0,
    handlerCrashes: 0,
    unexpectedErrors: [] as string[],
    dailyRuns: 0,
    missedRuns: 0,
    monthlyRuns: 0,
    scheduledRetries: 0,
  };

  constructor(
    private readonly world: SimWorld,
    private readonly options: SimulationOptions,
  ) {
    this.prng = new Prng(options.seed);
    this.books = new Books(world);
    this.api = new SimulatedApi(world);
    this.invariants = new Invariants(world, this.model, this.books, this.api, {
      seed: options.seed,
      steps: options.steps,
    });
    this.usage = new UsageMessages(this.prng, this.model, world.usage, () => world.clock.now());
    this.cardholders = new Cardholders(world);
    this.operator = new OperatorActions(
      world,
      this.prng,
      this.model,
      this.books,
      this.invariants,
      this.cardholders,
      this.api,
    );
    this.topUps = new PartnerTopUps(world, this.prng, this.api, (invariant, detail) =>
      this.invariants.fail(invariant, detail),
    );
    this.moneyBack = new MoneyBackOperator(world, this.prng, this.model, this.invariants);
  }

  async run(): Promise<Figures> {
    const started = performance.now();
    for (this.step = 1; this.step <= this.options.steps; this.step += 1) {
      this.beginStep();
      await this.advanceTo(new Date(this.world.clock.now().getTime() + this.prng.int(1, 20 * 60) * 1000));
      const touched = new Set<string>();
      // A partner on a payment page pays it within minutes: the page is open for half an hour only.
      this.topUps.actOnPages(this.world.clock.now(), touched);
      const action: Action =
        this.model.partners.size < INITIAL_PARTNERS ? 'create-partner' : this.prng.weighted(ACTIONS);
      await this.perform(action, touched);
      this.invariants.checkCardNetwork();
      await this.invariants.checkPartners(
        [...touched].filter((partnerId) => this.model.partners.has(partnerId)).sort(),
        'running',
        false,
      );
      this.options.onProgress?.(this.step);
    }
    this.step = this.options.steps + 1;
    await this.settle();
    return figuresOf({
      seed: this.options.seed,
      steps: this.options.steps,
      world: this.world,
      model: this.model,
      usage: this.usage,
      operator: this.operator,
      api: this.api,
      topUps: this.topUps,
      moneyBack: this.moneyBack,
      cardholders: this.cardholders,
      counts: this.counts,
      checks: this.invariants.checks,
      statementsRead: this.invariants.monthEnds.statementsRead,
      simulatedFrom: this.options.start ?? START,
      wallSeconds: (performance.now() - started) / 1000,
    });
  }

  private beginStep(): void {
    this.invariants.step = this.step;
    for (const faults of this.world.allFaults) faults.beginStep(this.step);
  }

  private async perform(action: Action, touched: Set<string>): Promise<void> {
    const partners = [...this.model.partners.values()];
    const partner = this.prng.pick(partners.length > 0 ? partners : [undefined]);
    switch (action) {
      case 'send-usage':
        return this.usage.send(this.prng.int(1, 12));
      case 'deliver-usage':
        return this.deliverUsage(touched);
      case 'deliver-recharges':
        return this.deliverRecharges(touched);
      case 'deliver-reports':
        return this.deliverReports(this.world.reports.due(this.step, 10), touched);
      case 'partners-act':
        return this.cardholders.act(touched);
      case 'banks-decide':
        return this.banksDecide(this.world.clock.now(), touched);
      case 'create-partner':
        if (this.model.openPartners.length < MAX_PARTNERS) touched.add(await this.operator.createPartner());
        return;
      case 'long-pause':
        return this.advanceTo(new Date(this.world.clock.now().getTime() + this.prng.int(1, 30) * 60 * 60 * 1000));
    }
    if (partner === undefined) return;
    touched.add(partner.partnerId);
    // Money keeps moving on a closed account: usage, finance, refunds.
    if (action === 'finance-payment') return this.operator.pay(partner);
    if (action === 'reconcile') return this.operator.reconcile(partner);
    if (action === 'dashboard-refund') return this.moneyBack.dashboardRefund(partner);
    if (action === 'operator-refund') return this.moneyBack.refund(partner, touched);
    if (action === 'close-account') return this.closeAccount(partner, touched);
    // A closed account's partner may still ask for a top-up: it is refused.
    if (action === 'top-up') return this.topUps.topUp(partner);
    // The rest serves an account that is open: a closed one is left alone.
    if (partner.closure !== undefined) return;
    if (action === 'change-card') return this.operator.changeCard(this.waitingInstead() ?? partner);
    if (action === 'set-backup-card') return this.operator.setBackupCard(partner);
    if (action === 'open-setup') return this.operator.openSetup(partner);
    if (action === 'change-settings') return this.operator.changeSettings(partner);
    if (action === 'register-channel') return this.operator.registerChannel(partner);
    return this.operator.cancelChannel(partner);
  }

  /**
   * Half the time an account still being closed is closed again, as its operator would
   * retry; otherwise the partner's account is closed, while enough others stay open.
   */
  private async closeAccount(partner: PartnerModel, touched: Set<string>): Promise<void> {
    const closing = this.moneyBack.closing();
    if (closing.length > 0 && this.prng.chance(0.5)) {
      const again = this.prng.pick(closing);
      touched.add(again.partnerId);
      return this.moneyBack.close(again);
    }
    if (partner.closure === undefined && this.model.openPartners.length > INITIAL_PARTNERS)
      return this.moneyBack.closeOpen(partner, touched);
  }

  /** The banks decide the disputes due by `by`. */
  private banksDecide(by: Date, touched: Set<string>): void {
    for (const dispute of this.world.cards.disputes.due(by)) {
      this.world.cards.disputes.decide(dispute);
      touched.add(dispute.partnerId);
    }
  }

  /**
   * A fifth of the card changes come from partners with a charge waiting for them, who give a
   * new card instead of authenticating (or while doing it): the waiting charge must be
   * canceled first, and if it was paid meanwhile, credited.
   */
  private waitingInstead(): PartnerModel | undefined {
    if (!this.prng.chance(0.2)) return undefined;
    const waiting = this.world.cards
      .stillWaiting()
      .filter((charge) => this.model.partners.get(charge.partnerId)?.closure === undefined);
    if (waiting.length === 0) return undefined;
    return this.model.partner(this.prng.pick(waiting).partnerId);
  }

  /**
   * Up to three pollers take messages at once, in an order of the simulator's choosing.
   * Which messages and in which order is drawn per message id, so it does not depend on
   * how many messages earlier crashes left on the queue.
   */
  private async deliverUsage(touched: Set<string>): Promise<void> {
    const seed = this.options.seed;
    const pollers = this.prng.int(1, INGEST_SLOTS);
    const taken = this.world.usage
      .visible()
      .filter((message) => chanceOf(`${seed}/${this.step}/take/${message.messageId}`) < 0.7)
      .sort(
        (a, b) =>
          chanceOf(`${seed}/${this.step}/order/${a.messageId}`) - chanceOf(`${seed}/${this.step}/order/${b.messageId}`),
      )
      .slice(0, pollers * 10);
    if (taken.length === 0) return;
    for (const message of taken) {
      const expected = this.model.pending.get(message.messageId)?.expect;
      if (expected?.kind === 'accept') touched.add(this.model.events.get(expected.eventId)?.partnerId ?? '');
    }
    const batches = Array.from({ length: pollers }, (_, slot) =>
      taken.filter((_, index) => index % pollers === slot),
    ).filter((batch) => batch.length > 0);
    if (batches.length > 1) this.counts.concurrentDeliveries += 1;
    const slots = this.world.handlers.ingestSlots;
    const deliveries = await Promise.all(
      batches.map((batch, slot) =>
        deliver(this.world.usage, batch, slots[slot] as SqsHandler, lambdaContext('ingest-usage')),
      ),
    );
    for (const delivery of deliveries) {
      this.noteDelivery(delivery.thrown);
      this.invariants.settleMessages(delivery.deleted);
    }
  }

  private async deliverRecharges(touched: Set<string>): Promise<void> {
    const batch = this.world.recharges.visible().slice(0, 10);
    if (batch.length === 0) return;
    for (const message of batch) touched.add((JSON.parse(message.body) as { partnerId: string }).partnerId);
    const delivery = await deliver(
      this.world.recharges,
      batch,
      this.world.handlers.recharge,
      lambdaContext('recharge'),
    );
    this.noteDelivery(delivery.thrown);
  }

  /**
   * Stripe's deliveries to the webhook, one after another: a report the use case applied
   * (or found applied) is taken; one that crashed, or whose charge stayed unclear (not
   * recorded, so the redelivery asks again), comes again later.
   */
  private async deliverReports(deliveries: readonly ReportDelivery[], touched: Set<string>): Promise<void> {
    for (const delivery of deliveries) {
      const { report } = delivery;
      const partnerId = this.world.cards.partnerOfReport(report);
      if (partnerId !== undefined) touched.add(partnerId);
      try {
        const outcome = await this.world.handlers.webhook(report);
        if (outcome === 'unknown') this.world.reports.notTaken(delivery);
        else this.world.reports.taken(delivery, outcome);
      } catch (error) {
        this.noteFailure(error);
        this.world.reports.notTaken(delivery);
      }
    }
  }

  /** Delivers every report still on its way, waiting for each on the simulated clock (midnights run as ever). */
  private async deliverAllReports(): Promise<void> {
    for (let round = 0; this.world.reports.depth > 0; round += 1) {
      if (round >= MAX_DRAIN_ROUNDS)
        throw new Error(`${this.world.reports.depth} card network reports are still undelivered after ${round} rounds`);
      const [first] = this.world.reports.all();
      if (first !== undefined && first.dueAt > this.world.clock.now().getTime())
        await this.advanceTo(new Date(first.dueAt), false);
      await this.deliverReports(this.world.reports.due(this.step, this.world.reports.depth), new Set());
    }
  }

  private noteDelivery(thrown: unknown): void {
    this.counts.deliveries += 1;
    if (thrown !== undefined) this.noteFailure(thrown);
  }

  private noteFailure(thrown: unknown): void {
    this.counts.handlerCrashes += 1;
    if (!(thrown instanceof InjectedCrash) && this.counts.unexpectedErrors.length < 10)
      this.counts.unexpectedErrors.push(String(thrown));
  }

  /** Moves the clock to `target`, running the scheduled jobs of every midnight crossed on the way. */
  private async advanceTo(target: Date, runsMayBeMissed = true): Promise<void> {
    for (;;) {
      const now = this.world.clock.now().getTime();
      const midnight = new Date(Math.floor(now / DAY_MS) * DAY_MS + DAY_MS);
      if (midnight > target) break;
      this.world.clock.set(midnight);
      if (midnight.getUTCDate() === 1) await this.monthlyRun(midnight);
      if (runsMayBeMissed && this.prng.chance(MISSED_RUN)) this.counts.missedRuns += 1;
      else await this.dailyRun(midnight);
    }
    if (this.world.clock.now() < target) this.world.clock.set(target);
  }

  private async dailyRun(at: Date): Promise<void> {
    const start = await this.invokeScheduled(() =>
      this.world.handlers.dailyRun(scheduledEvent(at), lambdaContext('daily-run')),
    );
    await this.drain(this.world.dailyWork, this.world.handlers.dailyShard, lambdaContext('daily-shard', 900_000));
    this.counts.dailyRuns += 1;
    this.completedRuns.push(at);
    this.invariants.checkCardNetwork();
    await this.invariants.checkDailyRun(at, (start as DailyRunStart).cutoffs, this.completedRuns);
    await this.invariants.checkEvents();
  }

  private async monthlyRun(at: Date): Promise<void> {
    await this.invokeScheduled(() => this.world.handlers.monthlyRun(scheduledEvent(at), lambdaContext('monthly-run')));
    this.counts.monthlyRuns += 1;
  }

  /** An EventBridge target: a failed invocation is invoked again. */
  private async invokeScheduled(invoke: () => Promise<unknown>): Promise<unknown> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await invoke();
      } catch (error) {
        if (!(error instanceof InjectedCrash) || tries >= MAX_SCHEDULED_TRIES) throw error;
        this.counts.scheduledRetries += 1;
      }
    }
  }

  /** Delivers a queue until it is empty, waiting out visibility timeouts on the simulated clock. */
  private async drain(
    queue: SimulatedQueue,
    handler: SqsHandler,
    context: ReturnType<typeof lambdaContext>,
    onDeleted?: (deleted: readonly string[]) => void,
  ): Promise<void> {
    for (let round = 0; queue.depth > 0; round += 1) {
      if (round >= MAX_DRAIN_ROUNDS)
        this.invariants.fail(
          2,
          `the ${queue.name} queue still holds ${queue.depth} messages after ${round} deliveries`,
        );
      const visible: SimulatedMessage[] = queue.visible();
      if (visible.length === 0) {
        this.world.clock.set(new Date(Math.min(...queue.all().map((message) => message.visibleAt))));
        continue;
      }
      const delivery = await deliver(queue, visible.slice(0, 10), handler, context);
      this.noteDelivery(delivery.thrown);
      onDeleted?.(delivery.deleted);
    }
  }

  /**
   * The weather clears: no more faults or lost answers; every queue drains, every report
   * is delivered, partners do on the card pages what they meant to, and two daily runs
   * settle what is pending.
   */
  private async settle(): Promise<void> {
    this.beginStep();
    for (const faults of this.world.allFaults) faults.disable();
    this.world.cards.calm();
    const [ingest] = this.world.handlers.ingestSlots;
    await this.drain(this.world.usage, ingest as SqsHandler, lambdaContext('ingest-usage'), (deleted) =>
      this.invariants.settleMessages(deleted),
    );
    await this.settleCards();
    await this.cardholders.actOnEverything();
    this.topUps.actOnEverything();
    await this.settleCards();
    await this.settleDisputes();
    await this.moneyBack.finishEverything(() => this.settleCards());
    for (let day = 0; day < 2; day += 1) {
      await this.advanceTo(
        new Date(Math.floor(this.world.clock.now().getTime() / DAY_MS) * DAY_MS + DAY_MS + 60_000),
        false,
      );
      await this.settleCards();
    }
    this.invariants.checkCardNetwork();
    await this.invariants.checkPartners([...this.model.partners.keys()].sort(), 'settled', true);
    await this.invariants.checkWaitingCharges();
    await this.invariants.checkEvents();
    await this.moneyBack.tallyParts();
  }

  /** Every bank decides every dispute still open (an inquiry escalated is decided in its turn), and the reports are delivered. */
  private async settleDisputes(): Promise<void> {
    for (let round = 0; this.world.cards.disputes.undecided > 0; round += 1) {
      if (round >= MAX_DRAIN_ROUNDS)
        throw new Error(`${this.world.cards.disputes.undecided} disputes are still undecided after ${round} rounds`);
      this.banksDecide(EVENTUALLY, new Set());
      await this.settleCards();
    }
  }

  /** Recharge requests and the network's reports, until neither has anything left (a saved card requests a recharge). */
  private async settleCards(): Promise<void> {
    do {
      await this.drain(this.world.recharges, this.world.handlers.recharge, lambdaContext('recharge'));
      await this.deliverAllReports();
    } while (this.world.recharges.depth > 0);
  }
}

function scheduledEvent(at: Date): ScheduledEvent {
  return {
    version: '0',
    id: `scheduled-${at.toISOString()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}
