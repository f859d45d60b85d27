/**
 * A statement as one CSV table (RFC 4180) a spreadsheet opens: one row per figure, every
 * row with the partner, the period and the currency, so the table can be filtered,
 * pivoted or appended to another partner's. Amounts are plain decimals with a point.
 */
import { formatAmount } from '../domain/money';
import type { Statement } from '../domain/statements/statement';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

export const CSV_COLUMNS = [
  'partner_id',
  'period',
  'section',
  'item',
  'reference',
  'date',
  'count',
  'amount',
  'currency',
] as const;

type Row = Readonly<Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>>;

export function statementCsv(statement: Statement): string {
  const amount = formatAmount;
  const rows: Row[] = [
    { section: 'opening', item: 'balance', amount: amount(statement.opening) },
    ...statement.usage.byCategory.map(([category, tally]) => ({
      section: 'usage by category',
      item: category,
      count: tally.count,
      amount: amount(tally.amount),
    })),
    ...statement.usage.byChannel.map(([channelId, tally]) => ({
      section: 'usage by channel',
      item: channelId,
      count: tally.count,
      amount: amount(tally.amount),
    })),
    {
      section: 'usage',
      item: 'total',
      count: statement.usage.total.count,
      amount: amount(statement.usage.total.amount),
    },
    ...statement.movements.map(([kind, tally]) => ({
      section: 'movement',
      item: kind,
      count: tally.count,
      amount: amount(tally.amount),
    })),
    { section: 'net movement', item: 'closing - opening', amount: amount(statement.netMovement) },
    { section: 'closing', item: 'balance', amount: amount(statement.closing) },
    ...statement.dailyBalances.map((day) => ({
      section: 'end of day balance',
      item: day.published ? 'published' : 'unchanged',
      date: day.day,
      amount: amount(day.balance),
    })),
    ...statement.cardCharges.flatMap((charge) => [
      {
        section: 'card charge',
        item: charge.purpose,
        reference: charge.invoiceId,
        date: charge.issuedAt.toISOString(),
        amount: amount(charge.purpose === 'license-fee' ? charge.licenseFee : charge.credited),
      },
      {
        section: 'card fee',
        item: charge.purpose,
        reference: charge.invoiceId,
        date: charge.issuedAt.toISOString(),
        amount: amount(charge.cardFee),
      },
    ]),
    { section: 'charged', item: 'credited', amount: amount(statement.charged.credited) },
    { section: 'charged', item: 'license fees', amount: amount(statement.charged.licenseFees) },
    { section: 'charged', item: 'card fees', amount: amount(statement.charged.cardFees) },
    { section: 'charged', item: 'total', amount: amount(statement.charged.total) },
  ];
  const line = (cells: readonly (string | number | undefined)[]) => `${cells.map(cell).join(',')}\r\n`;
  return [
    line(CSV_COLUMNS),
    ...rows.map((row) =>
      line(
        CSV_COLUMNS.map((column) => {
          if (column === 'partner_id') return statement.partnerId;
          if (column === 'period') return statement.period;
          if (column === 'currency') return statement.currency;
          return row[column];
        }),
      ),
    ),
  ].join('');
}

/**
 * One cell: quoted when it holds a quote, a comma or a line break (RFC 4180); a text
 * starting like a formula (`=`, `@`, or a sign not followed by a plain number) gets a
 * leading apostrophe, so a spreadsheet shows it instead of computing it.
 */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  const guarded =
    /^[=@]/.test(text) || (/^[+-]/.test(text) && !/^[+-][0-9]+(\.[0-9]+)?$/.test(text)) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}
