/**
 * The invariants of the books and of the cards, checked against DynamoDB, the card
 * network's own record, what reached the bus and the reference model. Per step only the
 * partners the step touched are checked, and what reached the card network since the last
 * step; the daily runs and the end check all of them. A pending charge (the card was
 * charged, the answer lost, the attempt not resumed yet; a completed authentication not
 * reported yet) is allowed while the run goes on and must be settled at the end.
 */
import type { SandboxCharge } from '../../functions/adapters/payments/sandbox-payment-provider';
import type { DomainEvent } from '../../functions/domain/events';
import type { LedgerEntry } from '../../functions/domain/ledger';
import { cardFee, formatAmount, micros } from '../../functions/domain/money';
import { BLOCKING_GRACE_MS } from '../../functions/domain/overdue-rules';
import type { PartnerAccount } from '../../functions/domain/partner';
import type { Invoice } from '../../functions/domain/recharge/charge-attempt';
import { MAX_SOFT_DECLINES_PER_CARD, declineKind } from '../../functions/domain/recharge/decline-policy';
import type { Books, PartnerBooks } from './books';
import { MoneyBackInvariants } from './money-back-invariants';
import { MonthEndInvariants } from './month-end-invariants';
import { TopUpInvariants } from './top-up-invariants';
import type { MessageModel, ReferenceModel } from './reference-model';
import type { SimWorld } from './sim-world';
import type { SimulatedApi } from './simulated-api';
import type { CardFact, WaitingCharge } from './simulated-card-network';
import { InvariantBroken, type InvariantNumber, type Strictness } from './invariant-catalogue';

export class Invariants {
  step = 0;
  checks = 0;
  private indexedCharges = 0;
  private readonly chargesByPartner = new Map<string, SandboxCharge[]>();
  private readonly chargesByKey = new Map<string, SandboxCharge>();
  private readonly deadLettered = new Map<string, { reason: string; body: string }>();
  private deadLettersIndexed = 0;
  /** What the last check of each partner saw: an unchanged account version and charge count need no new reads. */
  private readonly lastSeen = new Map<string, { version: number; charges: number }>();
  private readonly cards = {
    factsRead: 0,
    /** Idempotency keys that reached the network: a later call with one is a replay, not a new charge. */
    keys: new Set<string>(),
    /** The first hard decline the network answered for each card. */
    hardDeclines: new Map<string, { readonly idempotencyKey: string; readonly code: string }>(),
    /** Soft declines in a row per card and count (the card's recharges, or one month's license fee). */
    softInARow: new Map<string, string[]>(),
    canceled: new Set<string>(),
    waitingRead: 0,
    waitingByPartner: new Map<string, WaitingCharge[]>(),
    /** Waiting charges whose attempt the system settled, found consistent with the network for good. */
    closed: new Set<string>(),
  };
  private readonly moneyBack: MoneyBackInvariants;
  private readonly topUps: TopUpInvariants;
  readonly monthEnds: MonthEndInvariants;

  constructor(
    private readonly world: SimWorld,
    private readonly model: ReferenceModel,
    private readonly books: Books,
    api: SimulatedApi,
    private readonly run: { readonly seed: number; readonly steps: number },
  ) {
    const fail = (invariant: InvariantNumber, detail: string) => this.fail(invariant, detail);
    this.moneyBack = new MoneyBackInvariants(world, model, fail);
    this.topUps = new TopUpInvariants(world, model, fail);
    this.monthEnds = new MonthEndInvariants(api, fail);
  }

  fail(invariant: InvariantNumber, detail: string): never {
    throw new InvariantBroken(invariant, this.run.seed, this.step, detail, this.run.steps);
  }

  /** Invariant 2 for the messages a delivery deleted: acknowledged when accepted, dead-lettered with the right reason when not. */
  settleMessages(deleted: readonly string[]): void {
    this.indexDeadLetters();
    for (const messageId of deleted) {
      const message = this.model.pending.get(messageId);
      if (message === undefined) throw new Error(`message ${messageId} was deleted twice or never sent`);
      this.model.pending.delete(messageId);
      this.settleMessage(message, this.deadLettered.get(messageId));
    }
  }

  private settleMessage(message: MessageModel, letter: { reason: string; body: string } | undefined): void {
    const { expect } = message;
    if (expect.kind === 'accept') {
      if (letter !== undefined)
        this.fail(
          2,
          `event ${expect.eventId} (message ${message.messageId}) was dead-lettered as ${letter.reason} instead of debited`,
        );
      this.model.confirm(expect.eventId);
      return;
    }
    if (letter === undefined)
      this.fail(
        2,
        `message ${message.messageId}, to be rejected as ${expect.reason}, was acknowledged without reaching the dead-letter queue`,
      );
    if (letter.reason !== expect.reason)
      this.fail(2, `message ${message.messageId} was dead-lettered as ${letter.reason}, expected ${expect.reason}`);
    if (letter.body !== message.body && !(message.body === '' && letter.body === ' '))
      this.fail(2, `message ${message.messageId} reached the dead-letter queue altered`);
  }

  private indexDeadLetters(): void {
    const letters = this.world.deadLetters.all();
    for (const letter of letters.slice(this.deadLettersIndexed)) {
      const source = letter.attributes.sourceMessageId ?? '';
      const reason = letter.attributes.rejectionReason;
      if (reason === undefined || reason === '') this.fail(2, `dead letter of message ${source} carries no reason`);
      // At-least-once: a refusal repeated after a crash may dead-letter a message twice, with the same reason.
      this.deadLettered.set(source, { reason, body: letter.body });
    }
    this.deadLettersIndexed = letters.length;
  }

  /**
   * Invariants 8, 9, 11 and 15 (the network's side) over what reached the card network
   * since the last check, in the order it happened: no new charge on a card once the network
   * answered a hard decline of it (an answer the network lost tells the system nothing);
   * at most 8 soft declines in a row per card, counted apart for its recharges and for each
   * month's license fee (each has its own count in the domain), a success ending the run;
   * a canceled charge never succeeds; no new charge of a closed account.
   */
  checkCardNetwork(): void {
    const { facts } = this.world.cards;
    for (const [offset, fact] of facts.slice(this.cards.factsRead).entries()) {
      if (fact.kind === 'call') this.checkCall(fact, this.cards.factsRead + offset);
      else if (fact.kind === 'status') this.checkStatus(fact);
      else if (declineKind(fact.declineCode) === 'hard' && !this.cards.hardDeclines.has(fact.card))
        this.cards.hardDeclines.set(fact.card, { idempotencyKey: fact.idempotencyKey, code: fact.declineCode });
    }
    this.cards.factsRead = facts.length;
  }

  private checkCall(call: Extract<CardFact, { kind: 'call' }>, factIndex: number): void {
    const { keys, hardDeclines } = this.cards;
    if (keys.has(call.idempotencyKey)) return;
    keys.add(call.idempotencyKey);
    this.moneyBack.checkCall(call, factIndex);
    const hard = hardDeclines.get(call.card);
    if (hard !== undefined)
      this.fail(
        8,
        `card ${call.card} of partner ${call.partnerId} was charged again (attempt ${call.idempotencyKey}) after its hard decline ${hard.code} on attempt ${hard.idempotencyKey}`,
      );
  }

  private checkStatus(change: Extract<CardFact, { kind: 'status' }>): void {
    const { card, idempotencyKey, chargeId, partnerId, status } = change;
    const count = `${card} ${idempotencyKey.startsWith('lic-') ? idempotencyKey.replace(/-\d+$/, '') : 'recharges'}`;
    if (status === 'canceled') this.cards.canceled.add(chargeId);
    if (status === 'succeeded') {
      if (this.cards.canceled.has(chargeId))
        this.fail(11, `charge ${chargeId} (attempt ${idempotencyKey}) of partner ${partnerId} was canceled, then paid`);
      this.cards.softInARow.delete(count);
    }
    if (
      status !== 'requires_payment_method' ||
      change.declineCode === undefined ||
      declineKind(change.declineCode) === 'hard'
    )
      return;
    const run = [...(this.cards.softInARow.get(count) ?? []), `${idempotencyKey} ${change.declineCode}`];
    this.cards.softInARow.set(count, run);
    if (run.length > MAX_SOFT_DECLINES_PER_CARD)
      this.fail(
        9,
        `card ${card} of partner ${partnerId} declined ${run.length} charges in a row with soft codes, more than ${MAX_SOFT_DECLINES_PER_CARD} without a success or a new card: ${run.join(', ')}`,
      );
  }

  private indexCharges(): void {
    const charges = this.world.cards.sandbox.charges;
    for (const charge of charges.slice(this.indexedCharges)) {
      const partnerId = charge.request.partnerId;
      const list = this.chargesByPartner.get(partnerId) ?? [];
      list.push(charge);
      this.chargesByPartner.set(partnerId, list);
      this.chargesByKey.set(charge.request.idempotencyKey, charge);
    }
    this.indexedCharges = charges.length;
  }

  /**
   * Invariants 1, 2, 3, 4 (standing) and 5 for the partners a step touched, their accounts
   * read in one request. `exact` also asks ingestion which queued events it debited
   * already; without it, those events only bound the count (cheaper, for every step).
   */
  async checkPartners(partnerIds: readonly string[], strictness: Strictness, exact: boolean): Promise<void> {
    if (partnerIds.length === 0) return;
    this.indexCharges();
    this.moneyBack.index();
    const accounts = new Map(
      (await this.world.ledger.getPartners(partnerIds)).map((account) => [account.partnerId, account]),
    );
    for (const partnerId of partnerIds) {
      this.checks += 1;
      const account = accounts.get(partnerId);
      if (account === undefined) this.fail(1, `partner ${partnerId} was created but has no account`);
      const charges = this.chargesByPartner.get(partnerId)?.length ?? 0;
      const last = this.lastSeen.get(partnerId);
      const books =
        last?.version === account.version && last.charges === charges
          ? this.books.of(partnerId)
          : await this.books.refresh(partnerId);
      this.lastSeen.set(partnerId, { version: account.version, charges });
      this.checkLedger(account, books);
      await this.checkUsage(account, books, exact);
      this.checkCharges(account, books, strictness);
      this.checkAuthentications(account, books, strictness);
      this.checkStanding(account);
      await this.moneyBack.checkPartner(account, books, strictness);
      await this.topUps.checkPartner(account, books);
    }
  }

  private checkLedger(account: PartnerAccount, books: PartnerBooks): void {
    const { partnerId } = account;
    const partner = this.model.partner(partnerId);
    const total = books.sum();
    if (account.liveBalance !== total) {
      this.fail(
        1,
        `partner ${partnerId} has a live balance of ${formatAmount(account.liveBalance)} but its ${books.entries.size} ledger entries sum to ${formatAmount(micros(total))}`,
      );
    }
    const opening = books.entries.get(`opening:${partnerId}`);
    if (opening?.amount !== partner.opening)
      this.fail(
        1,
        `partner ${partnerId} opened with ${formatAmount(partner.opening)}, its opening entry says ${opening === undefined ? 'nothing' : formatAmount(opening.amount)}`,
      );
    const payments = entriesOf(books, 'payment');
    for (const [reference, amount] of partner.payments) {
      const entry = payments.get(reference);
      if (entry?.amount !== amount)
        this.fail(
          1,
          `payment ${reference} of ${formatAmount(amount)} to partner ${partnerId} is booked as ${entry === undefined ? 'nothing' : formatAmount(entry.amount)}`,
        );
    }
    for (const reference of payments.keys()) {
      if (!partner.payments.has(reference))
        this.fail(1, `partner ${partnerId} was credited a payment ${reference} that finance never confirmed`);
    }
    const adjustments = entriesOf(books, 'adjustment');
    for (const [period, { adjustment }] of partner.reconciliations) {
      const entry = adjustments.get(period);
      if ((entry?.amount ?? 0) !== adjustment)
        this.fail(
          1,
          `reconciliation ${period} of partner ${partnerId} must book ${formatAmount(adjustment)}, the ledger has ${entry === undefined ? 'nothing' : formatAmount(entry.amount)}`,
        );
    }
    for (const period of adjustments.keys()) {
      if (!partner.reconciliations.has(period))
        this.fail(1, `partner ${partnerId} has an adjustment for ${period}, a month never reconciled`);
    }
  }

  private async checkUsage(account: PartnerAccount, books: PartnerBooks, exact: boolean): Promise<void> {
    const partner = this.model.partner(account.partnerId);
    let events = 0;
    let debited = 0;
    for (const entry of books.entries.values()) {
      if (entry.kind !== 'usage') continue;
      events += entry.eventCount;
      debited -= entry.amount;
    }
    // Events whose messages are still queued may or may not be debited yet: ingestion's dedupe record says which.
    const inFlight = [...partner.unconfirmed];
    if (!exact && inFlight.length > 0) {
      let mostCost = partner.confirmedCost as number;
      for (const eventId of inFlight) mostCost += this.model.events.get(eventId)?.cost ?? 0;
      if (
        events < partner.confirmedEvents ||
        events > partner.confirmedEvents + inFlight.length ||
        debited < partner.confirmedCost ||
        debited > mostCost
      ) {
        this.fail(
          2,
          `partner ${account.partnerId} has ${events} events debited for ${formatAmount(micros(debited))}, but ${partner.confirmedEvents} distinct events were accepted for ${formatAmount(partner.confirmedCost)} and at most ${inFlight.length} more are on the queue`,
        );
      }
      return;
    }
    const debitedInFlight = inFlight.length === 0 ? new Set<string>() : await this.books.debited(inFlight);
    let expectedEvents = partner.confirmedEvents;
    let expectedCost = partner.confirmedCost as number;
    for (const eventId of debitedInFlight) {
      expectedEvents += 1;
      expectedCost += this.model.events.get(eventId)?.cost ?? 0;
    }
    if (events !== expectedEvents || debited !== expectedCost) {
      this.fail(
        2,
        `partner ${account.partnerId} has ${events} events debited for ${formatAmount(micros(debited))}, but ${expectedEvents} distinct events were accepted for ${formatAmount(micros(expectedCost))}`,
      );
    }
  }

  private checkCharges(account: PartnerAccount, books: PartnerBooks, strictness: Strictness): void {
    const { partnerId } = account;
    // A recharge or opening charge credits a `recharge` entry, a top-up a `top-up` entry; both name the attempt.
    const credits = new Map([...entriesOf(books, 'recharge'), ...entriesOf(books, 'top-up')]);
    const invoicesByAttempt = new Map<string, Invoice[]>();
    for (const invoice of books.invoices.values()) {
      invoicesByAttempt.set(invoice.attemptId, [...(invoicesByAttempt.get(invoice.attemptId) ?? []), invoice]);
    }
    for (const charge of this.chargesByPartner.get(partnerId) ?? []) {
      const key = charge.request.idempotencyKey;
      const total = charge.request.amountCents * 10_000;
      const credit = credits.get(key);
      const invoices = invoicesByAttempt.get(key) ?? [];
      if (charge.result.outcome !== 'succeeded') {
        if (credit !== undefined)
          this.fail(
            3,
            `attempt ${key} of partner ${partnerId} was declined by the card but credited ${formatAmount(credit.amount)}`,
          );
        if (invoices.length > 0) this.fail(5, `attempt ${key} of partner ${partnerId} was declined but has an invoice`);
        continue;
      }
      if (invoices.length > 1)
        this.fail(
          5,
          `charge ${charge.chargeId} (attempt ${key}) of partner ${partnerId} has ${invoices.length} invoices`,
        );
      const invoice = invoices[0];
      if (invoice !== undefined && (invoice.total !== total || invoice.providerChargeId !== charge.chargeId)) {
        this.fail(
          5,
          `invoice ${invoice.invoiceId} of partner ${partnerId} says ${formatAmount(invoice.total)} by ${invoice.providerChargeId}, the card was charged ${formatAmount(micros(total))} by ${charge.chargeId}`,
        );
      }
      if (key.startsWith('lic-')) {
        // A license fee is charged to the card only: an invoice, never a credit.
        if (credit !== undefined)
          this.fail(3, `license fee ${key} of partner ${partnerId} was credited to the prepaid balance`);
        if (invoice === undefined && strictness === 'settled')
          this.fail(
            5,
            `license fee ${key} of partner ${partnerId} was charged ${formatAmount(micros(total))} and never invoiced`,
          );
        continue;
      }
      if (credit === undefined) {
        if (invoice !== undefined)
          this.fail(5, `attempt ${key} of partner ${partnerId} is invoiced but nothing was credited`);
        if (strictness === 'settled' || account.chargeInFlight !== key) {
          this.fail(
            3,
            `card charged ${formatAmount(micros(total))} for attempt ${key} of partner ${partnerId}, nothing credited${account.chargeInFlight === key ? ' by the end' : ' and the attempt is not in flight'}`,
          );
        }
        continue;
      }
      if (credit.amount + cardFee(credit.amount) !== total) {
        this.fail(
          3,
          `attempt ${key} of partner ${partnerId} credited ${formatAmount(credit.amount)} plus fee ${formatAmount(cardFee(credit.amount))}, the card was charged ${formatAmount(micros(total))}`,
        );
      }
      if (invoice === undefined)
        this.fail(
          5,
          `charge ${charge.chargeId} (attempt ${key}) of partner ${partnerId} was credited without an invoice`,
        );
      const lines = invoice.lines.map((line) => `${line.kind} ${formatAmount(line.amount)}`).join(', ');
      const creditLine = credit.kind === 'top-up' ? 'top-up' : 'credit';
      if (
        invoice.lines.find((line) => line.kind === creditLine)?.amount !== credit.amount ||
        invoice.lines.find((line) => line.kind === 'card-fee')?.amount !== cardFee(credit.amount)
      ) {
        this.fail(
          5,
          `invoice ${invoice.invoiceId} of partner ${partnerId} has lines ${lines}, the credit was ${formatAmount(credit.amount)}`,
        );
      }
    }
    for (const [key, credit] of credits) {
      if (this.chargesByKey.get(key)?.result.outcome !== 'succeeded') {
        this.fail(
          3,
          `partner ${partnerId} was credited ${formatAmount(credit.amount)} for attempt ${key}, which the card network never charged`,
        );
      }
    }
    for (const invoice of books.invoices.values()) {
      if (this.chargesByKey.get(invoice.attemptId)?.result.outcome !== 'succeeded') {
        this.fail(5, `invoice ${invoice.invoiceId} of partner ${partnerId} has no successful card charge behind it`);
      }
    }
  }

  /**
   * Invariant 10: a charge that waited for its cardholder is credited once if the partner
   * completed it, and never otherwise. While the run goes on, a completed one may wait for
   * its report or the daily run, holding the partner's in-flight slot.
   */
  private checkAuthentications(account: PartnerAccount, books: PartnerBooks, strictness: Strictness): void {
    const { partnerId } = account;
    const waitingCharges = this.waitingOf(partnerId);
    if (waitingCharges.length === 0) return;
    const creditsByAttempt = new Map<string, number>();
    for (const entry of books.entries.values())
      if (entry.kind === 'recharge' || entry.kind === 'top-up')
        creditsByAttempt.set(entry.idempotencyKey, (creditsByAttempt.get(entry.idempotencyKey) ?? 0) + 1);
    for (const waiting of waitingCharges) {
      const key = waiting.idempotencyKey;
      const credits = creditsByAttempt.get(key) ?? 0;
      const completed = waiting.outcome === 'completed';
      if (credits > 1)
        this.fail(
          10,
          `authenticated charge ${waiting.chargeId} (attempt ${key}) of partner ${partnerId} was credited ${credits} times`,
        );
      if (!completed && credits > 0)
        this.fail(
          10,
          `charge ${waiting.chargeId} (attempt ${key}) of partner ${partnerId} was credited, but its partner never completed the authentication (${waiting.outcome ?? 'not acted on'})`,
        );
      if (completed && credits === 0 && (strictness === 'settled' || account.chargeInFlight !== key))
        this.fail(
          10,
          `partner ${partnerId} completed the authentication of charge ${waiting.chargeId} (attempt ${key}) and was not credited${account.chargeInFlight === key ? ' by the end' : ', and the attempt is not in flight'}`,
        );
    }
  }

  /**
   * Invariant 11, the system's side, after each daily run and at the end: an attempt the
   * system settled without a payment (declined, canceled) has no charge left waiting at the
   * network, which its partner could still pay after being told it failed.
   */
  async checkWaitingCharges(): Promise<void> {
    for (const partnerId of [...this.model.partners.keys()].sort()) {
      for (const waiting of this.waitingOf(partnerId)) {
        if (this.cards.closed.has(waiting.chargeId)) continue;
        const attempt = await this.world.attempts.getAttempt(partnerId, waiting.idempotencyKey);
        if (attempt === undefined || attempt.state === 'pending' || attempt.state === 'action-required') continue;
        const status = this.world.cards.charges.get(waiting.chargeId)?.status;
        if (attempt.state !== 'succeeded' && (status === 'requires_action' || status === 'succeeded'))
          this.fail(
            11,
            `attempt ${waiting.idempotencyKey} of partner ${partnerId} was settled ${attempt.state}, but its charge ${waiting.chargeId} ${status === 'succeeded' ? 'was paid' : 'still waits for the partner, who may pay it'}`,
          );
        // The charge is final at the network (paid, failed, canceled): nothing can change it again.
        if (status !== 'requires_action') this.cards.closed.add(waiting.chargeId);
      }
    }
  }

  /** The charges of a partner that waited for authentication, in the order they began to wait. */
  private waitingOf(partnerId: string): readonly WaitingCharge[] {
    const { waiting: byCharge } = this.world.cards;
    if (byCharge.size === this.cards.waitingRead) return this.cards.waitingByPartner.get(partnerId) ?? [];
    const all = [...byCharge.values()];
    for (const waiting of all.slice(this.cards.waitingRead)) {
      if (!waiting.idempotencyKey.startsWith('att-')) continue;
      const list = this.cards.waitingByPartner.get(waiting.partnerId) ?? [];
      list.push(waiting);
      this.cards.waitingByPartner.set(waiting.partnerId, list);
    }
    this.cards.waitingRead = all.length;
    return this.cards.waitingByPartner.get(partnerId) ?? [];
  }

  /**
   * Between daily runs: a blocked partner is below 0, and one back at >= 0 is active with no
   * clock. A closed account keeps its status whatever its balance (invariant 15).
   */
  private checkStanding(account: PartnerAccount): void {
    if (account.status === 'closed') return;
    if (account.status === 'blocked' && account.liveBalance >= 0) {
      this.fail(4, `partner ${account.partnerId} is blocked with a balance of ${formatAmount(account.liveBalance)}`);
    }
    if (account.liveBalance >= 0 && (account.status !== 'active' || account.overdueSince !== undefined)) {
      this.fail(
        4,
        `partner ${account.partnerId} is back at ${formatAmount(account.liveBalance)} but still ${account.status}${account.overdueSince === undefined ? '' : ` with an overdue clock since ${account.overdueSince.toISOString()}`}`,
      );
    }
  }

  /**
   * After a daily run at `runAt`: invariant 4 (the 7-day rule, by the clock the system
   * kept, checked against when the ledger says the balance went below 0) and invariant
   * 6 (each partner's published balance at each cut-off is the sum of the entries before it),
   * and invariant 18 (the statements of the months over since the last run).
   */
  async checkDailyRun(runAt: Date, cutoffs: readonly Date[], completedRuns: readonly Date[]): Promise<void> {
    const partnerIds = [...this.model.partners.keys()].sort();
    await this.checkPartners(partnerIds, 'running', true);
    const accounts = await this.world.ledger.getPartners(partnerIds);
    for (const account of accounts) {
      const books = await this.books.refreshHistory(account.partnerId);
      this.checkOverdueRule(account, books, runAt, completedRuns);
      this.checkPublished(account, books, cutoffs);
      await this.monthEnds.checkPartner(account, books, runAt);
    }
    await this.checkWaitingCharges();
  }

  /**
   * Invariant 7, once the relay has caught up: every event in the outbox reached the bus
   * (more than once is allowed: consumers deduplicate on `detail.id`), the bus got no event
   * the outbox does not hold, and every invoice was announced by a `RechargeSucceeded` (a
   * top-up's by a `TopUpSucceeded`); and invariant 16's `RechargeLimitReached`, once a month.
   */
  async checkEvents(): Promise<void> {
    await this.world.relayEvents();
    const relayed = new Map<string, DomainEvent>();
    for (const event of this.world.events.published) {
      if (event.type !== 'UsageRejected') relayed.set(String(event.detail.id), event);
    }
    const announced = new Set<string>();
    for (const event of relayed.values())
      if (SUCCEEDED_CHARGES.has(event.type)) announced.add(`${event.detail.partnerId} ${event.detail.invoiceId}`);
    let committed = 0;
    for (const partnerId of [...this.model.partners.keys()].sort()) {
      const outbox = await this.books.outbox(partnerId);
      committed += outbox.length;
      for (const { eventId, type, time } of outbox) {
        if (!relayed.has(eventId))
          this.fail(7, `${type} ${eventId} of partner ${partnerId}, committed at ${time}, never reached the bus`);
      }
      for (const invoiceId of (await this.books.refresh(partnerId)).invoices.keys()) {
        if (!announced.has(`${partnerId} ${invoiceId}`))
          this.fail(
            7,
            `invoice ${invoiceId} of partner ${partnerId} was issued without a RechargeSucceeded or TopUpSucceeded event`,
          );
      }
    }
    if (relayed.size !== committed)
      this.fail(7, `the bus got ${relayed.size} distinct events, the outbox holds ${committed}`);
    this.topUps.checkLimitEvents([...relayed.values()]);
    this.checks += 1;
  }

  private checkOverdueRule(
    account: PartnerAccount,
    books: PartnerBooks,
    runAt: Date,
    completedRuns: readonly Date[],
  ): void {
    const { partnerId, liveBalance, overdueSince, status } = account;
    // A closed account is never made overdue or blocked: usage after the closure is an amount due (invariant 15).
    if (liveBalance >= 0 || status === 'closed') return;
    const wentNegative = negativeSince([...books.entries.values()]);
    if (wentNegative === undefined)
      this.fail(4, `partner ${partnerId} is at ${formatAmount(liveBalance)} but its ledger never went below 0`);
    if (overdueSince === undefined)
      this.fail(
        4,
        `partner ${partnerId} is below 0 since ${wentNegative.toISOString()} and the daily run at ${runAt.toISOString()} left it without an overdue clock`,
      );
    if (overdueSince < wentNegative)
      this.fail(
        4,
        `partner ${partnerId}'s overdue clock starts at ${overdueSince.toISOString()}, before its balance went below 0 at ${wentNegative.toISOString()}`,
      );
    const firstRunAfter = completedRuns.find((run) => run >= wentNegative);
    if (firstRunAfter !== undefined && overdueSince > firstRunAfter) {
      this.fail(
        4,
        `partner ${partnerId} went below 0 at ${wentNegative.toISOString()}; its overdue clock started only at ${overdueSince.toISOString()}, after the daily run at ${firstRunAfter.toISOString()}`,
      );
    }
    const due = runAt.getTime() - overdueSince.getTime() >= BLOCKING_GRACE_MS;
    if (due && status !== 'blocked') {
      this.fail(
        4,
        `partner ${partnerId} has been below 0 since ${overdueSince.toISOString()} (${formatAmount(liveBalance)} now) and is still ${status} after the daily run at ${runAt.toISOString()}`,
      );
    }
    if (
      status === 'blocked' &&
      (account.blockedAt === undefined || account.blockedAt.getTime() - overdueSince.getTime() < BLOCKING_GRACE_MS)
    ) {
      this.fail(
        4,
        `partner ${partnerId} was blocked at ${account.blockedAt?.toISOString()}, less than 7 days after its overdue clock started at ${overdueSince.toISOString()}`,
      );
    }
  }

  private checkPublished(account: PartnerAccount, books: PartnerBooks, cutoffs: readonly Date[]): void {
    const { partnerId } = account;
    for (const cutoff of cutoffs) {
      if (account.createdAt >= cutoff) continue;
      const snapshot = books.publishedAsOf(cutoff);
      const expected = books.balanceBefore(cutoff);
      if (snapshot === undefined)
        this.fail(
          6,
          `no balance of partner ${partnerId} was ever published as of ${cutoff.toISOString()} (the ledger says ${formatAmount(micros(expected))})`,
        );
      if (snapshot.balance !== expected) {
        this.fail(
          6,
          `partner ${partnerId}'s balance as of ${cutoff.toISOString()} is published as ${formatAmount(micros(snapshot.balance))} (on ${snapshot.day}), the ledger says ${formatAmount(micros(expected))}`,
        );
      }
    }
    const days = [...books.snapshots.keys()].sort();
    const newest = books.snapshots.get(days[days.length - 1] ?? '');
    if (
      newest !== undefined &&
      (account.publishedBalance?.amount !== newest.balance ||
        account.publishedBalance.asOf.getTime() !== newest.cutoff.getTime())
    ) {
      this.fail(
        6,
        `partner ${partnerId} shows a published balance of ${formatAmount(account.publishedBalance?.amount ?? micros(0))} as of ${account.publishedBalance?.asOf.toISOString()}, its newest snapshot is ${formatAmount(newest.balance)} as of ${newest.cutoff.toISOString()}`,
      );
    }
  }
}

/** The events that announce a paid charge and its invoice. */
const SUCCEEDED_CHARGES: ReadonlySet<string> = new Set(['RechargeSucceeded', 'TopUpSucceeded']);

function entriesOf(books: PartnerBooks, kind: LedgerEntry['kind']): Map<string, LedgerEntry> {
  const byKey = new Map<string, LedgerEntry>();
  for (const entry of books.entries.values()) if (entry.kind === kind) byKey.set(entry.idempotencyKey, entry);
  return byKey;
}

/**
 * When the balance last went from >= 0 to below 0, by the ledger; undefined when it is
 * not below 0. Entries posted at the same instant count as one movement.
 */
export function negativeSince(entries: readonly LedgerEntry[]): Date | undefined {
  const byTime = new Map<number, number>();
  for (const entry of entries)
    byTime.set(entry.postedAt.getTime(), (byTime.get(entry.postedAt.getTime()) ?? 0) + entry.amount);
  let balance = 0;
  let since: number | undefined;
  for (const time of [...byTime.keys()].sort((a, b) => a - b)) {
    const before = balance;
    balance += byTime.get(time) ?? 0;
    if (balance < 0 && before >= 0) since = time;
    if (balance >= 0) since = undefined;
  }
  return since === undefined ? undefined : new Date(since);
}
