/**
 * A statement as a PDF, drawn with pdf-lib on A4 pages: the operator's name, the partner
 * and the month, the balance from opening to closing, a chart of the balance at the end
 * of each day (vector lines), usage by category and by channel, and the card charges
 * off the balance. Text is set in the PDF standard fonts, so nothing is embedded.
 */
import { type PDFFont, type PDFPage, PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { PDF_MEDIA_TYPE } from '../../definitions/service';
import { type Micros, formatAmount } from '../domain/money';
import { monthName } from '../domain/month';
import type { MovementKind } from '../domain/statements/month-figures';
import type { Statement } from '../domain/statements/statement';

export const PDF_CONTENT_TYPE = PDF_MEDIA_TYPE;

const PAGE = { width: 595.28, height: 841.89 } as const;
const MARGIN = 50;
const LINE = 15;
const TEXT = 10;
const GREY = rgb(0.45, 0.45, 0.45);
const ACCENT = rgb(0.1, 0.35, 0.65);

/** How each movement reads on the statement. */
export const MOVEMENT_LABELS: Readonly<Record<MovementKind, string>> = {
  opening: 'Opening credit (remainder of the previous invoice)',
  recharge: 'Recharges',
  'top-up': 'Top-ups',
  payment: 'Payments',
  adjustment: 'Adjustments',
  chargeback: 'Chargebacks',
  'chargeback-reversal': 'Chargebacks reversed',
  refund: 'Refunds',
  'refund-release': 'Refunds returned to the balance',
};

interface Fonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
}

/** Writes top to bottom, starting a new page where the current one is full. */
class Writer {
  page: PDFPage;
  y = PAGE.height - MARGIN;

  constructor(
    private readonly document: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.page = document.addPage([PAGE.width, PAGE.height]);
  }

  /** Room for `height` more points, or a new page. */
  need(height: number): void {
    if (this.y - height >= MARGIN) return;
    this.page = this.document.addPage([PAGE.width, PAGE.height]);
    this.y = PAGE.height - MARGIN;
  }

  text(
    value: string,
    x: number,
    options: { size?: number; bold?: boolean; right?: boolean; color?: typeof GREY } = {},
  ) {
    const font = options.bold === true ? this.fonts.bold : this.fonts.regular;
    const size = options.size ?? TEXT;
    const shown = printable(font, value);
    const left = options.right === true ? x - font.widthOfTextAtSize(shown, size) : x;
    this.page.drawText(shown, { x: left, y: this.y, size, font, color: options.color ?? rgb(0, 0, 0) });
  }

  heading(value: string): void {
    this.need(LINE * 3);
    this.y -= LINE;
    this.text(value, MARGIN, { size: 12, bold: true, color: ACCENT });
    this.y -= LINE;
  }

  /** A row of cells: the first left-aligned at the margin, the others right-aligned at their column's end. */
  row(cells: readonly string[], columns: readonly number[], bold = false): void {
    this.need(LINE);
    cells.forEach((cell, index) => {
      const end = columns[index] ?? MARGIN;
      this.text(cell, index === 0 ? MARGIN : end, { right: index > 0, bold });
    });
    this.y -= LINE;
  }

  rule(): void {
    this.page.drawLine({
      start: { x: MARGIN, y: this.y + LINE - 3 },
      end: { x: PAGE.width - MARGIN, y: this.y + LINE - 3 },
      thickness: 0.5,
      color: GREY,
    });
  }
}

/** Characters the standard fonts cannot encode (they cover Windows-1252) are shown as `?`. */
function printable(font: PDFFont, text: string): string {
  const encodable = new Set(font.getCharacterSet());
  return [...text].map((character) => (encodable.has(character.codePointAt(0) ?? 0) ? character : '?')).join('');
}

export async function statementPdf(statement: Statement, operatorName: string): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  document.setTitle(`Statement ${statement.period} ${statement.partnerId}`);
  document.setAuthor(operatorName);
  document.setCreator('prepaid-billing');
  // A statement of a closed month is the same document whenever it is made.
  const fixed = new Date(`${statement.period}-01T00:00:00.000Z`);
  document.setCreationDate(fixed);
  document.setModificationDate(fixed);
  const fonts = {
    regular: await document.embedFont(StandardFonts.Helvetica),
    bold: await document.embedFont(StandardFonts.HelveticaBold),
  };
  const writer = new Writer(document, fonts);
  const currency = statement.currency;
  const money = (amount: Micros) => `${formatAmount(amount)} ${currency}`;
  const right = PAGE.width - MARGIN;

  writer.text(operatorName, MARGIN, { size: 18, bold: true });
  writer.text('Monthly statement', right, { size: 12, right: true, color: GREY });
  writer.y -= LINE * 1.6;
  writer.text(`Partner: ${statement.partnerId}`, MARGIN);
  writer.text(`Period: ${monthName(statement.period)} (${statement.period}, UTC)`, right, { right: true });
  writer.y -= LINE;
  writer.text(`Currency: ${currency}`, MARGIN);
  writer.y -= LINE;

  writer.heading('Balance');
  const amountColumn = [0, right];
  writer.row(['Opening balance', money(statement.opening)], amountColumn, true);
  writer.row(
    [`Usage: ${statement.usage.total.count} conversations`, money(-statement.usage.total.amount as Micros)],
    amountColumn,
  );
  for (const [kind, tally] of statement.movements)
    writer.row([`${MOVEMENT_LABELS[kind]} (${tally.count})`, money(tally.amount)], amountColumn);
  writer.rule();
  writer.row(['Closing balance', money(statement.closing)], amountColumn, true);
  writer.row(['Net movement (closing - opening)', money(statement.netMovement)], amountColumn);

  writer.heading('Balance at the end of each day');
  drawChart(writer, statement);

  writer.heading('Usage by category');
  const usageColumns = [0, right - 150, right];
  writer.row(['Category', 'Conversations', `Amount (${currency})`], usageColumns, true);
  for (const [category, tally] of statement.usage.byCategory)
    writer.row([category, String(tally.count), formatAmount(tally.amount)], usageColumns);
  writer.rule();
  writer.row(
    ['Total', String(statement.usage.total.count), formatAmount(statement.usage.total.amount)],
    usageColumns,
    true,
  );

  writer.heading('Usage by channel');
  writer.row(['Channel', 'Conversations', `Amount (${currency})`], usageColumns, true);
  for (const [channelId, tally] of statement.usage.byChannel)
    writer.row([channelId, String(tally.count), formatAmount(tally.amount)], usageColumns);

  writer.heading('Card charges (off the balance)');
  const chargeColumns = [0, right - 270, right - 180, right - 90, right];
  writer.row(['Date and invoice', 'Credited', 'License fee', 'Card fee', 'Charged'], chargeColumns, true);
  for (const charge of statement.cardCharges)
    writer.row(
      [
        `${charge.issuedAt.toISOString().slice(0, 10)}  ${charge.invoiceId}`,
        formatAmount(charge.credited),
        formatAmount(charge.licenseFee),
        formatAmount(charge.cardFee),
        formatAmount(charge.total),
      ],
      chargeColumns,
    );
  writer.rule();
  writer.row(
    [
      'Total',
      formatAmount(statement.charged.credited),
      formatAmount(statement.charged.licenseFees),
      formatAmount(statement.charged.cardFees),
      formatAmount(statement.charged.total),
    ],
    chargeColumns,
    true,
  );

  const pages = document.getPages();
  pages.forEach((page, index) => {
    page.drawText(
      `${operatorName} - ${statement.partnerId} - ${statement.period} - page ${index + 1} of ${pages.length}`,
      {
        x: MARGIN,
        y: MARGIN / 2,
        size: 8,
        font: fonts.regular,
        color: GREY,
      },
    );
  });
  return document.save();
}

/**
 * The daily balances as a line from the opening to the last day's end, on a box with the
 * lowest and highest balance marked, 0 drawn where the line crosses it, and the days on
 * the horizontal axis.
 */
function drawChart(writer: Writer, statement: Statement): void {
  const height = 160;
  const width = PAGE.width - 2 * MARGIN - 60;
  writer.need(height + LINE * 3);
  const left = MARGIN + 60;
  const bottom = writer.y - height;
  const points = [statement.opening, ...statement.dailyBalances.map((day) => day.balance)];
  const low = Math.min(0, ...points);
  const high = Math.max(0, ...points);
  const span = high - low || 1;
  const x = (index: number) => left + (index / (points.length - 1)) * width;
  const y = (balance: number) => bottom + ((balance - low) / span) * height;
  const { page } = writer;
  page.drawRectangle({ x: left, y: bottom, width, height, borderColor: GREY, borderWidth: 0.5 });
  if (low < 0) {
    page.drawLine({
      start: { x: left, y: y(0) },
      end: { x: left + width, y: y(0) },
      thickness: 0.5,
      color: GREY,
      dashArray: [3, 3],
    });
  }
  for (let index = 1; index < points.length; index += 1) {
    page.drawLine({
      start: { x: x(index - 1), y: y(points[index - 1] ?? 0) },
      end: { x: x(index), y: y(points[index] ?? 0) },
      thickness: 1.2,
      color: ACCENT,
    });
  }
  const label = (value: number, at: number) => {
    const text = formatAmount(value as Micros);
    const size = 7;
    page.drawText(text, {
      x: left - 6 - writer.fonts.regular.widthOfTextAtSize(text, size),
      y: at - 2,
      size,
      font: writer.fonts.regular,
      color: GREY,
    });
  };
  label(high, y(high));
  label(low, y(low));
  if (low < 0 && high > 0) label(0, y(0));
  const days = statement.dailyBalances;
  for (const index of [0, 6, 13, 20, 27, days.length - 1]) {
    const day = days[index];
    if (day === undefined) continue;
    const text = day.day.slice(8);
    page.drawText(text, { x: x(index + 1) - 4, y: bottom - 10, size: 7, font: writer.fonts.regular, color: GREY });
  }
  writer.y = bottom - LINE * 1.5;
}
