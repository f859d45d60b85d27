/**
 * Invariants 12 to 15, of money that comes back (docs/contract.md §13), held against the
 * card network's own record: the sandbox's disputes and refunds of each charge. Disputes
 * and refunds made at the provider are booked once each, credit first; no charge gives back
 * more than it took, and at the end the books took back exactly what left at the network;
 * every operator refund is paid back or released part by part; a closed account is never
 * charged, blocked or opened again. While the run goes on, what a report still on its way
 * would book is allowed to be missing; at the end nothing is.
 *
 * The system's records of money back (a credited charge's totals, an operator refund, a
 * dispute that took nothing, a closed account's numbers) are read again while the run
 * goes on only when what they are held against moved: the books' or the network's side of
 * that charge or dispute, a refund still open, a closure not yet found complete. A record found consistent stays so until one of them moves, so
 * reading it at every step a partner is touched would only make each step cost more the
 * longer the run; the end reads every record again.
 */
import type { SandboxDispute, SandboxRefund } from '../../functions/adapters/payments/sandbox-money-back';
import { entryIdOf } from '../../functions/domain/ledger';
import type { CreditedCharge, OperatorRefund } from '../../functions/domain/money-back/money-back-ports';
import { MICROS_PER_CENT, formatAmount, micros } from '../../functions/domain/money';
import { isLicenseAttemptId } from '../../functions/domain/monthly/license-fee';
import type { PartnerAccount } from '../../functions/domain/partner';
import type { PartnerBooks } from './books';
import type { Fail, Strictness } from './invariant-catalogue';
import type { PartnerModel, ReferenceModel } from './reference-model';
import type { SimWorld } from './sim-world';
import type { CardFact, NetworkCharge } from './simulated-card-network';

/** Dispute statuses in which the network took the money (won: took it and gave it back). */
const TOOK_MONEY: ReadonlySet<SandboxDispute['status']> = new Set(['needs_response', 'won', 'lost']);
/** Dispute statuses in which the money stays taken. */
const KEEPS_MONEY: ReadonlySet<SandboxDispute['status']> = new Set(['needs_response', 'lost']);

/** What came back of one of the network's charges. */
interface ChargeMoneyBack {
  readonly charge: NetworkCharge;
  readonly disputes: SandboxDispute[];
  readonly refunds: SandboxRefund[];
}

/** The books' side of one charge: what each kind of booking took back of its credit. */
interface TakenBack {
  providerRefunds: number;
  operatorParts: number;
  chargebacks: number;
}

export class MoneyBackInvariants {
  private byPartner = new Map<string, Map<string, ChargeMoneyBack>>();
  /** Records found consistent, with what they were held against (see the top of this file). */
  private readonly consistent = {
    /** By attempt: the credit the books took back by refunds and by disputes, and the charge's record then. */
    charges: new Map<string, { readonly takenBack: string; readonly record: CreditedCharge }>(),
    /** Operator refunds found done, by partner and reference: nothing changes them any more. */
    refunds: new Map<string, OperatorRefund>(),
    /** Disputes recorded as taking nothing, with the network's status then. */
    disputes: new Map<string, SandboxDispute['status']>(),
    /** Closed accounts found with every number cancelled. */
    closed: new Set<string>(),
  };

  constructor(
    private readonly world: SimWorld,
    private readonly model: ReferenceModel,
    private readonly fail: Fail,
  ) {}

  /** Reads the network's disputes and refunds once for a round of partner checks. */
  index(): void {
    const byPartner = new Map<string, Map<string, ChargeMoneyBack>>();
    const of = (chargeId: string): ChargeMoneyBack => {
      const charge = this.world.cards.charges.get(chargeId);
      if (charge === undefined) throw new Error(`the sandbox holds money back on ${chargeId}, a charge never reported`);
      const charges = byPartner.get(charge.partnerId) ?? new Map<string, ChargeMoneyBack>();
      byPartner.set(charge.partnerId, charges);
      const found = charges.get(chargeId) ?? { charge, disputes: [], refunds: [] };
      charges.set(chargeId, found);
      return found;
    };
    for (const dispute of this.world.cards.sandbox.disputes) of(dispute.payment_intent).disputes.push(dispute);
    for (const refund of this.world.cards.sandbox.refunds) of(refund.payment_intent).refunds.push(refund);
    this.byPartner = byPartner;
  }

  /**
   * Invariant 15 at the network: once the operator asked for the closure, no new charge
   * reaches a card of the partner but one of an attempt opened before the account closed
   * (the charge in flight, which the closure settles); never a license fee.
   */
  checkCall(call: Extract<CardFact, { kind: 'call' }>, factIndex: number): void {
    const closure = this.model.partners.get(call.partnerId)?.closure;
    if (closure === undefined || factIndex < closure.networkFactsBefore) return;
    const openedAt = attemptOpenedAt(call.idempotencyKey);
    if (openedAt === undefined || openedAt >= closure.closedAt)
      this.fail(
        15,
        `card ${call.card} of partner ${call.partnerId}, closed at ${closure.closedAt.toISOString()}, was charged for ${call.idempotencyKey}`,
      );
  }

  /** Invariants 12 to 15 for one partner, on the books just read. */
  async checkPartner(account: PartnerAccount, books: PartnerBooks, strictness: Strictness): Promise<void> {
    const partner = this.model.partner(account.partnerId);
    await this.checkClosure(account, partner, strictness);
    const charges = this.byPartner.get(account.partnerId) ?? new Map<string, ChargeMoneyBack>();
    if (charges.size === 0 && partner.refunds.size === 0 && !books.hasMoneyBack()) return;
    const context: PartnerContext = {
      account,
      books,
      charges,
      refunds: await this.operatorRefunds(partner, strictness),
      strictness,
      takenBack: new Map(),
      unbooked: [],
    };
    await this.checkDisputes(context);
    this.checkOperatorRefunds(context);
    this.checkProviderRefunds(context);
    this.checkNoOtherEntries(context);
    await this.checkCharges(context);
  }

  /**
   * Invariant 12 for disputes: one that took money is booked once as a `chargeback` of at
   * most the disputed amount and the charge's credit, and a won one once as a
   * `chargeback-reversal` of the same amount; an inquiry or a license fee's dispute books
   * nothing. A chargeback may be missing while a report of the dispute is on its way, or
   * when the dispute found no credit left to take (its record says it took 0).
   */
  private async checkDisputes(context: PartnerContext): Promise<void> {
    const { account, books, charges, strictness } = context;
    for (const { charge, disputes } of charges.values()) {
      for (const dispute of disputes) {
        const chargeback = books.entries.get(entryIdOf('chargeback', dispute.id));
        const reversal = books.entries.get(entryIdOf('chargeback-reversal', dispute.id));
        const what = `dispute ${dispute.id} (${dispute.status}) of charge ${charge.chargeId} (attempt ${charge.idempotencyKey}) of partner ${account.partnerId}`;
        if (isLicenseAttemptId(charge.idempotencyKey) || !TOOK_MONEY.has(dispute.status)) {
          if (chargeback !== undefined || reversal !== undefined)
            this.fail(12, `${what} took no credit, but the ledger has a ${chargeback ? 'chargeback' : 'reversal'}`);
          continue;
        }
        const inFlight =
          strictness === 'running' &&
          this.world.reports.inFlight((report) => report.kind === 'dispute-changed' && report.disputeId === dispute.id);
        if (chargeback === undefined) {
          if (reversal !== undefined) this.fail(12, `${what} was credited back without a chargeback`);
          if (!inFlight) await this.checkNothingTaken(account.partnerId, dispute, what, strictness);
          continue;
        }
        const credit = books.creditOf(charge.idempotencyKey)?.amount ?? 0;
        if (chargeback.amount >= 0 || -chargeback.amount > Math.min(dispute.amount * MICROS_PER_CENT, credit))
          this.fail(
            12,
            `${what} was charged back ${formatAmount(chargeback.amount)}; it disputes ${cents(dispute.amount)} of a charge that credited ${formatAmount(micros(credit))}`,
          );
        takeBack(context, charge.idempotencyKey, 'chargebacks', -chargeback.amount);
        if (dispute.status !== 'won') {
          if (reversal !== undefined) this.fail(12, `${what} was credited back, but the bank did not decide for us`);
          continue;
        }
        if (reversal === undefined) {
          if (!inFlight)
            this.fail(
              12,
              `${what} was won, and its chargeback of ${formatAmount(chargeback.amount)} never credited back`,
            );
          continue;
        }
        if (reversal.amount !== -chargeback.amount)
          this.fail(
            12,
            `${what} was charged back ${formatAmount(chargeback.amount)} and credited back ${formatAmount(reversal.amount)}`,
          );
        takeBack(context, charge.idempotencyKey, 'chargebacks', -reversal.amount);
      }
    }
  }

  /** A dispute that took money and has no chargeback: its record must exist and say the charge had no credit left. */
  private async checkNothingTaken(
    partnerId: string,
    dispute: SandboxDispute,
    what: string,
    strictness: Strictness,
  ): Promise<void> {
    if (strictness === 'running' && this.consistent.disputes.get(dispute.id) === dispute.status) return;
    const record = await this.world.moneyBack.getDispute(partnerId, dispute.id);
    if (record === undefined) this.fail(12, `${what} was never booked, and no report of it is on its way`);
    if (record.chargeback !== 0)
      this.fail(
        12,
        `${what} is recorded with a chargeback of ${formatAmount(record.chargeback)} the ledger does not have`,
      );
    this.consistent.disputes.set(dispute.id, dispute.status);
  }

  /**
   * Invariant 14: every operator refund the system took on debited its amount once
   * (`refund` entry `operator:<reference>`), in parts on charges that credited the balance;
   * a refunded part is exactly one refund at the network, of its amount; a refused one none,
   * and a `refund-release` of its amount; an open one at most one (its answer was lost). A
   * refund is done once no part is open, and none is left open at the end.
   */
  private checkOperatorRefunds(context: PartnerContext): void {
    const { account, books, charges, refunds, strictness } = context;
    const partner = this.model.partner(account.partnerId);
    for (const [reference, refund] of refunds) {
      const what = `refund ${reference} of ${formatAmount(refund.amount)} to partner ${account.partnerId}`;
      const asked = partner.refunds.get(reference);
      if (refund.amount !== asked)
        this.fail(14, `${what} was asked for ${asked === undefined ? 'nothing' : formatAmount(asked)}`);
      const debit = books.entries.get(entryIdOf('refund', operatorRefundKey(reference)));
      if (debit?.amount !== -refund.amount)
        this.fail(14, `${what} debited ${debit === undefined ? 'nothing' : formatAmount(debit.amount)}`);
      const parts = refund.parts.reduce((total, part) => total + part.amount, 0);
      if (parts !== refund.amount) this.fail(14, `${what} is split into parts of ${formatAmount(micros(parts))}`);
      for (const part of refund.parts) {
        const paid = (charges.get(part.providerChargeId)?.refunds ?? []).filter(
          (made) => made.metadata.operatorReference === reference,
        );
        const release = books.entries.get(entryIdOf('refund-release', releaseKey(reference, part.attemptId)));
        const about = `${what}: its ${part.state} part of ${formatAmount(part.amount)} on charge ${part.providerChargeId} (attempt ${part.attemptId})`;
        if (isLicenseAttemptId(part.attemptId) || books.creditOf(part.attemptId) === undefined)
          this.fail(14, `${about} is on a charge that never credited the balance`);
        if (part.state !== 'refused') takeBack(context, part.attemptId, 'operatorParts', part.amount);
        if (part.state !== 'refused' && release !== undefined)
          this.fail(14, `${about} was released to the balance as well`);
        if (part.state === 'refused' && release?.amount !== part.amount)
          this.fail(14, `${about} was released as ${release === undefined ? 'nothing' : formatAmount(release.amount)}`);
        if (part.state === 'refused' && paid.length > 0)
          this.fail(
            14,
            `${about} was refunded at the network all the same (${paid.map((made) => made.id).join(', ')})`,
          );
        if (part.state === 'open' && paid.length > 1)
          this.fail(14, `${about} was refunded ${paid.length} times at the network`);
        if (
          part.state === 'refunded' &&
          (paid.length !== 1 ||
            paid[0]?.id !== part.refundId ||
            (paid[0]?.amount ?? 0) * MICROS_PER_CENT !== part.amount)
        )
          this.fail(
            14,
            `${about} is refund ${part.refundId}, the network made ${paid.map((made) => `${made.id} of ${cents(made.amount)}`).join(', ') || 'none'}`,
          );
      }
      const open = refund.parts.some((part) => part.state === 'open');
      if (refund.state === 'done' && open) this.fail(14, `${what} is done with a part still open`);
      if (refund.state === 'open' && strictness === 'settled') this.fail(14, `${what} is still open at the end`);
    }
    if (account.refundInFlight !== undefined && refunds.get(account.refundInFlight)?.state !== 'open')
      this.fail(14, `partner ${account.partnerId} holds refund ${account.refundInFlight} in flight, which is not open`);
  }

  /**
   * Invariant 12 for refunds made on the dashboard: each is one `refund` entry
   * `provider:<refundId>` of at most its amount, none on a license fee. One may be missing
   * while a report of its charge is on its way, or when the charge had no credit left then.
   */
  private checkProviderRefunds(context: PartnerContext): void {
    const { account, books, charges, strictness } = context;
    for (const { charge, refunds } of charges.values()) {
      for (const refund of refunds) {
        if (refund.metadata.operatorReference !== undefined) continue;
        const entry = books.entries.get(entryIdOf('refund', providerRefundKey(refund.id)));
        const what = `dashboard refund ${refund.id} of ${cents(refund.amount)} of charge ${charge.chargeId} (attempt ${charge.idempotencyKey}) of partner ${account.partnerId}`;
        if (isLicenseAttemptId(charge.idempotencyKey)) {
          if (entry !== undefined) this.fail(12, `${what}, a license fee, was debited from the balance`);
          continue;
        }
        if (entry === undefined) {
          const inFlight =
            strictness === 'running' &&
            this.world.reports.inFlight(
              (report) => report.kind === 'charge-refunded' && report.providerChargeId === charge.chargeId,
            );
          if (!inFlight) context.unbooked.push({ charge, what });
          continue;
        }
        if (entry.amount >= 0 || -entry.amount > refund.amount * MICROS_PER_CENT)
          this.fail(12, `${what} was booked as ${formatAmount(entry.amount)}`);
        takeBack(context, charge.idempotencyKey, 'providerRefunds', -entry.amount);
      }
    }
  }

  /** Invariants 12 and 14, the other way round: every entry of money back names a dispute, refund or part that exists. */
  private checkNoOtherEntries(context: PartnerContext): void {
    const { account, books, charges, refunds } = context;
    const disputes = new Set<string>();
    const dashboard = new Set<string>();
    for (const charge of charges.values()) {
      for (const dispute of charge.disputes) disputes.add(dispute.id);
      for (const refund of charge.refunds)
        if (refund.metadata.operatorReference === undefined) dashboard.add(refund.id);
    }
    const released = new Set<string>();
    for (const [reference, refund] of refunds)
      for (const part of refund.parts)
        if (part.state === 'refused') released.add(releaseKey(reference, part.attemptId));
    for (const entry of books.entries.values()) {
      const key = entry.idempotencyKey;
      const byProvider =
        entry.kind === 'chargeback' || entry.kind === 'chargeback-reversal' || key.startsWith(PROVIDER);
      const unknown =
        ((entry.kind === 'chargeback' || entry.kind === 'chargeback-reversal') && !disputes.has(key)) ||
        (entry.kind === 'refund' && key.startsWith(PROVIDER) && !dashboard.has(key.slice(PROVIDER.length))) ||
        (entry.kind === 'refund' && key.startsWith(OPERATOR) && !refunds.has(key.slice(OPERATOR.length))) ||
        (entry.kind === 'refund' && !key.startsWith(PROVIDER) && !key.startsWith(OPERATOR)) ||
        (entry.kind === 'refund-release' && !released.has(key));
      if (unknown)
        this.fail(
          byProvider ? 12 : 14,
          `partner ${account.partnerId} has a ${entry.kind} entry ${key} of ${formatAmount(entry.amount)} that no dispute, refund or refused part at the network explains`,
        );
    }
  }

  /**
   * Invariant 13: at the network no charge is refunded beyond its amount; in the books no
   * charge gives back more credit than it carried (refunds, operator parts not refused and
   * chargebacks not reversed), the charge's own record of it agrees, and at the end it gave
   * back exactly what left at the network, up to its credit (credit first). Invariant 12's
   * missing dashboard refunds are judged here: allowed only on a charge with no credit left.
   */
  private async checkCharges(context: PartnerContext): Promise<void> {
    const { account, books, charges, strictness, takenBack } = context;
    for (const { charge, refunds } of charges.values()) {
      const refunded = refunds.reduce((total, refund) => total + refund.amount, 0);
      if (refunded > charge.amountCents)
        this.fail(
          13,
          `charge ${charge.chargeId} of ${cents(charge.amountCents)} was refunded ${cents(refunded)} at the network`,
        );
    }
    const attempts = new Set([...takenBack.keys()]);
    for (const { charge } of charges.values())
      if (!isLicenseAttemptId(charge.idempotencyKey)) attempts.add(charge.idempotencyKey);
    for (const attemptId of attempts) {
      const taken = takenBack.get(attemptId) ?? { providerRefunds: 0, operatorParts: 0, chargebacks: 0 };
      const total = taken.providerRefunds + taken.operatorParts + taken.chargebacks;
      const credit = books.creditOf(attemptId)?.amount ?? 0;
      const what = `attempt ${attemptId} of partner ${account.partnerId}, which credited ${formatAmount(micros(credit))}`;
      if (total < 0 || total > credit) this.fail(13, `${what}, gave back ${formatAmount(micros(total))}`);
      const record = await this.creditedCharge(account.partnerId, attemptId, taken, strictness);
      if (record === undefined) {
        if (total > 0) this.fail(13, `${what}, gave back credit but is no credited charge`);
        continue;
      }
      if (
        record.refundedCredit !== taken.providerRefunds + taken.operatorParts ||
        record.disputedCredit !== taken.chargebacks
      )
        this.fail(
          13,
          `${what}, records ${formatAmount(record.refundedCredit)} refunded and ${formatAmount(record.disputedCredit)} disputed; the books say ${formatAmount(micros(taken.providerRefunds + taken.operatorParts))} and ${formatAmount(micros(taken.chargebacks))}`,
        );
      this.consistent.charges.set(attemptId, { takenBack: takenBackKey(taken), record });
      const network = charges.get(record.providerChargeId);
      if (network === undefined) continue;
      const left =
        network.refunds.reduce((sum, refund) => sum + refund.amount, 0) +
        network.disputes
          .filter((dispute) => KEEPS_MONEY.has(dispute.status))
          .reduce((sum, dispute) => sum + dispute.amount, 0);
      const expected = Math.min(credit, left * MICROS_PER_CENT);
      if (strictness === 'settled' && total !== expected)
        this.fail(
          13,
          `${what}, gave back ${formatAmount(micros(total))}, but ${cents(left)} of its charge ${record.providerChargeId} left at the network: ${formatAmount(micros(expected))} of credit should have gone`,
        );
      for (const unbooked of context.unbooked)
        if (unbooked.charge.idempotencyKey === attemptId && total !== credit)
          this.fail(
            12,
            `${unbooked.what} was never booked, while the charge still carries ${formatAmount(micros(credit - total))} of credit`,
          );
    }
  }

  /** A credited charge's record: read again unless it was found consistent with what the books still take back of it. */
  private async creditedCharge(
    partnerId: string,
    attemptId: string,
    taken: TakenBack,
    strictness: Strictness,
  ): Promise<CreditedCharge | undefined> {
    const known = this.consistent.charges.get(attemptId);
    if (strictness === 'running' && known?.takenBack === takenBackKey(taken)) return known.record;
    return this.world.moneyBack.creditedCharge(partnerId, attemptId);
  }

  /**
   * Invariant 15: an account the operator closed stays closed (status, time), is never
   * overdue or blocked again, and once the closure finished has every number cancelled;
   * by the end every closure finished. An account nobody closed is not closed.
   */
  private async checkClosure(account: PartnerAccount, partner: PartnerModel, strictness: Strictness): Promise<void> {
    const { closure } = partner;
    const what = `partner ${account.partnerId}`;
    if (closure === undefined) {
      if (account.status === 'closed') this.fail(15, `${what} is closed, but the operator never closed it`);
      return;
    }
    if (account.status !== 'closed' || account.closedAt?.getTime() !== closure.closedAt.getTime())
      this.fail(
        15,
        `${what}, closed at ${closure.closedAt.toISOString()}, is ${account.status} (closed at ${account.closedAt?.toISOString() ?? 'no time'})`,
      );
    if (account.blockedAt !== undefined || account.overdueSince !== undefined)
      this.fail(
        15,
        `${what}, closed, is blocked since ${account.blockedAt?.toISOString() ?? 'never'} and overdue since ${account.overdueSince?.toISOString() ?? 'never'}`,
      );
    if (strictness === 'settled' && closure.state !== 'closed')
      this.fail(15, `${what} is still being closed at the end`);
    if (closure.state !== 'closed' || (strictness === 'running' && this.consistent.closed.has(account.partnerId)))
      return;
    const open = (await this.world.channels.listForPartner(account.partnerId)).filter(
      (channel) => channel.status !== 'cancelled',
    );
    if (open.length > 0)
      this.fail(
        15,
        `${what} was closed with numbers still hosted: ${open.map((channel) => `${channel.phoneNumber} (${channel.status})`).join(', ')}`,
      );
    this.consistent.closed.add(account.partnerId);
  }

  /** The operator refunds of a partner as the system holds them, by reference. */
  private async operatorRefunds(partner: PartnerModel, strictness: Strictness): Promise<Map<string, OperatorRefund>> {
    const refunds = new Map<string, OperatorRefund>();
    for (const reference of partner.refunds.keys()) {
      const key = `${partner.partnerId} ${reference}`;
      const done = strictness === 'running' ? this.consistent.refunds.get(key) : undefined;
      const refund = done ?? (await this.world.moneyBack.getOperatorRefund(partner.partnerId, reference));
      if (refund === undefined)
        this.fail(
          14,
          `refund ${reference} to partner ${partner.partnerId} was taken on, and the system has no record of it`,
        );
      if (refund.state === 'done') this.consistent.refunds.set(key, refund);
      refunds.set(reference, refund);
    }
    return refunds;
  }
}

interface PartnerContext {
  readonly account: PartnerAccount;
  readonly books: PartnerBooks;
  readonly charges: ReadonlyMap<string, ChargeMoneyBack>;
  readonly refunds: ReadonlyMap<string, OperatorRefund>;
  readonly strictness: Strictness;
  /** What the books took back of each charge's credit, by attempt. */
  readonly takenBack: Map<string, TakenBack>;
  /** Dashboard refunds without an entry and no report on its way: due unless the charge's credit was all gone. */
  readonly unbooked: { readonly charge: NetworkCharge; readonly what: string }[];
}

function takeBack(context: PartnerContext, attemptId: string, kind: keyof TakenBack, amount: number): void {
  const taken = context.takenBack.get(attemptId) ?? { providerRefunds: 0, operatorParts: 0, chargebacks: 0 };
  taken[kind] += amount;
  context.takenBack.set(attemptId, taken);
}

/** How the ledger keys a `refund` entry: a refund made at the provider, or an operator's refund (docs/data-model.md). */
const PROVIDER = 'provider:';
const OPERATOR = 'operator:';
const providerRefundKey = (refundId: string): string => `${PROVIDER}${refundId}`;
const operatorRefundKey = (reference: string): string => `${OPERATOR}${reference}`;
/** How the ledger keys the `refund-release` of a refused part. */
const releaseKey = (reference: string, attemptId: string): string => `${reference}:${attemptId}`;

/** When a recharge attempt was opened, from its id (`att-20261120T080000000Z-…`); undefined for a license fee's. */
function attemptOpenedAt(attemptId: string): Date | undefined {
  const stamp = /^att-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(attemptId);
  if (stamp === null) return undefined;
  const [, year, month, day, hour, minute, second, milli] = stamp;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${milli}Z`);
}

/** What the books took back of a charge, as a key: a record consistent with it stays so until it changes. */
function takenBackKey(taken: TakenBack): string {
  return `${taken.providerRefunds + taken.operatorParts} ${taken.chargebacks}`;
}

function cents(amountCents: number): string {
  return formatAmount(micros(amountCents * MICROS_PER_CENT));
}
