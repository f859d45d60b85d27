/**
 * Partners adding funds themselves (docs/contract.md §14), through the HTTP API: a top-up
 * charged now on the saved card, or paid on a payment page (`checkout`); new references,
 * the same request again, the same reference with another amount (409), amounts out of
 * range (400), while another charge holds the partner's slot (409), on a closed account
 * (409). On a page, the partner pays within its half hour (now and then after a card the
 * page declines), comes back after it expired, gives up, or never comes back. Each answer
 * is checked against the top-up the system recorded (invariant 17); the books do the rest.
 */
import { type Micros, formatAmount, micros } from '../../functions/domain/money';
import type { Fail } from './invariant-catalogue';
import type { Prng } from './prng';
import type { PartnerModel } from './reference-model';
import type { SimWorld } from './sim-world';
import type { SimulatedApi } from './simulated-api';
import { CARD_GROUPS } from './simulated-card-network';

/** What the partner will do with a payment page, and when. */
interface PlannedPage {
  readonly partnerId: string;
  readonly attemptId: string;
  readonly plan: 'pay' | 'pay-late' | 'abandon' | 'never';
  readonly actAt: Date;
  /** A card the page declines, tried first. */
  readonly declinedFirst?: string;
}

/** A page is open for 30 minutes; "late" comes back after it expired. */
const PAGE_MINUTES = { soon: [1, 25], late: [35, 24 * 60] } as const;
/** Acting "whenever they meant to": the end of a run lets every partner do what it planned. */
const EVENTUALLY = new Date(8.64e15);
const MINUTE_MS = 60_000;

export class PartnerTopUps {
  private referenceSequence = 0;
  private readonly pages: PlannedPage[] = [];
  readonly done = {
    onCard: 0,
    onPage: 0,
    repeated: 0,
    conflicts: 0,
    outOfRange: 0,
    declined: 0,
    unclear: 0,
    whileChargeInFlight: 0,
    onClosedAccount: 0,
    cardNotChargeable: 0,
    pagesPaid: 0,
    pagesDeclinedFirst: 0,
    pagesRefusedLate: 0,
    pagesAbandoned: 0,
    pagesLeft: 0,
  };

  constructor(
    private readonly world: SimWorld,
    private readonly prng: Prng,
    private readonly api: SimulatedApi,
    private readonly fail: Fail,
  ) {}

  /** A new top-up, or a repeat, a conflict or an amount out of range for one the partner asked before. */
  async topUp(partner: PartnerModel): Promise<void> {
    const earlier = [...partner.topUps.entries()];
    const kind =
      earlier.length === 0
        ? this.prng.weighted({ new: 95, outOfRange: 5 })
        : this.prng.weighted({ new: 70, repeat: 18, conflict: 6, outOfRange: 6 });
    if (kind === 'new') return this.newTopUp(partner);
    if (kind === 'outOfRange') return this.outOfRange(partner);
    const [reference, asked] = this.prng.pick(earlier);
    if (kind === 'conflict') {
      const other = micros(asked.amount + 100 * 10_000);
      const answer = await this.ask(partner, reference, other, asked.checkout);
      if (answer.status !== 409)
        this.fail(
          17,
          `top-up ${reference} of ${formatAmount(asked.amount)} to ${partner.partnerId}, asked again for ${formatAmount(other)}, was answered ${answer.status}, not refused as a conflict`,
        );
      this.done.conflicts += 1;
      return;
    }
    const answer = await this.ask(partner, reference, asked.amount, asked.checkout);
    const attemptId = answer.body.attemptId;
    if (![200, 202, 402].includes(answer.status) || (answer.status !== 402 && attemptId !== asked.attemptId))
      this.fail(
        17,
        `top-up ${reference} (attempt ${asked.attemptId}) of ${partner.partnerId}, asked again, was answered ${answer.status} with attempt ${String(attemptId)}`,
      );
    this.done.repeated += 1;
  }

  /** Partners act on the pages they meant to act on by now. */
  actOnPages(now: Date, touched: Set<string>): void {
    for (const page of this.pages.filter((planned) => planned.actAt <= now)) {
      this.pages.splice(this.pages.indexOf(page), 1);
      touched.add(page.partnerId);
      this.act(page);
    }
  }

  /** The end of a run: every partner does what it planned with its page, at once; a page never acted on expires. */
  actOnEverything(): void {
    this.actOnPages(EVENTUALLY, new Set());
  }

  private async newTopUp(partner: PartnerModel): Promise<void> {
    this.referenceSequence += 1;
    const reference = `top-up-${String(this.referenceSequence).padStart(4, '0')}`;
    const checkout = this.prng.chance(0.35);
    const cents = this.prng.chance(0.9) ? this.prng.int(10_00, 800_00) : this.prng.int(800_00, 20_000_00);
    const amount = micros(cents * 10_000);
    const before = await this.world.ledger.getPartner(partner.partnerId);
    const answer = await this.ask(partner, reference, amount, checkout);
    const taken = await this.world.attempts.getTopUp(partner.partnerId, reference);
    const what = `new top-up ${reference} of ${formatAmount(amount)}${checkout ? ' on a page' : ''} to ${partner.partnerId}`;
    if (taken !== undefined && (taken.amount !== amount || taken.checkout !== checkout))
      this.fail(17, `${what} was recorded as ${formatAmount(taken.amount)}${taken.checkout ? ' on a page' : ''}`);
    const refused = answer.status === 409 || (answer.status === 402 && taken === undefined);
    if (refused !== (taken === undefined) || ![200, 201, 202, 402, 409].includes(answer.status))
      this.fail(17, `${what} was answered ${answer.status}, and ${taken === undefined ? 'not' : 'was'} taken on`);
    if (answer.status === 409) {
      const closed = before?.status === 'closed';
      if (!closed && before?.chargeInFlight === undefined)
        this.fail(17, `${what} was refused with 409 while no charge was in flight and the account was open`);
      if (closed) this.done.onClosedAccount += 1;
      else this.done.whileChargeInFlight += 1;
      return;
    }
    if (taken === undefined) {
      this.done.cardNotChargeable += 1;
      return;
    }
    partner.topUps.set(reference, { amount, checkout, attemptId: taken.attemptId });
    if (checkout) this.planPage(partner, taken.attemptId);
    if (checkout) this.done.onPage += 1;
    else this.done.onCard += 1;
    if (answer.status === 402) this.done.declined += 1;
    if (answer.status === 202) this.done.unclear += 1;
  }

  private async outOfRange(partner: PartnerModel): Promise<void> {
    this.referenceSequence += 1;
    const reference = `top-up-${String(this.referenceSequence).padStart(4, '0')}`;
    const amount = micros(this.prng.pick([5_00, 9_99, 100_000_01]) * 10_000);
    const answer = await this.ask(partner, reference, amount, this.prng.chance(0.3));
    const taken = await this.world.attempts.getTopUp(partner.partnerId, reference);
    if (answer.status !== 400 || taken !== undefined)
      this.fail(
        17,
        `top-up ${reference} of ${formatAmount(amount)} to ${partner.partnerId}, out of range, was answered ${answer.status}${taken === undefined ? '' : ' and taken on'}`,
      );
    this.done.outOfRange += 1;
  }

  private ask(partner: PartnerModel, reference: string, amount: Micros, checkout: boolean) {
    return this.api.call('POST', `/partners/${partner.partnerId}/top-ups`, {
      amount: formatAmount(amount),
      reference,
      ...(checkout && { checkout: true }),
    });
  }

  private planPage(partner: PartnerModel, attemptId: string): void {
    const plan = this.prng.weighted({ pay: 60, 'pay-late': 8, abandon: 12, never: 20 });
    const [from, to] = plan === 'pay-late' ? PAGE_MINUTES.late : PAGE_MINUTES.soon;
    const actAt = new Date(this.world.clock.now().getTime() + this.prng.int(from, to) * MINUTE_MS);
    const declinedFirst = plan === 'pay' && this.prng.chance(0.2) ? this.card('softDeclining') : undefined;
    this.pages.push({
      partnerId: partner.partnerId,
      attemptId,
      plan,
      actAt,
      ...(declinedFirst !== undefined && { declinedFirst }),
    });
  }

  /** What the partner does on its page; a page not opened yet (its answer lost) is found again on the next try. */
  private act(planned: PlannedPage): void {
    const { cards } = this.world;
    const page = cards.pageOf(planned.attemptId);
    if (planned.plan === 'never' || page === undefined) {
      this.done.pagesLeft += 1;
      return;
    }
    if (planned.plan === 'abandon') {
      if (cards.abandonPage(page)) this.done.pagesAbandoned += 1;
      else this.done.pagesLeft += 1;
      return;
    }
    if (planned.declinedFirst !== undefined) {
      if (cards.payPage(page, planned.declinedFirst))
        this.fail(17, `payment page ${page.sessionId} took ${planned.declinedFirst}, a card that declines`);
      this.done.pagesDeclinedFirst += 1;
    }
    if (cards.payPage(page, this.card('succeeding'))) this.done.pagesPaid += 1;
    else this.done.pagesRefusedLate += 1;
  }

  private card(group: 'succeeding' | 'softDeclining'): string {
    return this.world.cards.issueCard(this.prng.pick(CARD_GROUPS[group]), 'primary');
  }
}
