// Issuing and reading invoices, credit notes and receipts. Numbers are gap-free per organisation, kind and year
// (`HDS-2026-000123`, `HDS-CN-2026-000004`, `HDS-R-2026-000123`): a number is taken in the transaction that writes
// its document (lib/sequence.ts), so an aborted or crashed transaction gives its number back and two finalisations
// never share one. Refunds are credit notes with their own sequence.
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { timeCursor } from '../../../lib/cursor.ts';
import { customerId } from '../../../lib/customer-id.ts';
import { updateAndRead } from '../../../lib/db.ts';
import { HttpError, NotFound } from '../../../lib/errors.ts';
import { takeNumbers } from '../../../lib/sequence.ts';
import type { Tx } from '../../../lib/transaction.ts';
import { inTransaction } from '../../../lib/transaction.ts';
import { allocate, minorUnits, taxBreakdown, taxOf, type Totals } from '../money/amounts.ts';
import { instantOf, localAt } from '../availability/zoned.ts';
import { connectedStripe } from '../payments/settings.ts';
import { stripeProblem, type PaymentDeps } from '../payments/stripe.ts';
import { DOCUMENT_KINDS, DocumentModel, PaymentModel, type DocLine, type DocumentKind, type MoneyDoc, type PaidWith, type Payment } from './model.ts';

export const documentId = z.string().regex(/^(inv|cn|rcpt)_[A-Za-z0-9_-]{10,40}$/, 'is not a document id');
export const listQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  kind: z.enum(DOCUMENT_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
  before: z
    .string()
    .regex(timeCursor(/[a-z]{2,4}_[A-Za-z0-9_-]{10,40}/), 'use the `next` of the previous page')
    .optional(),
});
export const staffListQuery = listQuery.extend({ customerId: customerId.optional() });
export const refundInput = z.strictObject({
  amount: minorUnits.min(1, 'must be at least 1').optional(),
  reason: z.string().trim().min(1, 'say why, for the credit note').max(300),
});

const ID_PREFIX: Record<DocumentKind, string> = { invoice: 'inv', credit_note: 'cn', receipt: 'rcpt' };
const NUMBER_PART: Record<DocumentKind, string> = { invoice: '', credit_note: '-CN', receipt: '-R' };
const iso = (d: Date) => d.toISOString();

export function documentView(d: MoneyDoc) {
  return {
    id: d._id,
    kind: d.kind,
    number: d.number,
    issuedAt: iso(d.issuedAt),
    timeZone: d.timeZone,
    currency: d.currency,
    taxInclusive: d.taxInclusive,
    customer: { id: d.customerId, email: d.customerEmail, ...(d.customerName ? { name: d.customerName } : {}) } as {
      id: string;
      email?: string;
      name?: string;
    },
    lines: d.lines.map(({ description, quantity, unitAmount, taxRate, net, tax, gross }) => ({
      description,
      quantity,
      unitAmount,
      taxRate: taxRate ?? null,
      net,
      tax,
      gross,
    })),
    taxBreakdown: d.taxBreakdown.map(({ name, percent, net, tax }) => ({ name, percent, net, tax })),
    subtotal: d.subtotal,
    discount: d.discount,
    tax: d.tax,
    tip: d.tip,
    total: d.total,
    ...(d.payment ? { payment: { method: d.payment.method, ...(d.payment.card ?? {}), paidAt: iso(d.payment.paidAt) } } : {}),
    ...(d.relatesTo ? { relatesTo: d.relatesTo } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.source ? { source: d.source } : {}),
  };
}
export type DocumentView = ReturnType<typeof documentView>;

type Numbering = { org: string; prefix: string; timeZone: string };

/** A new document's id, known before it is written (a paid tab records its invoice in the same update). */
export const newDocumentId = (kind: DocumentKind) => `${ID_PREFIX[kind]}_${randomId(12)}`;

/** Numbers and writes one document in the transaction, with its `invoice.issued` / `refund.created` / `receipt.issued` event. */
async function issue(
  tx: Tx,
  n: Numbering,
  kind: DocumentKind,
  fields: Omit<MoneyDoc, '_id' | 'org' | 'kind' | 'number' | 'year' | 'issuedAt' | 'timeZone'>,
  event: string,
  _id = newDocumentId(kind),
): Promise<MoneyDoc> {
  const issuedAt = new Date();
  const year = Number(localAt(issuedAt.getTime(), n.timeZone).date.slice(0, 4));
  const seq = await takeNumbers(tx.session, n.org, `${kind}:${year}`);
  const doc: MoneyDoc = {
    _id,
    org: n.org,
    kind,
    number: `${n.prefix}${NUMBER_PART[kind]}-${year}-${String(seq).padStart(6, '0')}`,
    year,
    timeZone: n.timeZone,
    issuedAt,
    ...fields,
  };
  await DocumentModel.create([doc], { session: tx.session });
  tx.emit({ type: event, subject: doc._id, customer: doc.customerId, data: { document: documentView(doc) } });
  return doc;
}

export type Sale = {
  customerId: string;
  customerEmail?: string;
  customerName?: string;
  currency: string;
  taxInclusive: boolean;
  lines: DocLine[];
  totals: Totals;
  tip: number;
  source?: MoneyDoc['source'];
};

/**
 * A sale paid: its invoice, the payment (refundable up to what was paid) and the receipt naming how it was paid,
 * in the caller's transaction. Returns the invoice.
 */
export async function recordPaidSale(
  tx: Tx,
  n: Numbering,
  sale: Sale,
  paid: PaidWith & { intentId?: string },
  invoiceId?: string,
): Promise<MoneyDoc> {
  const { totals, tip, ...rest } = sale;
  const { intentId, ...payment } = paid;
  const paymentId = `pay_${randomId(12)}`;
  const amounts = { subtotal: totals.subtotal, discount: totals.discount, tax: totals.tax, tip, total: totals.total + tip };
  const fields = { ...rest, ...amounts, taxBreakdown: taxBreakdown(sale.lines), payment, paymentId };
  const invoice = await issue(tx, n, 'invoice', fields, 'invoice.issued', invoiceId);
  await issue(tx, n, 'receipt', { ...fields, relatesTo: { id: invoice._id, number: invoice.number } }, 'receipt.issued');
  await PaymentModel.create(
    [
      {
        _id: paymentId,
        org: n.org,
        customerId: sale.customerId,
        currency: sale.currency,
        amount: amounts.total,
        refundable: amounts.total,
        refunds: 0,
        method: paid.method,
        intentId,
        card: paid.card,
        invoiceId: invoice._id,
        paidAt: paid.paidAt,
      },
    ],
    { session: tx.session },
  );
  tx.emit({
    type: 'payment.succeeded',
    subject: paymentId,
    customer: sale.customerId,
    data: { invoiceId: invoice._id, amount: amounts.total, currency: sale.currency, method: paid.method },
  });
  return invoice;
}

/** A customer's document, or 404 (someone else's is as unknown as a made-up id). */
export async function findDocument(org: string, id: string, customerId?: string): Promise<MoneyDoc> {
  const d = await DocumentModel.findOne({ _id: id, org }).lean<MoneyDoc>(); // by {org, _id}; the owner is checked below
  if (!d || (customerId && d.customerId !== customerId)) throw new NotFound('No such invoice, credit note or receipt.');
  return d;
}

const DAY_MS = 86_400_000;
/** A page's position: the last document's issue time and id (documents issued in one transaction share a time). */
const cursorOf = (d: MoneyDoc) => `${d.issuedAt.getTime()}_${d._id}`;
const TIES = 8; // documents sharing one issue time: an invoice and its receipt, at most a few

/**
 * Newest first; `next` continues after the last one. Read a window of time at a time, newest first, growing
 * fourfold until the page is full: each read is a range of {org, issuedAt}, so it reads about what it returns
 * (an engine that sorts in memory, as SecantusDB does, would otherwise read the whole history for every page).
 */
export async function listDocuments(org: string, timeZone: string, q: z.infer<typeof staffListQuery>, now = Date.now()) {
  const filter: Record<string, unknown> = { org };
  if (q.customerId) filter.customerId = q.customerId;
  if (q.kind) filter.kind = q.kind;
  // A year is its range of issue times in the organisation's time zone: the range alone decides what is read.
  const soon = now + DAY_MS; // nothing is issued later than now: windows start here, not at the end of this year
  const [oldest, newest] = q.year
    ? [instantOf(`${q.year}-01-01`, 0, timeZone), Math.min(soon, instantOf(`${q.year + 1}-01-01`, 0, timeZone) - 1)]
    : [0, soon];
  const [at, afterId] = q.before ? [Math.min(newest, Number(q.before.split('_')[0])), q.before.slice(q.before.indexOf('_') + 1)] : [newest, ''];
  const wanted = (d: MoneyDoc) => (d.issuedAt.getTime() < at || d._id < afterId) && (!q.year || d.year === q.year); // after the cursor
  let docs: MoneyDoc[] = [];
  for (let span = 31 * DAY_MS; ; span *= 4) {
    const from = Math.max(oldest, at - span);
    const found = await DocumentModel.find({ ...filter, issuedAt: { $gte: new Date(from), $lte: new Date(at) } })
      .sort({ issuedAt: -1, _id: -1 })
      .limit(q.limit + 1 + TIES)
      .lean<MoneyDoc[]>();
    docs = found.filter(wanted);
    if (docs.length > q.limit || from <= oldest) break;
  }
  const page = docs.slice(0, q.limit);
  return { items: page.map(documentView), ...(docs.length > q.limit ? { next: cursorOf(page.at(-1)!) } : {}) };
}

export class RefundRefused extends HttpError {
  constructor(message: string) {
    super(422, 'refund_refused', message);
  }
}

/** Lines of a credit note for `amount` of `invoice`: the invoice's lines (and tip) scaled down, tax worked out again per line. */
function creditedLines(invoice: MoneyDoc, amount: number): DocLine[] {
  const parts: DocLine[] = invoice.lines.map((l) => ({ ...l }));
  if (invoice.tip)
    parts.push({ description: 'Tip', quantity: 1, unitAmount: invoice.tip, taxRate: null, net: invoice.tip, tax: 0, gross: invoice.tip });
  if (amount === invoice.total) return parts;
  const shares = allocate(
    amount,
    parts.map((l) => l.gross),
  );
  return parts
    .map((l, i) => ({
      description: `${l.description} (part)`,
      quantity: 1,
      unitAmount: shares[i]!,
      taxRate: l.taxRate,
      ...taxOf(shares[i]!, l.taxRate?.percent ?? 0, true),
    }))
    .filter((l) => l.gross > 0);
}

/**
 * Refunds all or part of a paid invoice: reserves the amount on its payment (never more than is left, under any
 * concurrency), asks Stripe to refund a card payment (one idempotency key per refund), then issues the credit note.
 * Should Stripe refuse, the reservation is given back.
 */
export async function refund(deps: PaymentDeps, n: Numbering, invoiceId: string, input: z.infer<typeof refundInput>): Promise<MoneyDoc> {
  const invoice = await findDocument(n.org, invoiceId);
  if (invoice.kind !== 'invoice' || !invoice.paymentId) throw new RefundRefused('Only a paid invoice can be refunded.');
  const payment = await PaymentModel.findOne({ _id: invoice.paymentId, org: n.org }).lean<Payment>();
  const amount = input.amount ?? payment?.refundable ?? 0;
  if (!payment || amount <= 0) throw new RefundRefused('This invoice has been refunded in full already.');
  const reserved = await updateAndRead<Payment>(
    PaymentModel,
    { _id: payment._id, org: n.org, refundable: { $gte: amount } },
    { $inc: { refundable: -amount, refunds: 1 } },
  );
  if (!reserved) throw new RefundRefused(`At most ${payment.refundable} (minor units) of this invoice can still be refunded.`);
  const giveBack = () => PaymentModel.updateOne({ _id: payment._id, org: n.org }, { $inc: { refundable: amount } });
  let refundId: string | undefined;
  if (payment.method === 'card' && payment.intentId) {
    try {
      const { stripe } = await connectedStripe(deps, n.org);
      refundId = (
        await stripe.refunds.create(
          { payment_intent: payment.intentId, amount, metadata: { org: n.org, invoice: invoice._id } },
          { idempotencyKey: `refund:${payment._id}:${reserved.refunds}` },
        )
      ).id;
    } catch (err) {
      await giveBack();
      const problem = stripeProblem(err);
      if (problem) throw new RefundRefused(problem);
      throw err;
    }
  }
  return creditNote(n, invoice, payment._id, amount, refundId ? `${input.reason} (Stripe refund ${refundId})` : input.reason);
}

/** The credit note for `amount` of a paid invoice, in a transaction of its own. */
function creditNote(n: Numbering, invoice: MoneyDoc, paymentId: string, amount: number, reason: string): Promise<MoneyDoc> {
  return inTransaction(n.org, async (tx) => {
    const lines = creditedLines(invoice, amount);
    const tax = lines.reduce((a, l) => a + l.tax, 0);
    return issue(
      tx,
      n,
      'credit_note',
      {
        customerId: invoice.customerId,
        customerEmail: invoice.customerEmail,
        customerName: invoice.customerName,
        currency: invoice.currency,
        taxInclusive: amount === invoice.total ? invoice.taxInclusive : true, // a part is taken out of what was paid, tax included
        lines,
        taxBreakdown: taxBreakdown(lines),
        subtotal: amount,
        discount: 0,
        tax,
        tip: 0,
        total: amount,
        payment: invoice.payment,
        paymentId,
        relatesTo: { id: invoice._id, number: invoice.number },
        reason,
      },
      'refund.created',
    );
  });
}

/**
 * Stripe's `charge.refunded`: a refund made outside Portico (in Stripe's dashboard) gets its credit note too. Ours
 * are reserved before Stripe is asked, so they are already counted; what Stripe refunded beyond that is credited,
 * over the refundable amount read (a refund of ours landing meanwhile leaves it to the next event).
 */
export async function refundedAtStripe(n: Numbering, intentId: string, refundedInAll: number): Promise<MoneyDoc | undefined> {
  const payment = await PaymentModel.findOne({ org: n.org, intentId }).lean<Payment>();
  if (!payment) return undefined;
  const missing = refundedInAll - (payment.amount - payment.refundable);
  if (missing <= 0) return undefined;
  const { matchedCount } = await PaymentModel.updateOne(
    { _id: payment._id, org: n.org, refundable: payment.refundable },
    { $inc: { refundable: -missing, refunds: 1 } },
  );
  if (!matchedCount) return undefined;
  return creditNote(n, await findDocument(n.org, payment.invoiceId), payment._id, missing, "Refunded in Stripe's dashboard");
}

/** What can still be refunded of an invoice (staff views). */
export async function refundable(org: string, d: MoneyDoc): Promise<number | undefined> {
  if (d.kind !== 'invoice' || !d.paymentId) return undefined;
  return (await PaymentModel.findOne({ _id: d.paymentId, org }, { refundable: 1 }).lean<Payment>())?.refundable;
}
