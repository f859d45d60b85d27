/**
 * Invariant 18, of month ends (docs/contract.md §15): once a daily run has completed after
 * a month's end, every partner's statement of that month can be read through the API, its
 * closing equals the balance published at the month's cut-off (and the ledger before it),
 * its opening equals the previous statement's closing (0 for the partner's first month),
 * and closing − opening is the month's ledger movement to the micro-unit. Each month of
 * each partner is read once, at the first completed daily run after its end.
 */
import { MAX_BALANCE, type Micros, formatAmount, parseAmount } from '../../functions/domain/money';
import { type Month, monthOf, monthRange } from '../../functions/domain/month';
import type { PartnerAccount } from '../../functions/domain/partner';
import type { PartnerBooks } from './books';
import type { Fail } from './invariant-catalogue';
import type { SimulatedApi } from './simulated-api';

/** What the invariant reads of a statement's JSON. */
interface StatementFigures {
  readonly opening: string;
  readonly closing: string;
  readonly netMovement: string;
}

export class MonthEndInvariants {
  statementsRead = 0;
  /** By partner: the last month whose statement was read, and its closing. */
  private readonly lastRead = new Map<string, { readonly month: Month; readonly closing: number }>();

  constructor(
    /** The API the simulation's operators and partners call: its retries count with theirs. */
    private readonly api: SimulatedApi,
    private readonly fail: Fail,
  ) {}

  /** After a daily run completed at `runAt`: the partner's months over since the last check. */
  async checkPartner(account: PartnerAccount, books: PartnerBooks, runAt: Date): Promise<void> {
    const last = this.lastRead.get(account.partnerId);
    let month = last === undefined ? monthOf(account.createdAt) : nextMonth(last.month);
    let opening = last?.closing ?? 0;
    while (monthRange(month).end <= runAt) {
      opening = await this.checkMonth(account.partnerId, month, opening, books);
      this.lastRead.set(account.partnerId, { month, closing: opening });
      month = nextMonth(month);
    }
  }

  /** Reads and checks one statement; answers its closing. */
  private async checkMonth(partnerId: string, month: Month, opening: number, books: PartnerBooks): Promise<number> {
    const answer = await this.api.call('GET', `/partners/${partnerId}/statements/${month}`);
    this.statementsRead += 1;
    if (answer.status !== 200)
      this.fail(
        18,
        `partner ${partnerId}'s statement of ${month} was answered ${answer.status} (${String(answer.body.type)}) after a completed daily run`,
      );
    const statement = answer.body as unknown as StatementFigures;
    const figures = {
      opening: parseAmount(statement.opening, MAX_BALANCE),
      closing: parseAmount(statement.closing, MAX_BALANCE),
      net: parseAmount(statement.netMovement, MAX_BALANCE),
    };
    const { start, end } = monthRange(month);
    const atCutoff = books.balanceBefore(end);
    const published = books.publishedAsOf(end)?.balance;
    const moved = atCutoff - books.balanceBefore(start);
    const describe = `partner ${partnerId}'s statement of ${month} (opening ${statement.opening}, closing ${statement.closing}, net ${statement.netMovement})`;
    if (figures.opening !== opening)
      this.fail(18, `${describe} opens at other than the previous month's closing, ${show(opening)}`);
    if (figures.closing !== atCutoff) this.fail(18, `${describe}: the ledger at the cut-off says ${show(atCutoff)}`);
    if (published !== undefined && figures.closing !== published)
      this.fail(18, `${describe}: the balance published at the cut-off is ${show(published)}`);
    if (figures.net !== moved || figures.closing - figures.opening !== moved)
      this.fail(18, `${describe}: the month's ledger entries move the balance by ${show(moved)}`);
    return figures.closing;
  }
}

function nextMonth(month: Month): Month {
  return monthOf(monthRange(month).end);
}

function show(amount: number): string {
  return formatAmount(amount as Micros);
}
