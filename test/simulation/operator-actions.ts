/**
 * What operators and finance do through the HTTP API handler (simulated-api.ts): create
 * partners, change cards and recharge settings (monthly limits among them), record payments
 * (new, repeated, conflicting), reconcile closed months, register and cancel numbers. A backup
 * card is set the way an operator tool would, through the ledger's `setCard`, followed by
 * a recharge request, as a saved card is.
 */
import {
  type Currency,
  MAX_AMOUNT,
  MAX_CARD_CREDIT,
  formatAmount,
  micros,
  parseAmount,
} from '../../functions/domain/money';
import { monthOf, monthRange, parseMonth } from '../../functions/domain/month';
import { InjectedCrash } from '../support/fault-switch';
import type { CardRole } from '../../functions/domain/recharge/payment-provider';
import type { Books } from './books';
import type { Cardholders } from './cardholders';
import type { Invariants } from './invariants';
import type { Prng } from './prng';
import type { PartnerModel, ReferenceModel } from './reference-model';
import type { SimWorld } from './sim-world';
import { type ApiAnswer, MAX_API_TRIES, type SimulatedApi, expectStatus } from './simulated-api';
import { CARD_GROUPS } from './simulated-card-network';

/** How often each group of card is handed out: to a new partner, as a new primary card, as a backup. */
type CardMix = Readonly<Record<keyof typeof CARD_GROUPS, number>>;
const NEW_PARTNER_CARDS: CardMix = {
  succeeding: 62,
  softDeclining: 12,
  hardDeclining: 8,
  authenticating: 18,
  disputing: 4,
};
const REPLACEMENT_CARDS: CardMix = {
  succeeding: 50,
  softDeclining: 15,
  hardDeclining: 15,
  authenticating: 20,
  disputing: 4,
};
const BACKUP_CARDS: CardMix = { succeeding: 65, softDeclining: 12, hardDeclining: 8, authenticating: 15, disputing: 3 };
/**
 * The monthly caps settings changes choose from (none, half the time): some below one
 * recharge of the larger settings, so the cap binds at once, some a few recharges high.
 */
const MONTHLY_LIMITS = [undefined, undefined, undefined, '600.00', '1000.00', '2500.00'] as const;
/** Chance that a card change enters the partner's current card again. */
const SAME_CARD_AGAIN = 0.05;

export class OperatorActions {
  private partnerSequence = 0;
  private referenceSequence = 0;
  private numberSequence = 0;
  readonly done = {
    partners: 0,
    cardChanges: 0,
    sameCardAgain: 0,
    backupCards: 0,
    setupPages: 0,
    settingsChanges: 0,
    monthlyLimitsSet: 0,
    refusedSettings: 0,
    payments: 0,
    repeatedPayments: 0,
    conflictingPayments: 0,
    refusedPayments: 0,
    reconciliations: 0,
    repeatedReconciliations: 0,
    channels: 0,
    cancelledChannels: 0,
  };

  constructor(
    private readonly world: SimWorld,
    private readonly prng: Prng,
    private readonly model: ReferenceModel,
    private readonly books: Books,
    private readonly invariants: Invariants,
    private readonly cardholders: Cardholders,
    private readonly api: SimulatedApi,
  ) {}

  async createPartner(): Promise<string> {
    this.partnerSequence += 1;
    const partnerId = `partner-${String(this.partnerSequence).padStart(2, '0')}`;
    const currency: Currency = this.prng.pick(['EUR', 'USD'] as const);
    const paymentMethod = this.issueCard(NEW_PARTNER_CARDS, 'primary');
    const customerId = customerOf(partnerId);
    const remainder = this.prng.pick(['0.00', '0.00', '120.00', '499.99', '800.00', '-40.00']);
    const settings = this.prng.chance(0.3)
      ? { threshold: '50.00', autoRenewAmount: '200.00', autoRecharge: this.prng.chance(0.8) }
      : undefined;
    const response = await this.call('POST', '/partners', {
      partnerId,
      currency,
      paymentMethod,
      paymentCustomerId: customerId,
      previousInvoiceRemainder: remainder,
      ...(settings !== undefined && { rechargeSettings: settings }),
    });
    // 202: the opening charge had no clear answer within the API's budget; the recharge queue finishes it.
    expectStatus(response.status, [200, 201, 202], `creating ${partnerId}`);
    this.model.addPartner({
      partnerId,
      currency,
      opening: parseAmount(remainder),
      createdAt: this.world.clock.now(),
      customerId,
      paymentMethod,
    });
    this.done.partners += 1;
    return partnerId;
  }

  /**
   * A primary card through the API, which retries an outstanding charge with it (202: the
   * answer is still unclear). Now and then the operator enters the card the partner has
   * already, as a form sent twice does: that is not a new card.
   */
  async changeCard(partner: PartnerModel): Promise<void> {
    const current = (await this.world.ledger.getPartner(partner.partnerId))?.paymentMethod;
    const again = current !== undefined && this.prng.chance(SAME_CARD_AGAIN);
    const paymentMethod = again ? current : this.issueCard(REPLACEMENT_CARDS, 'primary');
    const response = await this.call('PUT', `/partners/${partner.partnerId}/payment-method`, { paymentMethod });
    expectStatus(response.status, [200, 202], `changing the card of ${partner.partnerId}`);
    partner.paymentMethod = paymentMethod;
    if (again) this.done.sameCardAgain += 1;
    else this.done.cardChanges += 1;
  }

  /** A backup card put in place by an operator tool (`setCard`), then a recharge request, as a saved card gets. */
  async setBackupCard(partner: PartnerModel): Promise<void> {
    const paymentMethod = this.issueCard(BACKUP_CARDS, 'backup');
    const { ledger, recharges } = this.world.operator;
    const set = await this.retried(() =>
      ledger.setCard({ partnerId: partner.partnerId, role: 'backup', paymentMethod, at: this.world.clock.now() }),
    );
    if (set !== 'set') throw new Error(`setting backup card ${paymentMethod} of ${partner.partnerId} answered ${set}`);
    await this.retried(() =>
      recharges.request({
        partnerId: partner.partnerId,
        trigger: 'payment-method-updated',
        requestedAt: this.world.clock.now(),
      }),
    );
    partner.backupPaymentMethod = paymentMethod;
    this.done.backupCards += 1;
  }

  /**
   * The partner asks for a setup page for its primary or backup card, and will save a card
   * on it within the day, after the page expired (refused), or never.
   */
  async openSetup(partner: PartnerModel): Promise<void> {
    const role: CardRole = this.prng.chance(0.7) ? 'primary' : 'backup';
    const response = await this.call('POST', `/partners/${partner.partnerId}/payment-method/setup`, { role });
    expectStatus(response.status, [201], `opening a setup page for the ${role} card of ${partner.partnerId}`);
    const now = this.world.clock.now().getTime();
    const when = this.prng.weighted({ soon: 75, expired: 10, never: 15 });
    const minutes = when === 'soon' ? this.prng.int(1, 20 * 60) : this.prng.int(25 * 60, 48 * 60);
    this.cardholders.plan({
      sessionId: String(response.body.sessionId),
      partnerId: partner.partnerId,
      role,
      card: this.issueCard(role === 'primary' ? REPLACEMENT_CARDS : BACKUP_CARDS, role),
      ...(when !== 'never' && { submitAt: new Date(now + minutes * 60_000) }),
    });
    this.done.setupPages += 1;
  }

  /** Ordinary settings, the largest ones accepted, and hostile ones the API must refuse without a change. */
  async changeSettings(partner: PartnerModel): Promise<void> {
    if (this.prng.chance(0.1)) {
      const hostile = this.prng.pick([
        { threshold: '100.00', autoRenewAmount: '9000000000.00', autoRecharge: true },
        { threshold: '100.00', autoRenewAmount: formatAmount(micros(MAX_CARD_CREDIT + 10_000)), autoRecharge: true },
        { threshold: formatAmount(micros(MAX_AMOUNT + 10_000)), autoRenewAmount: '500.00', autoRecharge: true },
        { threshold: '100.00', autoRenewAmount: '1e12', autoRecharge: true },
      ]);
      const refused = await this.call('PUT', `/partners/${partner.partnerId}/recharge-settings`, hostile);
      expectStatus(refused.status, [400], `refusing the settings ${JSON.stringify(hostile)} of ${partner.partnerId}`);
      this.done.refusedSettings += 1;
      return;
    }
    const settings = this.prng.pick([
      { threshold: '100.00', autoRenewAmount: '500.00', autoRecharge: true },
      { threshold: '50.00', autoRenewAmount: '200.00', autoRecharge: true },
      { threshold: '300.00', autoRenewAmount: '1000.00', autoRecharge: true },
      { threshold: '0.00', autoRenewAmount: '100.00', autoRecharge: false },
      { threshold: formatAmount(MAX_AMOUNT), autoRenewAmount: formatAmount(MAX_CARD_CREDIT), autoRecharge: true },
    ]);
    const limit = this.prng.pick(MONTHLY_LIMITS);
    const response = await this.call('PUT', `/partners/${partner.partnerId}/recharge-settings`, {
      ...settings,
      ...(limit !== undefined && { monthlyLimit: limit }),
    });
    expectStatus(response.status, [200], `changing the recharge settings of ${partner.partnerId}`);
    partner.limits.push({ at: this.world.clock.now(), ...(limit !== undefined && { limit: parseAmount(limit) }) });
    this.done.settingsChanges += 1;
    if (limit !== undefined) this.done.monthlyLimitsSet += 1;
  }

  /** A new payment, or a repeat of an earlier reference: the same amount is the same payment, another is a conflict. */
  async pay(partner: PartnerModel): Promise<void> {
    const earlier = [...partner.payments.entries()];
    const kind = earlier.length === 0 ? 'new' : this.prng.weighted({ new: 80, repeat: 15, conflict: 5, hostile: 3 });
    if (kind === 'hostile') {
      // Beyond the range, a fraction of a cent, an exponent: refused, nothing booked.
      const amount = this.prng.pick([
        formatAmount(micros(MAX_AMOUNT + 1)),
        '11000001010.005',
        '10.005',
        '1e3',
        '-5.00',
      ]);
      this.referenceSequence += 1;
      const response = await this.call('POST', `/partners/${partner.partnerId}/payments`, {
        amount,
        reference: `SEPA ${this.referenceSequence}`,
      });
      if (response.status !== 400)
        this.invariants.fail(
          1,
          `finance payment of "${amount}" to ${partner.partnerId} was answered ${response.status}, not refused`,
        );
      this.done.refusedPayments += 1;
      return;
    }
    if (kind === 'new') {
      this.referenceSequence += 1;
      const reference = `SEPA ${this.referenceSequence}`;
      const amount = micros(this.prng.int(1_000, 90_000) * 10_000);
      const response = await this.call('POST', `/partners/${partner.partnerId}/payments`, {
        amount: formatAmount(amount),
        reference,
      });
      if (response.status !== 201 && response.status !== 200)
        this.invariants.fail(
          1,
          `finance payment ${reference} of ${formatAmount(amount)} to ${partner.partnerId} was answered ${response.status}`,
        );
      partner.payments.set(reference, amount);
      this.done.payments += 1;
      return;
    }
    const [reference, amount] = this.prng.pick(earlier);
    const sent = kind === 'repeat' ? amount : micros(amount + 10_000);
    const response = await this.call('POST', `/partners/${partner.partnerId}/payments`, {
      amount: formatAmount(sent),
      reference,
    });
    if (kind === 'repeat' && response.status !== 200)
      this.invariants.fail(
        1,
        `repeated payment ${reference} to ${partner.partnerId} was answered ${response.status}, not as the payment recorded before`,
      );
    if (kind === 'conflict' && response.status !== 409)
      this.invariants.fail(
        1,
        `payment ${reference} to ${partner.partnerId} repeated with another amount was answered ${response.status}, not refused as a conflict`,
      );
    if (kind === 'repeat') this.done.repeatedPayments += 1;
    else this.done.conflictingPayments += 1;
  }

  /** Reconciles a closed month against an upstream amount near the month's estimate; repeats too. */
  async reconcile(partner: PartnerModel): Promise<void> {
    const now = this.world.clock.now();
    const months = closedMonthsSince(partner.createdAt, now);
    if (months.length === 0) return;
    const period = this.prng.pick(months);
    const earlier = partner.reconciliations.get(period);
    if (earlier !== undefined) {
      const same = this.prng.chance(0.7);
      const actual = same ? earlier.actual : micros(earlier.actual + 1_000_000);
      const response = await this.call('POST', `/partners/${partner.partnerId}/reconciliations`, {
        period,
        actualAmount: formatAmount(actual),
      });
      if (same && (response.status !== 200 || response.body.adjustment !== formatAmount(earlier.adjustment))) {
        this.invariants.fail(
          1,
          `repeated reconciliation ${period} of ${partner.partnerId} was answered ${response.status} ${JSON.stringify(response.body)}, not the adjustment of ${formatAmount(earlier.adjustment)} booked before`,
        );
      }
      if (!same && response.status !== 409)
        this.invariants.fail(
          1,
          `reconciliation ${period} of ${partner.partnerId} with another amount was answered ${response.status}, not refused as a conflict`,
        );
      this.done.repeatedReconciliations += 1;
      return;
    }
    const books = await this.books.refresh(partner.partnerId);
    const range = monthRange(parseMonth(period));
    let estimated = 0;
    for (const entry of books.entries.values()) {
      if (entry.kind === 'usage' && entry.postedAt >= range.start && entry.postedAt < range.end)
        estimated -= entry.amount;
    }
    const actual = micros(Math.round((estimated * this.prng.int(80, 120)) / 100));
    const adjustment = micros(estimated - actual);
    const response = await this.call('POST', `/partners/${partner.partnerId}/reconciliations`, {
      period,
      actualAmount: formatAmount(actual),
    });
    if ((response.status !== 201 && response.status !== 200) || response.body.adjustment !== formatAmount(adjustment)) {
      this.invariants.fail(
        1,
        `reconciling ${period} of ${partner.partnerId} (estimated ${formatAmount(micros(estimated))}, actual ${formatAmount(actual)}) was answered ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
    partner.reconciliations.set(period, { actual, adjustment });
    this.done.reconciliations += 1;
  }

  async registerChannel(partner: PartnerModel): Promise<void> {
    this.numberSequence += 1;
    const phoneNumber = `+49160${String(this.numberSequence).padStart(7, '0')}`;
    const response = await this.call('POST', `/partners/${partner.partnerId}/channels`, { phoneNumber });
    // 200: a retry after a 5xx finds the number registered to this partner already.
    expectStatus(response.status, [200, 201], `registering ${phoneNumber} for ${partner.partnerId}`);
    partner.channels.push(phoneNumber);
    this.done.channels += 1;
  }

  async cancelChannel(partner: PartnerModel): Promise<void> {
    const phoneNumber = partner.channels.shift();
    if (phoneNumber === undefined) return;
    const response = await this.call(
      'DELETE',
      `/partners/${partner.partnerId}/channels/${encodeURIComponent(phoneNumber)}`,
    );
    expectStatus(response.status, [200], `cancelling ${phoneNumber} of ${partner.partnerId}`);
    this.done.cancelledChannels += 1;
  }

  private issueCard(mix: CardMix, role: CardRole): string {
    return this.world.cards.issueCard(this.prng.pick(CARD_GROUPS[this.prng.weighted(mix)]), role);
  }

  /** A tool's call retried after a crash, as its operator would run it again. */
  private retried<T>(call: () => Promise<T>): Promise<T> {
    return retriedAfterCrashes(call, () => {
      this.api.retries += 1;
    });
  }

  private call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    return this.api.call(method, path, body);
  }
}

/** A tool's call (a use case run by an operator) run again after a crash, as its operator would. */
export async function retriedAfterCrashes<T>(call: () => Promise<T>, onRetry: () => void): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof InjectedCrash) || tries >= MAX_API_TRIES) throw error;
      onRetry();
    }
  }
}

/** The card network's customer of a partner: both of its cards are saved to it. */
export function customerOf(partnerId: string): string {
  return `cus_sim_${partnerId}`;
}

/** The UTC months from the partner's first to the one before `now`: those a reconciliation may name. */
function closedMonthsSince(createdAt: Date, now: Date): string[] {
  const months: string[] = [];
  const current = monthOf(now);
  for (let month = monthOf(createdAt); month < current; month = monthOf(monthRange(parseMonth(month)).end))
    months.push(month);
  return months;
}
