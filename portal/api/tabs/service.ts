// Tab rules: staff open a tab for a customer and change its lines and discount while it is open and no payment is
// running; the customer sees it live and settles it (settle.ts). Each change is one conditional update with its
// precondition in the filter, written with its domain event in one transaction.
import { customerId } from '../../../lib/customer-id.ts';
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { updateAndRead } from '../../../lib/db.ts';
import { HttpError, NotFound } from '../../../lib/errors.ts';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import { minorUnits, priceLines } from '../money/amounts.ts';
import type { MoneySettings } from '../payments/settings.ts';
import { RUNNING, TAB_STATUSES, TabModel, type Tab, type TabLine } from './model.ts';
import { ServiceModel, type Service } from '../catalogue/model.ts';
import { memberDiscount } from '../memberships/service.ts';

export const MAX_LINES = 200;

export const tabId = z.string().regex(/^tab_[A-Za-z0-9_-]{10,40}$/, 'is not a tab id');
export const lineId = z.string().regex(/^ln_[A-Za-z0-9_-]{6,40}$/, 'is not a line id');
export const openInput = z.strictObject({ customerId: z.string().min(1).max(100), note: z.string().trim().max(200).optional() });
/** A line of the catalogue's (`serviceId`: its name and price, less the customer's member discount) or any other. */
export const lineInput = z
  .strictObject({
    serviceId: z
      .string()
      .regex(/^svc_[A-Za-z0-9_-]{6,40}$/, 'is not a service id')
      .optional(),
    description: z.string().trim().min(1, 'is required').max(200).optional(),
    quantity: z.number().int('use a whole number').min(1, 'must be at least 1').max(1000, 'at most 1,000'),
    unitAmount: minorUnits.optional(),
    taxRateId: z.string().max(40).nullable().optional(),
  })
  .refine((l) => l.serviceId || (l.description !== undefined && l.unitAmount !== undefined), {
    message: 'give a description and a unit amount, or a service',
    path: ['description'],
  });
export const discountInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('percent'), value: z.number().min(0).max(100).multipleOf(0.01, 'at most two decimals') }),
  z.strictObject({ kind: z.literal('amount'), value: minorUnits }),
]);
export const voidInput = z.strictObject({ reason: z.string().trim().min(1, 'say why').max(200) });
export const listQuery = z.strictObject({
  status: z.enum(TAB_STATUSES).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export const staffListQuery = listQuery.extend({ customerId: customerId.optional() });

export class TabNotOpen extends HttpError {
  constructor(tab: Tab) {
    super(409, 'tab_not_open', tab.status === 'paid' ? 'This tab has been paid.' : 'This tab was closed without payment.');
  }
}
export class PaymentInProgress extends HttpError {
  constructor() {
    super(409, 'payment_in_progress', 'A payment for this tab is in progress: wait for it to finish.');
  }
}
class Unprocessable extends HttpError {
  constructor(message: string) {
    super(422, 'unprocessable', message);
  }
}

const iso = (d: Date | undefined) => d?.toISOString();

/** The tab's lines priced (tax per line, discount shared out) and its totals. */
export const priced = (t: Pick<Tab, 'lines' | 'discount' | 'taxInclusive'>) => priceLines(t.lines, t.discount, t.taxInclusive);

export function customerView(t: Tab) {
  const { lines, totals } = priced(t);
  const p = t.payment;
  return {
    id: t._id,
    status: t.status,
    currency: t.currency,
    taxInclusive: t.taxInclusive,
    lines: lines.map((l) => ({
      id: l.id,
      description: l.description,
      quantity: l.quantity,
      unitAmount: l.unitAmount,
      taxRate: l.taxRate ?? null,
      net: l.net,
      tax: l.tax,
      gross: l.gross,
      addedAt: iso(l.addedAt)!,
    })),
    discount: t.discount ? { kind: t.discount.kind, value: t.discount.value } : null,
    totals,
    payment: p
      ? {
          state: p.state,
          method: p.method,
          amount: p.amount,
          tip: p.tip,
          ...(p.card ? { card: p.card } : {}),
          ...(p.failure ? { failure: p.failure } : {}),
          at: iso(p.at)!,
        }
      : null,
    ...(t.invoiceId ? { invoiceId: t.invoiceId } : {}),
    ...(t.note ? { note: t.note } : {}),
    ...(t.purpose ? { purpose: t.purpose } : {}),
    openedAt: iso(t.openedAt)!,
    ...(t.paidAt ? { paidAt: iso(t.paidAt) } : {}),
    ...(t.voidedAt ? { voidedAt: iso(t.voidedAt), voidReason: t.voidReason } : {}),
  };
}
/** Staff also see who the tab is for and, to look a payment up in Stripe's dashboard, its PaymentIntent. */
export function staffView(t: Tab) {
  const view = customerView(t);
  return {
    ...view,
    payment: view.payment && { ...view.payment, ...(t.payment?.intentId ? { stripePaymentIntent: t.payment.intentId } : {}) },
    customer: { id: t.customerId, email: t.customerEmail, ...(t.customerName ? { name: t.customerName } : {}) },
  };
}
export type TabView = ReturnType<typeof customerView>;

/** The tab's event: staff see it whole, the customer their own (portal/api/events). */
export const tabEvent = (type: string, t: Tab) => ({ type, subject: t._id, customer: t.customerId, data: { tab: staffView(t) } });

/** The organisation's tab; for a customer, only their own (another's is as unknown as a made-up id). */
export async function findTab(org: string, id: string, customerId?: string): Promise<Tab> {
  const t = await TabModel.findOne({ _id: id, org }).lean<Tab>(); // by {org, _id}; the owner is checked below
  if (!t || (customerId && t.customerId !== customerId)) throw new NotFound('No such tab.');
  return t;
}

export async function listTabs(org: string, q: z.infer<typeof staffListQuery>) {
  const tabs = await TabModel.find({ org, ...(q.customerId ? { customerId: q.customerId } : {}), status: q.status })
    .sort({ openedAt: -1 })
    .limit(q.limit)
    .lean<Tab[]>();
  return tabs;
}

/** `customer`: as idp/ knows them; undefined when the organisation has no such customer. */
export async function openTab(
  org: string,
  settings: MoneySettings,
  input: z.infer<typeof openInput>,
  customer: { email: string; name?: string } | undefined,
): Promise<Tab> {
  if (!customer) throw new NotFound('No such customer.');
  return inTransaction(org, (tx) => openTabIn(tx, org, settings, { customerId: input.customerId, ...customer, note: input.note }));
}

/** Opens a tab in the caller's transaction, with lines already on it (a prepaid booking's). */
export async function openTabIn(
  tx: Tx,
  org: string,
  settings: MoneySettings,
  fields: { customerId: string; email: string; name?: string; note?: string; purpose?: Tab['purpose']; lines?: Omit<TabLine, 'id' | 'addedAt'>[] },
): Promise<Tab> {
  const now = new Date();
  const tab: Tab = {
    _id: `tab_${randomId(12)}`,
    org,
    customerId: fields.customerId,
    customerEmail: fields.email,
    ...(fields.name ? { customerName: fields.name } : {}),
    status: 'open',
    currency: settings.currency,
    taxInclusive: settings.taxInclusive,
    lines: (fields.lines ?? []).map((l) => ({ ...l, id: `ln_${randomId(8)}`, addedAt: now })),
    discount: null,
    ...(fields.note ? { note: fields.note } : {}),
    ...(fields.purpose ? { purpose: fields.purpose } : {}),
    version: 1,
    openedAt: now,
  };
  await TabModel.create([tab], { session: tx.session });
  tx.emit(tabEvent('tab.opened', tab));
  return tab;
}

/** The snapshot of a tax rate of the settings, for a line. */
export function taxRateOf(settings: MoneySettings, id: string | null | undefined) {
  const rate = id ? settings.taxRates.find((r) => r.id === id) : undefined;
  if (id && !rate) throw new Unprocessable(`taxRateId: no tax rate "${id}"; the rates are in the payment settings.`);
  return rate ? { name: rate.name, percent: rate.percent } : null;
}

/** Changes an open tab with no payment running, or says why not. */
async function change(org: string, id: string, update: object, type: string, extra: object = {}): Promise<Tab> {
  const changed = await inTransaction(org, async (tx) => {
    const t = await updateAndRead<Tab>(
      TabModel,
      { _id: id, org, status: 'open', 'payment.state': { $nin: RUNNING }, ...extra },
      { ...update, $inc: { version: 1 } },
      tx.session,
    );
    if (t) tx.emit(tabEvent(type, t));
    return t;
  });
  if (changed) return changed;
  const t = await findTab(org, id);
  if (t.status !== 'open') throw new TabNotOpen(t);
  if (t.payment && RUNNING.includes(t.payment.state)) throw new PaymentInProgress();
  throw new Unprocessable(`A tab holds at most ${MAX_LINES} lines: settle this one and open another.`);
}

export async function addLine(org: string, settings: MoneySettings, id: string, input: z.infer<typeof lineInput>): Promise<Tab> {
  const priced = input.serviceId ? await serviceLine(org, settings, id, input.serviceId) : undefined;
  const line = {
    id: `ln_${randomId(8)}`,
    description: input.description ?? priced!.description,
    quantity: input.quantity,
    unitAmount: input.unitAmount ?? priced!.unitAmount,
    taxRate: taxRateOf(settings, input.taxRateId),
    addedAt: new Date(),
  };
  return change(org, id, { $push: { lines: line } }, 'tab.line_added', { [`lines.${MAX_LINES - 1}`]: { $exists: false } });
}

/** A service sold on the tab: its name and price, less the best member discount of the tab's customer. */
async function serviceLine(org: string, settings: MoneySettings, tabId: string, serviceId: string) {
  const [tab, service] = await Promise.all([findTab(org, tabId), ServiceModel.findOne({ org, _id: serviceId }).lean<Service>()]);
  if (!service) throw new Unprocessable('serviceId: no such service');
  if (service.price.currency !== settings.currency)
    throw new Unprocessable(`serviceId: the service is priced in ${service.price.currency}, the tab in ${settings.currency}`);
  const percent = await memberDiscount(org, tab.customerId, serviceId);
  return {
    description: `${service.name}${percent ? ` (member discount ${percent} %)` : ''}`,
    unitAmount: Math.round((service.price.amount * (100 - percent)) / 100),
  };
}

export async function removeLine(org: string, id: string, line: string): Promise<Tab> {
  const t = await findTab(org, id);
  if (!t.lines.some((l) => l.id === line)) throw new NotFound('No such line on this tab.');
  return change(org, id, { $pull: { lines: { id: line } } }, 'tab.line_removed');
}

export const setDiscount = (org: string, id: string, discount: z.infer<typeof discountInput> | null) =>
  change(org, id, { $set: { discount } }, 'tab.discounted');

export const voidTab = (org: string, id: string, reason: string) =>
  change(org, id, { $set: { status: 'void', voidedAt: new Date(), voidReason: reason } }, 'tab.voided');
