/**
 * `partner <id>`: a partner's story on one screen, to answer "what happened to partner X
 * and why": account, balances and cards, the charge in flight and the last decline, the
 * latest charges with their decline codes, ledger entries, invoices, the daily runs that
 * touched it (published its balance, retried its charge, blocked it) and its events.
 * Account, balances, entries and invoices are shown as the API shows them.
 */
import { balanceView, channelView, entryView, invoiceView, partnerView } from '../../functions/api/views';
import type { DomainEvent } from '../../functions/domain/events';
import { formatAmount } from '../../functions/domain/money';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE } from '../../functions/domain/partner';
import type { ChargeAttempt } from '../../functions/domain/recharge/charge-attempt';
import type { Command } from '../command';
import { OperatorError, UsageError } from '../operator-errors';
import { type PartnerStory, STORY_LENGTHS, readPartnerStory } from '../reads/partner-story';
import { clip, textTable } from '../text-table';

export const partner: Command = {
  words: ['partner'],
  usage: 'partner <partner id>',
  summary: 'account, balances, charges and declines, ledger, invoices, daily runs and events of one partner',
  operands: ['partnerId'],
  options: {},
  async run(target, input) {
    const partnerId = input.operands[0];
    if (partnerId === undefined) throw new UsageError('name the partner: partner <partner id>');
    if (!PARTNER_ID_PATTERN.test(partnerId)) throw new UsageError(`partner id "${partnerId}" ${PARTNER_ID_RULE}`);
    const story = await readPartnerStory(target.dynamoDb, target.tableName, partnerId);
    if (story === undefined) throw new OperatorError(`there is no partner ${partnerId} in ${target.description}`);
    const json = storyView(story, target.now);
    return { json, text: storyText(json, target.description) };
  },
};

type StoryView = ReturnType<typeof storyView>;

function storyView(story: PartnerStory, now: Date) {
  const { account } = story;
  return {
    account: partnerView(account, story.inFlight, now),
    balance: balanceView(account),
    lastDecline:
      account.lastDecline === undefined
        ? null
        : {
            declineCode: account.lastDecline.declineCode,
            at: account.lastDecline.at.toISOString(),
            attemptId: account.lastDecline.attemptId,
            paymentMethod: account.lastDecline.paymentMethod,
          },
    chargeInFlight: story.inFlight === undefined ? null : chargeView(story.inFlight),
    charges: story.charges.map(chargeView),
    ledger: story.entries.map(entryView),
    invoices: story.invoices.map(invoiceView),
    dailyRuns: dailyRunsOf(story),
    events: story.events.map(eventView),
    channels: story.channels.map(channelView),
  };
}

function chargeView(attempt: ChargeAttempt) {
  return {
    attemptId: attempt.attemptId,
    purpose: attempt.purpose,
    trigger: attempt.trigger,
    state: attempt.state,
    total: formatAmount(attempt.charge.total),
    currency: attempt.currency,
    paymentMethod: attempt.paymentMethod,
    ...(attempt.declineCode !== undefined && { declineCode: attempt.declineCode }),
    createdAt: attempt.createdAt.toISOString(),
    ...(attempt.settledAt !== undefined && { settledAt: attempt.settledAt.toISOString() }),
  };
}

function eventView(event: DomainEvent) {
  return { type: event.type, time: event.time.toISOString(), detail: event.detail };
}

interface DailyRunTouch {
  readonly day: string;
  published?: string;
  readonly charges: { attemptId: string; state: string; declineCode?: string }[];
  blocked: boolean;
}

/**
 * The days whose daily run touched the partner, newest first: it published the day's
 * balance, retried a declined charge, or blocked the partner. Runs at 00:00 UTC, so each
 * is named by the day of its time.
 */
function dailyRunsOf(story: PartnerStory): DailyRunTouch[] {
  const days = new Map<string, DailyRunTouch>();
  const touch = (day: string) => {
    const known = days.get(day) ?? { day, charges: [], blocked: false };
    days.set(day, known);
    return known;
  };
  for (const snapshot of story.snapshots) touch(snapshot.day).published = formatAmount(snapshot.balance);
  for (const attempt of story.charges.filter((charge) => charge.trigger === 'daily-run'))
    touch(dayOf(attempt.createdAt)).charges.push({
      attemptId: attempt.attemptId,
      state: attempt.state,
      ...(attempt.declineCode !== undefined && { declineCode: attempt.declineCode }),
    });
  const blocks = story.events.filter((event) => event.type === 'PartnerBlocked').map((event) => event.time);
  for (const at of [...blocks, ...(story.account.blockedAt === undefined ? [] : [story.account.blockedAt])])
    touch(dayOf(at)).blocked = true;
  return [...days.values()].sort((a, b) => b.day.localeCompare(a.day));
}

function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

function storyText(view: StoryView, where: string): string {
  const { account, balance } = view;
  const cards = Object.entries(account.cards).map(
    ([role, card]) =>
      `${role} ${card.paymentMethod}: ${card.softDeclines} soft declines${card.hardDecline === undefined ? '' : `, hard decline ${card.hardDecline}`}, ${card.chargeable ? `chargeable, ${card.retriesLeft} retries left` : 'not chargeable'}`,
  );
  const settings = account.rechargeSettings;
  const summary: string[][] = [
    [
      'balance',
      `live ${balance.liveBalance}, due ${balance.amountDue}; published ${balance.balance ?? 'not yet'}${balance.balanceAsOf === null ? '' : ` as of ${balance.balanceAsOf}`}`,
    ],
    ...(balance.overdueSince === null ? [] : [['overdue since', balance.overdueSince]]),
    ...(balance.blockedAt === null ? [] : [['blocked on', `${balance.blockedAt.slice(0, 10)} (${balance.blockedAt})`]]),
    ...cards.map((card) => ['card', card]),
    [
      'recharges',
      `threshold ${settings.threshold}, auto-renew ${settings.autoRenewAmount}, automatic ${settings.autoRecharge ? 'on' : 'off'}`,
    ],
    [
      'in flight',
      view.chargeInFlight === null ? 'none' : `${view.chargeInFlight.attemptId} ${view.chargeInFlight.state}`,
    ],
    [
      'last decline',
      view.lastDecline === null
        ? 'none'
        : `${view.lastDecline.declineCode} on ${view.lastDecline.at} (${view.lastDecline.attemptId})`,
    ],
    ['numbers', view.channels.map((channel) => `${channel.phoneNumber} ${channel.status}`).join(', ') || 'none'],
  ];
  return [
    `partner ${account.partnerId} (${account.currency}) of ${where}: ${account.status}`,
    textTable(summary),
    section(
      `charges (latest ${STORY_LENGTHS.charges})`,
      view.charges.map((charge) => [
        charge.createdAt,
        charge.purpose,
        charge.trigger,
        charge.state,
        `${charge.total} ${charge.currency}`,
        charge.declineCode ?? '',
      ]),
    ),
    section(
      `ledger (latest ${STORY_LENGTHS.entries})`,
      view.ledger.map((entry) => [entry.postedAt, entry.kind, entry.amount, entry.entryId]),
    ),
    section(
      `invoices (latest ${STORY_LENGTHS.invoices})`,
      view.invoices.map((invoice) => [invoice.issuedAt, invoice.invoiceId, `${invoice.total} ${invoice.currency}`]),
    ),
    section(
      'daily runs that touched it',
      view.dailyRuns.map((run) => [
        run.day,
        [
          ...(run.published === undefined ? [] : [`published ${run.published}`]),
          ...run.charges.map(
            (charge) => `charge ${charge.state}${charge.declineCode === undefined ? '' : ` (${charge.declineCode})`}`,
          ),
          ...(run.blocked ? ['blocked'] : []),
        ].join('; '),
      ]),
    ),
    section(
      `events (latest ${STORY_LENGTHS.events}, kept 7 days)`,
      view.events.map((event) => {
        // The partner is this one, and ids are for --json: the line keeps what the event says.
        const { partnerId: _partner, id: _id, ...said } = event.detail;
        return [event.time, event.type, clip(JSON.stringify(said), 100)];
      }),
    ),
  ].join('\n');
}

function section(title: string, rows: string[][]): string {
  return `${title}\n${rows.length === 0 ? '  none' : textTable(rows)}`;
}
