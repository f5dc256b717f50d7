// The accountant's export: one row per document, amounts in major units with the currency's own decimals. Cells that
// a spreadsheet would run as a formula (=, +, -, @ first) are prefixed with a quote, so a customer's email address
// or a refund reason can never execute on the accountant's machine.
import type { z } from 'zod';
import { toDecimal } from '../money/amounts.ts';
import { localAt } from '../availability/zoned.ts';
import { DocumentModel, type MoneyDoc } from './model.ts';
import type { staffListQuery } from './service.ts';

const HEADER = ['number', 'type', 'issued_on', 'customer_email', 'currency', 'net', 'tax', 'tip', 'total', 'paid_with', 'relates_to', 'reason'];

function cell(value: string | number | undefined): string {
  let s = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(d: MoneyDoc): string {
  const sign = d.kind === 'credit_note' ? -1 : 1; // a credit note takes its amounts off the books
  const m = (n: number) => toDecimal(sign * n, d.currency);
  const paidWith = d.payment ? (d.payment.card ? `${d.payment.card.brand} ${d.payment.card.last4}` : d.payment.method) : undefined;
  return [
    d.number,
    d.kind,
    localAt(d.issuedAt.getTime(), d.timeZone).date,
    d.customerEmail,
    d.currency,
    m(d.total - d.tip - d.tax),
    m(d.tax),
    m(d.tip),
    m(d.total),
    paidWith,
    d.relatesTo?.number,
    d.reason,
  ]
    .map(cell)
    .join(',');
}

export async function documentsCsv(org: string, q: Omit<z.infer<typeof staffListQuery>, 'limit' | 'before'>): Promise<string> {
  const filter: Record<string, unknown> = { org };
  if (q.customerId) filter.customerId = q.customerId;
  if (q.kind) filter.kind = q.kind;
  if (q.year) filter.year = q.year;
  const lines = [HEADER.join(',')];
  for await (const d of DocumentModel.find(filter).sort({ issuedAt: 1 }).lean<MoneyDoc[]>().cursor()) lines.push(row(d as unknown as MoneyDoc));
  return `${lines.join('\r\n')}\r\n`;
}
