/** The figures of a run: what was simulated, what was injected, what the books hold. Printed by the CLI, compared by the replay test. */
import type { DomainEvent } from '../../functions/domain/events';
import { CLOSURE_REFUND_REFERENCE } from '../../functions/domain/money-back/close-account';
import { formatAmount, micros } from '../../functions/domain/money';
import { MAX_SOFT_DECLINES_PER_CARD, declineKind } from '../../functions/domain/recharge/decline-policy';
import type { Cardholders } from './cardholders';
import type { MoneyBackOperator } from './money-back-operator';
import type { OperatorActions } from './operator-actions';
import type { PartnerTopUps } from './partner-top-ups';
import type { ReferenceModel } from './reference-model';
import type { SimWorld } from './sim-world';
import type { SimulatedApi } from './simulated-api';
import { CARD_GROUPS, type CardKind } from './simulated-card-network';
import type { UsageMessages } from './usage-messages';

export interface Figures {
  readonly seed: number;
  readonly steps: number;
  readonly simulatedDays: number;
  readonly partners: number;
  readonly usageMessages: Readonly<Record<string, number>>;
  readonly eventsDebited: number;
  readonly amountDebited: string;
  readonly deliveries: number;
  readonly concurrentDeliveries: number;
  readonly handlerCrashes: number;
  readonly faultsInjected: number;
  readonly faultsByPoint: Readonly<Record<string, number>>;
  readonly faultPointsReached: number;
  /** How often each point (`<port>.<method>:before` / `:after`) was reached. */
  readonly reachedByPoint: Readonly<Record<string, number>>;
  readonly cardCharges: {
    readonly succeeded: number;
    readonly declined: number;
    readonly hardDeclines: number;
    /** Still waiting for the cardholder at the end. */
    readonly waiting: number;
    readonly canceled: number;
    readonly timeoutsAfterCharge: number;
    readonly timeoutsBeforeCharge: number;
    readonly refusedRequests: number;
    readonly statusAnswersLost: number;
    readonly cancelAnswersLost: number;
    /** Charges on cards handed out as backup cards. */
    readonly onBackupCards: number;
    /** Cards whose recharges were declined softly 8 times in a row: the decline policy's limit. */
    readonly softLimitReached: number;
  };
  /** Cards handed out, per group (succeeding, softDeclining, hardDeclining, authenticating). */
  readonly cardsIssued: Readonly<Record<string, number>>;
  readonly authentications: {
    readonly waited: number;
    readonly completed: number;
    readonly failed: number;
    /** Acted on after the charge stopped waiting (canceled for a new card): the page refused. */
    readonly refused: number;
    readonly paidDuringCancel: number;
    readonly neverActedOn: number;
  };
  readonly setupPages: Readonly<Record<string, number>>;
  /** Disputes the banks opened (inquiries among them) and how they were decided. */
  readonly disputes: Readonly<Record<string, number>>;
  /** Refunds: on the dashboard, of unused balance (with their parts at the end), the answers the network lost or refused. */
  readonly refunds: Readonly<Record<string, number>>;
  readonly closures: Readonly<Record<string, number>>;
  /** Partners' top-ups by how they went, and their payment pages. */
  readonly topUps: Readonly<Record<string, number>>;
  /** Monthly caps the operator set, and the months a cap held a recharge back (`RechargeLimitReached`). */
  readonly monthlyLimits: Readonly<Record<string, number>>;
  /** The network's reports to the webhook: sent, delivered (each try), repeats, redeliveries, given up; outcomes. */
  readonly reports: Readonly<Record<string, number>>;
  readonly reportOutcomes: Readonly<Record<string, number>>;
  readonly invoices: number;
  readonly operator: Readonly<Record<string, number>>;
  readonly apiRetries: number;
  /** Operator refunds and closures run again after a crash. */
  readonly moneyBackRetries: number;
  readonly dailyRuns: number;
  readonly missedDailyRuns: number;
  readonly monthlyRuns: number;
  /** Monthly statements read and checked at the daily runs after month ends (invariant 18). */
  readonly statementsRead: number;
  readonly scheduledRetries: number;
  readonly partnersBlockedEvents: number;
  readonly partnersUnblockedEvents: number;
  /** Distinct events the relay put on the bus, and how many of its puts were repeats. */
  readonly eventsRelayed: number;
  readonly eventsRedelivered: number;
  readonly invariantChecks: number;
  /** Handler failures that were not injected crashes; the books must hold anyway, but they are worth a look. */
  readonly unexpectedErrors: readonly string[];
  readonly wallSeconds: number;
}

export function figuresOf(run: {
  seed: number;
  steps: number;
  world: SimWorld;
  model: ReferenceModel;
  usage: UsageMessages;
  operator: OperatorActions;
  api: SimulatedApi;
  topUps: PartnerTopUps;
  moneyBack: MoneyBackOperator;
  cardholders: Cardholders;
  counts: {
    deliveries: number;
    concurrentDeliveries: number;
    handlerCrashes: number;
    unexpectedErrors: readonly string[];
    dailyRuns: number;
    missedRuns: number;
    monthlyRuns: number;
    scheduledRetries: number;
  };
  checks: number;
  statementsRead: number;
  simulatedFrom: Date;
  wallSeconds: number;
}): Figures {
  const { world, model, counts } = run;
  const faultsByPoint: Record<string, number> = {};
  const reachedByPoint: Record<string, number> = {};
  for (const faults of world.allFaults) {
    for (const [point, count] of faults.injected) faultsByPoint[point] = (faultsByPoint[point] ?? 0) + count;
    for (const [point, count] of faults.reachedTotal) reachedByPoint[point] = (reachedByPoint[point] ?? 0) + count;
  }
  const charges = [...world.cards.charges.values()];
  const statuses = (status: string) => charges.filter((charge) => charge.status === status).length;
  let hardDeclines = 0;
  for (const fact of world.cards.facts)
    if (fact.kind === 'status' && fact.declineCode !== undefined && declineKind(fact.declineCode) === 'hard')
      hardDeclines += 1;
  const groupOf = new Map<CardKind, string>();
  for (const [group, kinds] of Object.entries(CARD_GROUPS)) for (const kind of kinds) groupOf.set(kind, group);
  const cardsIssued: Record<string, number> = {};
  for (const { kind } of world.cards.issued.values()) {
    const group = groupOf.get(kind) ?? kind;
    cardsIssued[group] = (cardsIssued[group] ?? 0) + 1;
  }
  // Per card: charges on backup cards, and how many recharges declined softly in a row at most.
  const backupCharges = new Set<string>();
  const softRuns = new Map<string, number>();
  let softLimitReached = 0;
  for (const fact of world.cards.facts) {
    if (fact.kind !== 'status') continue;
    if (world.cards.issued.get(fact.card)?.role === 'backup') backupCharges.add(fact.chargeId);
    if (!fact.idempotencyKey.startsWith('att-')) continue;
    if (fact.status === 'succeeded') softRuns.delete(fact.card);
    if (fact.declineCode === undefined || declineKind(fact.declineCode) === 'hard') continue;
    const run = (softRuns.get(fact.card) ?? 0) + 1;
    softRuns.set(fact.card, run);
    if (run === MAX_SOFT_DECLINES_PER_CARD) softLimitReached += 1;
  }
  const waited = [...world.cards.waiting.values()].filter((waiting) => waiting.idempotencyKey.startsWith('att-'));
  const { faults } = world.cards;
  const held = run.cardholders.done;
  const relayed = world.events.published.filter((event) => event.type !== 'UsageRejected');
  let eventsDebited = 0;
  let amountDebited = 0;
  for (const partner of model.partners.values()) {
    eventsDebited += partner.confirmedEvents;
    amountDebited += partner.confirmedCost;
  }
  return {
    seed: run.seed,
    steps: run.steps,
    simulatedDays: Math.round((world.clock.now().getTime() - run.simulatedFrom.getTime()) / (24 * 60 * 60 * 1000)),
    partners: model.partners.size,
    usageMessages: Object.fromEntries([...run.usage.sent.entries()].sort(([a], [b]) => a.localeCompare(b))),
    eventsDebited,
    amountDebited: formatAmount(micros(amountDebited)),
    deliveries: counts.deliveries,
    concurrentDeliveries: counts.concurrentDeliveries,
    handlerCrashes: counts.handlerCrashes,
    faultsInjected: Object.values(faultsByPoint).reduce((total, count) => total + count, 0),
    faultsByPoint: sortedByKey(faultsByPoint),
    faultPointsReached: Object.values(reachedByPoint).reduce((total, count) => total + count, 0),
    reachedByPoint: sortedByKey(reachedByPoint),
    cardCharges: {
      succeeded: statuses('succeeded'),
      declined: statuses('requires_payment_method'),
      hardDeclines,
      waiting: statuses('requires_action'),
      canceled: statuses('canceled'),
      timeoutsAfterCharge: faults.answersLostAfterCharge,
      timeoutsBeforeCharge: faults.answersLostBeforeCharge,
      refusedRequests: faults.refusedRequests,
      statusAnswersLost: faults.statusAnswersLost,
      cancelAnswersLost: faults.cancelAnswersLost,
      onBackupCards: backupCharges.size,
      softLimitReached,
    },
    cardsIssued: sortedByKey(cardsIssued),
    authentications: {
      waited: waited.length,
      completed: waited.filter((waiting) => waiting.outcome === 'completed').length,
      failed: waited.filter((waiting) => waiting.outcome === 'failed').length,
      refused: waited.filter((waiting) => waiting.outcome === 'refused').length,
      paidDuringCancel: faults.paidDuringCancel,
      neverActedOn: waited.filter((waiting) => waiting.outcome === undefined).length,
    },
    setupPages: {
      planned: held.setupsPlanned,
      cardsSaved: held.cardsSaved,
      refused: held.setupsRefused,
    },
    disputes: { ...world.cards.disputes.counts },
    refunds: {
      dashboard: run.moneyBack.done.dashboardRefunds,
      dashboardRefused: run.moneyBack.done.dashboardRefundsRefused,
      operator: run.moneyBack.done.refunds,
      repeated: run.moneyBack.done.refundsRepeated,
      conflicts: run.moneyBack.done.refundConflicts,
      beyondBalance: run.moneyBack.done.refundsBeyondBalance,
      beyondCharges: run.moneyBack.done.refundsBeyondCharges,
      whileAnotherOpen: run.moneyBack.done.refundsWhileAnotherOpen,
      partsRefunded: run.moneyBack.parts.refunded,
      partsRefused: run.moneyBack.parts.refused,
      answersLostAfter: faults.refundAnswersLostAfter,
      answersLostBefore: faults.refundAnswersLostBefore,
      refusedRequests: faults.refusedRefunds,
    },
    closures: {
      closed: run.moneyBack.done.closures,
      askedAgain: run.moneyBack.done.closuresRepeated,
      balancePaidBack: [...model.partners.values()].filter((partner) => partner.refunds.has(CLOSURE_REFUND_REFERENCE))
        .length,
    },
    topUps: { ...run.topUps.done },
    monthlyLimits: {
      set: run.operator.done.monthlyLimitsSet,
      reached: distinct(world.events.ofType('RechargeLimitReached')),
    },
    reports: { ...world.reports.counts },
    reportOutcomes: sortedByKey(Object.fromEntries(world.reports.outcomes)),
    invoices: statuses('succeeded'),
    operator: { ...run.operator.done },
    apiRetries: run.api.retries,
    moneyBackRetries: run.moneyBack.retries,
    dailyRuns: counts.dailyRuns,
    missedDailyRuns: counts.missedRuns,
    monthlyRuns: counts.monthlyRuns,
    statementsRead: run.statementsRead,
    scheduledRetries: counts.scheduledRetries,
    partnersBlockedEvents: distinct(world.events.ofType('PartnerBlocked')),
    partnersUnblockedEvents: distinct(world.events.ofType('PartnerUnblocked')),
    eventsRelayed: distinct(relayed),
    eventsRedelivered: relayed.length - distinct(relayed),
    invariantChecks: run.checks,
    unexpectedErrors: counts.unexpectedErrors,
    wallSeconds: Math.round(run.wallSeconds * 10) / 10,
  };
}

/** The figures as the CLI prints them and docs/reliability.md records them. */
export function formatFigures(figures: Figures): string {
  const lines = [
    `seed ${figures.seed}: ${figures.steps} steps over ${figures.simulatedDays} simulated days, ${figures.partners} partners, ${figures.wallSeconds} s`,
    `usage messages: ${Object.entries(figures.usageMessages)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
    `events debited: ${figures.eventsDebited} (${figures.amountDebited}); deliveries ${figures.deliveries} (${figures.concurrentDeliveries} steps with concurrent pollers), handler crashes ${figures.handlerCrashes}`,
    `faults injected: ${figures.faultsInjected} of ${figures.faultPointsReached} fault points reached (injected / reached per port call)`,
    ...portCalls(figures),
    `card charges: ${figures.cardCharges.succeeded} succeeded, ${figures.cardCharges.declined} declined (${figures.cardCharges.hardDeclines} hard), ${figures.cardCharges.canceled} canceled, ${figures.cardCharges.waiting} still waiting; ${figures.cardCharges.onBackupCards} on backup cards; ${figures.cardCharges.softLimitReached} cards at the soft-decline limit; answers lost ${figures.cardCharges.timeoutsAfterCharge} after charging, ${figures.cardCharges.timeoutsBeforeCharge} before, ${figures.cardCharges.statusAnswersLost} of status lookups, ${figures.cardCharges.cancelAnswersLost} of cancellations; requests refused ${figures.cardCharges.refusedRequests}`,
    `cards issued: ${counted(figures.cardsIssued)}; setup pages: ${counted(figures.setupPages)}`,
    `authentications: ${figures.authentications.waited} charges waited, ${figures.authentications.completed} completed (${figures.authentications.paidDuringCancel} while being canceled), ${figures.authentications.failed} failed, ${figures.authentications.refused} refused (no longer waiting), ${figures.authentications.neverActedOn} never acted on`,
    `disputes: ${counted(figures.disputes)}`,
    `refunds: ${counted(figures.refunds)}`,
    `closures: ${counted(figures.closures)}`,
    `top-ups: ${counted(figures.topUps)}`,
    `monthly limits: ${counted(figures.monthlyLimits)}`,
    `card network reports: ${counted(figures.reports)}; outcomes ${counted(figures.reportOutcomes)}`,
    `operator: ${Object.entries(figures.operator)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}; API 5xx retried ${figures.apiRetries}, money-back calls retried ${figures.moneyBackRetries}`,
    `scheduled: daily runs ${figures.dailyRuns} (${figures.missedDailyRuns} midnights missed and caught up), monthly runs ${figures.monthlyRuns} (statements read ${figures.statementsRead}), invocations retried ${figures.scheduledRetries}`,
    `standing: PartnerBlocked ${figures.partnersBlockedEvents}, PartnerUnblocked ${figures.partnersUnblockedEvents}`,
    `events relayed from the outbox: ${figures.eventsRelayed}, ${figures.eventsRedelivered} of them put again after a relay fault`,
    `invariant checks: ${figures.invariantChecks}, all held`,
  ];
  if (figures.unexpectedErrors.length > 0)
    lines.push(`handler errors other than injected crashes: ${figures.unexpectedErrors.join(' | ')}`);
  return lines.join('\n');
}

/** One line per port method reached: `  ledger.getPartner: before 2 / 1210, after 3 / 1208`. */
function portCalls(figures: Figures): string[] {
  const calls = new Set(Object.keys(figures.reachedByPoint).map((point) => point.replace(/:(before|after)$/, '')));
  const side = (call: string, when: string) => {
    const point = `${call}:${when}`;
    return `${when} ${figures.faultsByPoint[point] ?? 0} / ${figures.reachedByPoint[point] ?? 0}`;
  };
  return [...calls].map((call) => `  ${call}: ${side(call, 'before')}, ${side(call, 'after')}`);
}

function counted(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
}

function sortedByKey(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Events counted once each: the relay delivers at least once. */
function distinct(events: readonly DomainEvent[]): number {
  return new Set(events.map((event) => String(event.detail.id))).size;
}
