// The branded PDF of an invoice, credit note or receipt: the seller's logo, colours and details, the customer, the
// lines (paginated, the table header repeated), the tax breakdown by rate, the totals and the payment. Pure: the
// document and the seller in, PDF bytes out; the routes fetch the logo (logo.ts) and send the answer.
import PDFDocument from 'pdfkit';
import { documentFonts } from './fonts.ts';
import { formatDate, formatMoney } from './format.ts';
import type { DocLine, DocumentKind } from './model.ts';
import type { DocumentView } from './service.ts';

export type { DocLine, DocumentKind };
/** The document as its routes show it (service.ts documentView). */
export type PdfDocument = DocumentView;
export type Seller = {
  name: string;
  legalName?: string;
  address?: string;
  taxNumber?: string;
  email?: string;
  phone?: string;
  website?: string;
  primaryColor: string;
  accentColor: string;
  logo?: { data: Buffer; type: 'png' | 'jpeg' };
};

const TITLES: Record<DocumentKind, string> = { invoice: 'Invoice', credit_note: 'Credit note', receipt: 'Receipt' };
const TOTAL_LABELS: Record<DocumentKind, string> = { invoice: 'Total', credit_note: 'Total credited', receipt: 'Total paid' };
const CARD_BRANDS: Record<string, string> = {
  amex: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'eftpos',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

// A4 in points; the page's own bottom margin is 0 so pdfkit never adds a page by itself: this file decides.
const PAGE = { width: 595.28, height: 841.89 };
const M = 48;
const CONTENT_WIDTH = PAGE.width - 2 * M;
const CONTENT_BOTTOM = PAGE.height - 64;
const FOOTER_Y = PAGE.height - 40;
const INK = '#1f2937';
const MUTED = '#6b7280';
const RULE = '#e5e7eb';
/** Free text longer than this many lines is cut with an ellipsis, so no field can push the page out of shape. */
const MAX_LINES = { description: 8, address: 6, field: 2, reason: 6 };
const LOGO_BOX = { width: 160, height: 56 };

type Rgb = [number, number, number];
function parseColor(value: string, fallback: string): Rgb {
  const hex = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(value.trim())?.[1] ?? fallback.slice(1);
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as Rgb;
}
const hex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
/** WCAG relative luminance, 0 (black) to 1 (white). */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
/** `rgb` mixed with white: 0 is the colour, 1 white. */
const tint = (rgb: Rgb, white: number) => hex(rgb.map((c) => c + (255 - c) * white) as Rgb);

/** The brand colours made safe to print: text in a brand colour must read on white, text on a fill must read on it. */
function palette(seller: Seller) {
  const primary = parseColor(seller.primaryColor, '#1f2937');
  const accent = parseColor(seller.accentColor, '#2563eb');
  const readableOnWhite = (rgb: Rgb) => (luminance(rgb) < 0.45 ? hex(rgb) : INK);
  return {
    primary: hex(primary),
    onPrimary: luminance(primary) > 0.45 ? INK : '#ffffff',
    primaryText: readableOnWhite(primary),
    accent: hex(accent),
    accentText: readableOnWhite(accent),
    accentTint: tint(accent, 0.92),
  };
}

function paymentText(payment: NonNullable<PdfDocument['payment']>, timeZone: string, locale: string): string {
  const on = formatDate(payment.paidAt, timeZone, locale);
  if (payment.method === 'cash') return `Cash, paid ${on}`;
  const brand = payment.brand ? (CARD_BRANDS[payment.brand.toLowerCase()] ?? payment.brand) : 'Card';
  return `${brand}${payment.last4 ? ` •••• ${payment.last4}` : ''}, paid ${on}`;
}

/**
 * Renders `doc` as a branded A4 PDF for `seller`. Amounts are formatted for `options.locale` (default "en");
 * dates are calendar dates in the document's time zone. A logo that cannot be decoded is left out, never fatal.
 */
export async function renderDocumentPdf(doc: PdfDocument, seller: Seller, options: { locale?: string } = {}): Promise<Buffer> {
  const locale = options.locale ?? 'en';
  const money = (amount: number) => formatMoney(amount, doc.currency, locale);
  const quantity = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  const percent = (p: number) => `${quantity.format(p)}%`;
  const colors = palette(seller);
  const title = TITLES[doc.kind];
  const issued = new Date(doc.issuedAt);

  const fonts = documentFonts();
  const pdf = new PDFDocument({
    // No default font (pdfkit would load Helvetica's metrics for every document): ours are registered below.
    font: null as unknown as string,
    size: 'A4',
    margins: { top: M, bottom: 0, left: M, right: M },
    bufferPages: true,
    autoFirstPage: true,
    info: { Title: `${title} ${doc.number}`, Author: seller.legalName ?? seller.name, Creator: 'Portico', CreationDate: issued, ModDate: issued },
  });
  const chunks: Uint8Array[] = [];
  pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  // pdfkit 0.20 takes parsed fontkit fonts where its types (0.17) say a path or bytes.
  pdf.registerFont('regular', fonts.regular as unknown as string);
  pdf.registerFont('bold', fonts.bold as unknown as string);
  pdf.font('regular');

  const text = (s: string, x: number, y: number, o: PDFKit.Mixins.TextOptions = {}) => pdf.text(s, x, y, { lineBreak: false, ...o });
  /** Draws `s` ending at `right` on one line. */
  const rightText = (s: string, right: number, y: number) => text(s, right - pdf.widthOfString(s), y);
  /** `s`, cut with an ellipsis to `width` in the current font. */
  const fitted = (s: string, width: number) => {
    if (pdf.widthOfString(s) <= width) return s;
    let cut = s;
    while (cut && pdf.widthOfString(`${cut}…`) > width) cut = cut.slice(0, -1);
    return `${cut.trimEnd()}…`;
  };
  const style = (font: 'regular' | 'bold', size: number, color = INK) => pdf.font(font).fontSize(size).fillColor(color);

  // ---- Header: brand strip, logo or name, title and number ----
  pdf.rect(0, 0, PAGE.width, 6).fill(colors.primary);
  let leftY = M;
  if (seller.logo) {
    try {
      pdf.image(seller.logo.data, M, leftY, { fit: [LOGO_BOX.width, LOGO_BOX.height] });
      leftY += LOGO_BOX.height + 10;
    } catch {
      // A logo that passed the type check but does not decode: the document goes out with the name alone.
    }
  }
  style('bold', 15, colors.primaryText);
  pdf.text(seller.name, M, leftY, { width: CONTENT_WIDTH / 2, height: pdf.currentLineHeight(true) * MAX_LINES.field, ellipsis: true });
  leftY = pdf.y + 2;

  const right = PAGE.width - M;
  style('bold', 24, colors.primaryText);
  rightText(title, right, M - 4);
  let rightY = M + 32;
  const meta: [string, string][] = [
    [`${title} no.`, doc.number],
    ['Date', formatDate(doc.issuedAt, doc.timeZone, locale)],
  ];
  if (doc.relatesTo) meta.push([doc.kind === 'credit_note' ? 'Credits invoice' : 'For invoice', doc.relatesTo.number]);
  for (const [label, value] of meta) {
    style('bold', 9.5);
    rightText(value, right, rightY);
    const valueWidth = pdf.widthOfString(value);
    style('regular', 9.5, MUTED);
    rightText(label, right - valueWidth - 10, rightY);
    rightY += 15;
  }

  // ---- Parties: the seller's legal details, the customer ----
  let y = Math.max(leftY, rightY) + 18;
  const columnWidth = CONTENT_WIDTH / 2 - 12;
  const customerX = M + CONTENT_WIDTH / 2 + 12;
  const block = (label: string, x: number, rows: { text: string; bold?: boolean; lines?: number }[]) => {
    style('bold', 7.5, colors.accentText);
    text(label.toUpperCase(), x, y);
    let at = y + 14;
    for (const row of rows) {
      style(row.bold ? 'bold' : 'regular', 9.5, row.bold ? INK : '#374151');
      pdf.text(row.text, x, at, { width: columnWidth, height: pdf.currentLineHeight(true) * (row.lines ?? MAX_LINES.field), ellipsis: true });
      at = pdf.y + 1.5;
    }
    return at;
  };
  const sellerRows = [
    { text: seller.legalName ?? seller.name, bold: true },
    ...(seller.address ? [{ text: seller.address, lines: MAX_LINES.address }] : []),
    ...(seller.taxNumber ? [{ text: `VAT/Tax no. ${seller.taxNumber}` }] : []),
    ...[seller.email, seller.phone, seller.website].filter((v): v is string => !!v).map((v) => ({ text: v })),
  ];
  const customerRows = doc.customer.name
    ? [{ text: doc.customer.name, bold: true }, ...(doc.customer.email ? [{ text: doc.customer.email }] : [])]
    : [{ text: doc.customer.email ?? `Customer ${doc.customer.id}`, bold: true }];
  const fromBottom = block('From', M, sellerRows);
  const toBottom = block(doc.kind === 'credit_note' ? 'Credited to' : 'Bill to', customerX, customerRows);
  y = Math.max(fromBottom, toBottom) + 14;

  if (doc.kind === 'credit_note' && doc.reason) {
    const reason = `Reason: ${doc.reason}`;
    style('regular', 9.5);
    const textHeight = Math.min(pdf.heightOfString(reason, { width: CONTENT_WIDTH - 24 }), pdf.currentLineHeight(true) * MAX_LINES.reason);
    const h = textHeight + 16;
    pdf.rect(M, y, CONTENT_WIDTH, h).fill(colors.accentTint);
    pdf.rect(M, y, 3, h).fill(colors.accent);
    style('regular', 9.5);
    pdf.text(reason, M + 12, y + 8, { width: CONTENT_WIDTH - 24, height: textHeight, ellipsis: true });
    y += h + 14;
  }

  // ---- Lines: the header row repeats on every page the table reaches ----
  const PAD = 8;
  const cols = { qty: 40, unit: 84, tax: 52, amount: 90 };
  const amountRight = right - PAD;
  const taxRight = amountRight - cols.amount;
  const unitRight = taxRight - cols.tax;
  const qtyRight = unitRight - cols.unit;
  const descWidth = qtyRight - cols.qty - M - PAD;
  const HEADER_H = 22;
  const CELL_PAD = 6;
  const tableHeader = () => {
    pdf.rect(M, y, CONTENT_WIDTH, HEADER_H).fill(colors.primary);
    style('bold', 8.5, colors.onPrimary);
    const ty = y + CELL_PAD;
    text('Description', M + PAD, ty);
    rightText('Qty', qtyRight, ty);
    rightText('Unit price', unitRight, ty);
    rightText('Tax', taxRight, ty);
    rightText('Amount', amountRight, ty);
    y += HEADER_H;
  };
  const newPage = () => {
    pdf.addPage({ size: 'A4', margins: { top: M, bottom: 0, left: M, right: M } });
    pdf.rect(0, 0, PAGE.width, 6).fill(colors.primary);
    y = M;
  };

  // The summary below the table (tax breakdown beside the totals, then the payment), measured first: it is kept
  // whole, and the table's last line moves to its page rather than leave it alone there.
  const totals: { label: string; value: string; strong?: boolean }[] = [{ label: 'Subtotal', value: money(doc.subtotal) }];
  if (doc.discount) totals.push({ label: 'Discount', value: `−${money(doc.discount)}` });
  if (!doc.taxInclusive) totals.push({ label: 'Tax', value: money(doc.tax) });
  if (doc.tip) totals.push({ label: 'Tip', value: money(doc.tip) });
  totals.push({ label: TOTAL_LABELS[doc.kind], value: money(doc.total), strong: true });
  if (doc.taxInclusive && doc.tax) totals.push({ label: 'Includes tax', value: money(doc.tax) });
  const ROW = 17;
  const SUMMARY_GAP = 18;
  const payment = doc.kind === 'credit_note' ? undefined : doc.payment;
  const breakdownRows = doc.taxBreakdown.length ? doc.taxBreakdown.length + 1 : 0;
  const summaryHeight = Math.max(totals.length * ROW + 12, breakdownRows * ROW + 16) + (payment ? 58 : 0) + 16;

  tableHeader();
  style('regular', 9.5);
  const lineHeight = pdf.currentLineHeight(true);
  let rowsOnPage = 0;
  doc.lines.forEach((line, i) => {
    style('regular', 9.5);
    const descHeight = Math.min(pdf.heightOfString(line.description, { width: descWidth }), lineHeight * MAX_LINES.description);
    const rowH = descHeight + 2 * CELL_PAD;
    const withSummary = rowH + SUMMARY_GAP + summaryHeight;
    const carryLast =
      i === doc.lines.length - 1 && rowsOnPage > 0 && y + withSummary > CONTENT_BOTTOM && M + HEADER_H + withSummary <= CONTENT_BOTTOM;
    if (y + rowH > CONTENT_BOTTOM || carryLast) {
      newPage();
      tableHeader();
      rowsOnPage = 0;
    }
    rowsOnPage++;
    if (i % 2 === 1) pdf.rect(M, y, CONTENT_WIDTH, rowH).fill('#f9fafb');
    style('regular', 9.5);
    pdf.text(line.description, M + PAD, y + CELL_PAD, { width: descWidth, height: descHeight, ellipsis: true });
    rightText(quantity.format(line.quantity), qtyRight, y + CELL_PAD);
    rightText(money(line.unitAmount), unitRight, y + CELL_PAD);
    style('regular', 9.5, line.taxRate ? INK : MUTED);
    rightText(line.taxRate ? percent(line.taxRate.percent) : '—', taxRight, y + CELL_PAD);
    style('regular', 9.5);
    rightText(money(Math.round(line.quantity * line.unitAmount)), amountRight, y + CELL_PAD);
    y += rowH;
    pdf.moveTo(M, y).lineTo(right, y).lineWidth(0.5).strokeColor(RULE).stroke();
  });

  y += SUMMARY_GAP;
  if (y + summaryHeight > CONTENT_BOTTOM) {
    newPage();
    y += 8;
  }

  const totalsX = M + CONTENT_WIDTH / 2 + 50;
  let ty = y;
  for (const row of totals) {
    if (row.strong) {
      pdf
        .moveTo(totalsX, ty - 4)
        .lineTo(right, ty - 4)
        .lineWidth(1)
        .strokeColor(colors.accent)
        .stroke();
      ty += 4;
      style('bold', 12, colors.primaryText);
      text(row.label, totalsX, ty);
      rightText(row.value, amountRight, ty);
      ty += ROW + 6;
    } else {
      style('regular', 9.5, row.label === 'Includes tax' ? MUTED : '#374151');
      text(row.label, totalsX, ty);
      rightText(row.value, amountRight, ty);
      ty += ROW;
    }
  }

  let by = y;
  if (doc.taxBreakdown.length) {
    const rateRight = M + 130;
    const netRight = M + 200;
    const taxRightB = M + 265;
    style('bold', 7.5, colors.accentText);
    text('TAX RATE', M, by);
    rightText('NET', netRight, by);
    rightText('TAX AMOUNT', taxRightB, by);
    by += 14;
    pdf
      .moveTo(M, by - 3)
      .lineTo(taxRightB, by - 3)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    for (const rate of doc.taxBreakdown) {
      style('regular', 9.5, '#374151');
      text(fitted(`${rate.name} ${percent(rate.percent)}`, rateRight - M - 6), M, by + 2);
      rightText(money(rate.net), netRight, by + 2);
      rightText(money(rate.tax), taxRightB, by + 2);
      by += ROW;
    }
  }

  if (payment) {
    const py = Math.max(ty, by) + 14;
    pdf.roundedRect(M, py, CONTENT_WIDTH, 40, 4).fill(colors.accentTint);
    style('bold', 7.5, colors.accentText);
    text('PAYMENT', M + 14, py + 8);
    style('regular', 10);
    text(paymentText(payment, doc.timeZone, locale), M + 14, py + 21);
  }

  // ---- Footer on every page: who and what, page n of m ----
  const { start, count } = pdf.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    pdf.switchToPage(i);
    pdf
      .moveTo(M, FOOTER_Y - 8)
      .lineTo(right, FOOTER_Y - 8)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    style('regular', 8, MUTED);
    text(fitted(`${seller.legalName ?? seller.name} · ${title} ${doc.number}`, CONTENT_WIDTH - 90), M, FOOTER_Y);
    rightText(`Page ${i - start + 1} of ${count}`, right, FOOTER_Y);
  }
  pdf.end();
  return done;
}
