/**
 * Money the operator pays back. On the card provider's dashboard: a refund of part or all
 * of a paid charge (a recharge or a license fee), which the provider reports to the
 * webhook. Through the system: refunds of unused balance (`refundBalance`: new references,
 * the same request again, the same reference with another amount, more than the balance)
 * and closures (`closeAccount`). The use cases run with the fault points of their ports; a
 * crash is run again, as the operator's tool would. A refund or a closure answered while
 * the provider had no clear answer yet is asked again later, and at the end until it is done.
 */
import { CLOSURE_REFUND_REFERENCE, closeAccount } from '../../functions/domain/money-back/close-account';
import type { OperatorRefund } from '../../functions/domain/money-back/money-back-ports';
import { type RefundBalanceResult, refundBalance } from '../../functions/domain/money-back/refund-balance';
import { MICROS_PER_CENT, type Micros, formatAmount, micros } from '../../functions/domain/money';
import type { Invariants } from './invariants';
import { retriedAfterCrashes } from './operator-actions';
import type { Prng } from './prng';
import type { PartnerModel, ReferenceModel } from './reference-model';
import type { SimWorld } from './sim-world';

/** The live balance that makes a partner one an operator would refund. */
const MIN_BALANCE_TO_REFUND = micros(100 * MICROS_PER_CENT);
/** Rounds of asking again at the end of a run before a refund or closure left open counts as stuck. */
const MAX_FINISHING_ROUNDS = 20;

export class MoneyBackOperator {
  private referenceSequence = 0;
  retries = 0;
  readonly done = {
    dashboardRefunds: 0,
    dashboardRefundsRefused: 0,
    refunds: 0,
    refundsRepeated: 0,
    refundConflicts: 0,
    refundsBeyondBalance: 0,
    refundsBeyondCharges: 0,
    refundsWhileAnotherOpen: 0,
    closures: 0,
    closuresRepeated: 0,
  };
  /** The parts of the operator refunds at the end: paid back to a card, or refused and released to the balance. */
  readonly parts = { refunded: 0, refused: 0 };

  constructor(
    private readonly world: SimWorld,
    private readonly prng: Prng,
    private readonly model: ReferenceModel,
    private readonly invariants: Invariants,
  ) {}

  /** The dashboard refunds a paid charge of the partner: all that is left of it, a part, or (refused) more. */
  dashboardRefund(partner: PartnerModel): void {
    const paid = [...this.world.cards.charges.values()].filter(
      (charge) => charge.partnerId === partner.partnerId && charge.status === 'succeeded',
    );
    if (paid.length === 0) return;
    const charge = this.prng.pick(paid);
    const size = this.prng.weighted({ all: 35, part: 60, tooMuch: 5 });
    const cents =
      size === 'all'
        ? undefined
        : size === 'part'
          ? this.prng.int(1, Math.max(1, Math.floor(charge.amountCents / 2)))
          : charge.amountCents + 1;
    const refund = this.world.cards.sandbox.refundFromDashboard(charge.chargeId, cents);
    if ('outcome' in refund) this.done.dashboardRefundsRefused += 1;
    else this.done.dashboardRefunds += 1;
  }

  /**
   * A new refund of unused balance, the same request again, or the same reference with
   * another amount; mostly for a partner with a balance to refund, as an operator would.
   */
  async refund(drawn: PartnerModel, touched: Set<string>): Promise<void> {
    const partner = (await this.withBalance(0.8)) ?? drawn;
    touched.add(partner.partnerId);
    const earlier = [...partner.refunds.entries()];
    const kind = earlier.length === 0 ? 'new' : this.prng.weighted({ new: 70, repeat: 20, conflict: 10 });
    if (kind === 'new') return this.newRefund(partner);
    const unfinished = [...partner.unfinishedRefunds];
    const reference =
      kind === 'repeat' && unfinished.length > 0 ? this.prng.pick(unfinished) : this.prng.pick(earlier)[0];
    const amount = partner.refunds.get(reference) as Micros;
    if (kind === 'repeat') {
      await this.repeatRefund(partner, reference, amount);
      this.done.refundsRepeated += 1;
      return;
    }
    const other = micros(amount + MICROS_PER_CENT);
    const result = await this.refundOf(partner, other, reference);
    if (result.kind !== 'reference-conflict')
      this.invariants.fail(
        14,
        `refund ${reference} of ${formatAmount(amount)} to ${partner.partnerId}, asked again for ${formatAmount(other)}, was answered ${describe(result)}, not refused as a conflict`,
      );
    this.done.refundConflicts += 1;
  }

  /** Closes an open account, often one with a balance to pay back. */
  async closeOpen(drawn: PartnerModel, touched: Set<string>): Promise<void> {
    const partner = (await this.withBalance(0.5)) ?? drawn;
    touched.add(partner.partnerId);
    if (partner.closure === undefined) await this.close(partner);
  }

  /** Closes an account; asks again for one the system is still closing. */
  async close(partner: PartnerModel): Promise<void> {
    const closure = partner.closure;
    const networkFactsBefore = closure?.networkFactsBefore ?? this.world.cards.facts.length;
    const result = await this.retried(() => closeAccount(partner.partnerId, this.world.moneyBackUseCases));
    if (result.kind === 'unknown-partner')
      this.invariants.fail(15, `closing ${partner.partnerId} was answered unknown-partner`);
    const { closedAt, status } = result.account;
    if (status !== 'closed' || closedAt === undefined)
      this.invariants.fail(
        15,
        `closing ${partner.partnerId} was answered ${result.kind} with the account ${status}, closed at ${closedAt?.toISOString() ?? 'no time'}`,
      );
    if (closure !== undefined && closure.closedAt.getTime() !== closedAt.getTime())
      this.invariants.fail(
        15,
        `${partner.partnerId}, closed at ${closure.closedAt.toISOString()}, was closed again at ${closedAt.toISOString()}`,
      );
    partner.closure = { closedAt, networkFactsBefore, state: result.kind };
    if (result.refund !== undefined) this.note(partner, CLOSURE_REFUND_REFERENCE, result.refund);
    if (closure === undefined) this.done.closures += 1;
    else this.done.closuresRepeated += 1;
  }

  /** Partners whose closure the system has not finished. */
  closing(): PartnerModel[] {
    return [...this.model.partners.values()].filter((partner) => partner.closure?.state === 'closing');
  }

  /** The end of a run, with the weather clear: every open refund and unfinished closure is asked again until done. */
  async finishEverything(settle: () => Promise<void>): Promise<void> {
    for (let round = 0; ; round += 1) {
      const refunds = [...this.model.partners.values()].flatMap((partner) =>
        [...partner.unfinishedRefunds].map((reference) => ({ partner, reference })),
      );
      const closures = this.closing();
      if (refunds.length === 0 && closures.length === 0) return;
      if (round >= MAX_FINISHING_ROUNDS)
        this.invariants.fail(
          14,
          `after ${round} rounds of asking again, refunds ${refunds.map(({ partner, reference }) => `${partner.partnerId}/${reference}`).join(', ') || 'none'} and closures of ${closures.map((partner) => partner.partnerId).join(', ') || 'nobody'} are still open`,
        );
      for (const { partner, reference } of refunds)
        await this.repeatRefund(partner, reference, partner.refunds.get(reference) as Micros);
      for (const partner of closures) await this.close(partner);
      await settle();
    }
  }

  /** Counts the parts of every operator refund, once the run is over. */
  async tallyParts(): Promise<void> {
    for (const partner of this.model.partners.values()) {
      for (const reference of partner.refunds.keys()) {
        const refund = await this.world.moneyBack.getOperatorRefund(partner.partnerId, reference);
        for (const part of refund?.parts ?? []) {
          if (part.state === 'refunded') this.parts.refunded += 1;
          if (part.state === 'refused') this.parts.refused += 1;
        }
      }
    }
  }

  /** With this chance, an open partner whose live balance is at least 1.00, if there is one. */
  private async withBalance(chance: number): Promise<PartnerModel | undefined> {
    if (!this.prng.chance(chance)) return undefined;
    const open = this.model.openPartners.map((partner) => partner.partnerId);
    const accounts = await this.world.ledger.getPartners(open);
    const candidates = accounts
      .filter((account) => account.liveBalance >= MIN_BALANCE_TO_REFUND)
      .map((account) => account.partnerId)
      .sort();
    return candidates.length === 0 ? undefined : this.model.partner(this.prng.pick(candidates));
  }

  private async newRefund(partner: PartnerModel): Promise<void> {
    this.referenceSequence += 1;
    const reference = `refund-${String(this.referenceSequence).padStart(4, '0')}`;
    const account = await this.world.ledger.getPartner(partner.partnerId);
    if (account === undefined) throw new Error(`partner ${partner.partnerId} has no account`);
    const balance = account.liveBalance;
    const available = Math.max(0, Math.floor(balance / MICROS_PER_CENT));
    const size = available === 0 ? 'beyond' : this.prng.weighted({ part: 70, all: 15, beyond: 15 });
    const cents =
      size === 'part'
        ? Math.max(1, Math.floor((available * this.prng.int(5, 90)) / 100))
        : size === 'all'
          ? available
          : available + this.prng.int(1, 10_000);
    const amount = micros(cents * MICROS_PER_CENT);
    const result = await this.refundOf(partner, amount, reference);
    const another = account.refundInFlight !== undefined;
    switch (result.kind) {
      case 'refund':
        // A release of the open refund resumed first may have raised the balance meanwhile.
        if (amount > balance && !another)
          this.invariants.fail(
            14,
            `refund ${reference} of ${formatAmount(amount)} to ${partner.partnerId} was taken on with a live balance of ${formatAmount(balance)}`,
          );
        this.note(partner, reference, result.refund);
        this.done.refunds += 1;
        return;
      case 'exceeds-balance':
        if (amount <= balance)
          this.invariants.fail(
            14,
            `refund ${reference} of ${formatAmount(amount)} to ${partner.partnerId} was refused as beyond the live balance of ${formatAmount(balance)}`,
          );
        this.done.refundsBeyondBalance += 1;
        return;
      case 'exceeds-charges':
        if (result.refundable >= amount)
          this.invariants.fail(
            14,
            `refund ${reference} of ${formatAmount(amount)} to ${partner.partnerId} was refused as beyond its charges, which carry ${formatAmount(result.refundable)}`,
          );
        this.done.refundsBeyondCharges += 1;
        return;
      case 'refund-in-progress':
        if (!another)
          this.invariants.fail(
            14,
            `refund ${reference} to ${partner.partnerId} was refused while refund ${result.reference} was open, but none was`,
          );
        this.done.refundsWhileAnotherOpen += 1;
        return;
      default:
        this.invariants.fail(
          14,
          `new refund ${reference} of ${formatAmount(amount)} to ${partner.partnerId} was answered ${describe(result)}`,
        );
    }
  }

  /** The same request again: the same refund, never a second one. */
  private async repeatRefund(partner: PartnerModel, reference: string, amount: Micros): Promise<void> {
    const result = await this.refundOf(partner, amount, reference);
    if (result.kind !== 'refund' || result.created || result.refund.amount !== amount)
      this.invariants.fail(
        14,
        `refund ${reference} of ${formatAmount(amount)} to ${partner.partnerId}, asked again, was answered ${describe(result)}, not as the refund taken on before`,
      );
    this.note(partner, reference, result.refund);
  }

  private refundOf(partner: PartnerModel, amount: Micros, reference: string): Promise<RefundBalanceResult> {
    return this.retried(() =>
      refundBalance({ partnerId: partner.partnerId, amount, reference }, this.world.moneyBackUseCases),
    );
  }

  private note(partner: PartnerModel, reference: string, refund: OperatorRefund): void {
    partner.refunds.set(reference, refund.amount);
    if (refund.state === 'open') partner.unfinishedRefunds.add(reference);
    else partner.unfinishedRefunds.delete(reference);
  }

  private retried<T>(call: () => Promise<T>): Promise<T> {
    return retriedAfterCrashes(call, () => {
      this.retries += 1;
    });
  }
}

function describe(result: RefundBalanceResult): string {
  switch (result.kind) {
    case 'refund':
      return `with refund ${result.refund.reference} of ${formatAmount(result.refund.amount)} (${result.created ? 'new' : 'existing'}, ${result.refund.state})`;
    case 'exceeds-balance':
      return `exceeds-balance (${formatAmount(result.liveBalance)})`;
    case 'exceeds-charges':
      return `exceeds-charges (${formatAmount(result.refundable)})`;
    case 'refund-in-progress':
      return `refund-in-progress (${result.reference})`;
    case 'reference-conflict':
      return `reference-conflict (${formatAmount(result.existing.amount)})`;
    case 'unknown-partner':
      return 'unknown-partner';
  }
}
