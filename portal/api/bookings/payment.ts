// Bookings that take money. A service may ask for nothing, a card on file (the customer must have saved one), or
// payment when booking: the booking comes with a tab of its own for the price or the deposit, which the customer
// settles like any tab (saved card, new card, 3-D Secure), within PAY_WITHIN; a booking still unpaid after that lapses
// and frees its time. Cancelling a paid booking refunds it (a credit note): everything before the cancellation
// deadline, the service's late refund percent after it.
import { updateAndRead } from '../../../lib/db.ts';
import { HttpError } from '../../../lib/errors.ts';
import type { Tx } from '../../../lib/transaction.ts';
import { inTransaction } from '../../../lib/transaction.ts';
import { refund } from '../documents/service.ts';
import type { Service } from '../catalogue/model.ts';
import { defaultMethod } from '../payments/methods.ts';
import { moneySettings, type MoneySettings } from '../payments/settings.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import { findTab, openTabIn, taxRateOf, voidTab } from '../tabs/service.ts';
import { whenTabPaid } from '../tabs/settle.ts';
import { localAt, MINUTE } from '../availability/zoned.ts';
import { BookingModel, type Booking, type BookingPayment } from './model.ts';

/** How long a prepaid booking waits for its payment before its time is given back. */
export const PAY_WITHIN_MS = 15 * MINUTE;

export class PaymentRequired extends HttpError {
  constructor(message: string) {
    super(422, 'payment_required', message);
  }
}

/** What the service asks before booking; the money settings when it takes payment. Checked before any time is held. */
export async function paymentTerms(
  deps: PaymentDeps,
  org: string,
  service: Pick<Service, 'payment' | 'price'>,
  customerId: string,
): Promise<MoneySettings | undefined> {
  const mode = service.payment?.mode ?? 'none';
  if (mode === 'none') return undefined;
  if (mode === 'card_on_file' && !(await defaultMethod(org, customerId)))
    throw new PaymentRequired('This service needs a card on file: add one under Payment methods, then book.');
  const settings = await moneySettings(deps.sealKey, org);
  if (mode === 'prepay' && service.price.currency !== settings.currency)
    throw new PaymentRequired(`This service is priced in ${service.price.currency} but the business takes payments in ${settings.currency}.`);
  return settings;
}

/** The amount a prepaid booking asks: the price less a member's discount, or the deposit (never more than that). */
function amountDue(service: Pick<Service, 'payment' | 'price'>, discountPercent: number): number {
  const price = Math.round((service.price.amount * (100 - discountPercent)) / 100);
  const deposit = service.payment?.deposit;
  if (!deposit) return price;
  return Math.min(price, deposit.kind === 'percent' ? Math.round((price * deposit.value) / 100) : deposit.value);
}

/** In the booking's transaction: its payment terms, and for a prepaid booking the tab the customer pays. */
export async function attachPayment(
  tx: Tx,
  settings: MoneySettings | undefined,
  service: Pick<Service, 'payment' | 'price' | 'name'>,
  b: Booking,
  discountPercent = 0,
): Promise<BookingPayment | undefined> {
  const terms = service.payment;
  if (!settings || !terms || terms.mode === 'none') return undefined;
  const base = { mode: terms.mode, currency: settings.currency, lateRefundPercent: terms.lateRefundPercent };
  if (terms.mode === 'card_on_file') return { ...base, amount: 0, status: 'none' };
  const amount = amountDue(service, discountPercent);
  const deposit = !!terms.deposit && amount < Math.round((service.price.amount * (100 - discountPercent)) / 100);
  const when = localAt(b.start.getTime(), b.timeZone);
  const tab = await openTabIn(tx, b.org, settings, {
    customerId: b.customerId,
    email: b.customerEmail ?? '',
    purpose: { kind: 'booking', id: b._id },
    lines: [
      {
        description: `${service.name}, ${when.date} ${when.time}${deposit ? ' (deposit)' : ''}${discountPercent ? ` (member discount ${discountPercent} %)` : ''}`,
        quantity: 1,
        unitAmount: amount,
        taxRate: taxRateOf(settings, terms.taxRateId),
      },
    ],
  });
  return { ...base, amount, status: 'due', tabId: tab._id, dueBy: new Date(Date.now() + PAY_WITHIN_MS) };
}

type Emit = (tx: Tx, type: string, b: Booking) => void;
let emit: Emit = () => {};

/**
 * Wires this module to the bookings: `emitter` writes a booking's event (every change of its money is one), and a
 * paid booking tab marks its booking paid in the tab's payment transaction (once; a lapsed booking stays lapsed).
 */
export function connectBookingMoney(emitter: Emit): void {
  emit = emitter;
  whenTabPaid('booking', async (tx, tab) => {
    const b = await updateAndRead<Booking>(
      BookingModel,
      { _id: tab.purpose!.id, org: tab.org, 'payment.status': 'due' },
      {
        $set: { 'payment.status': 'paid', 'payment.invoiceId': tab.invoiceId, updatedAt: new Date() },
        $unset: { 'payment.dueBy': 1 },
        $inc: { version: 1 },
      },
      tx.session,
    );
    if (b) emit(tx, 'booking.paid', b);
  });
}

/** Changes the booking's payment (when `filter` still holds), with its event in the same transaction. */
async function changePayment(b: Booking, filter: object, set: Record<string, unknown>, type: string): Promise<void> {
  await inTransaction(b.org, async (tx) => {
    const after = await updateAndRead<Booking>(
      BookingModel,
      { _id: b._id, org: b.org, ...filter },
      { $set: { ...set, updatedAt: new Date() }, $inc: { version: 1 } },
      tx.session,
    );
    if (after) emit(tx, type, after);
  });
}

/** What to do about the money when a booking is cancelled: void its unpaid tab, or refund what was paid. */
export async function settleCancelled(
  deps: PaymentDeps,
  b: Booking,
  late: boolean,
  timeZone: string,
): Promise<{ refunded?: number; creditNote?: string; refundFailed?: string } | undefined> {
  const p = b.payment;
  if (p?.mode !== 'prepay') return undefined;
  if (p.status === 'due' && p.tabId) {
    await voidTab(b.org, p.tabId, 'The booking was cancelled').catch(() => undefined); // a payment running on it finishes, and staff refund it
    await changePayment(b, { 'payment.status': 'due' }, { 'payment.status': 'lapsed', 'payment.dueBy': null }, 'booking.payment_lapsed');
    return undefined;
  }
  if (p.status !== 'paid' || !p.invoiceId) return undefined;
  const amount = late ? Math.round((p.amount * p.lateRefundPercent) / 100) : p.amount;
  if (!amount) return { refunded: 0 };
  try {
    const settings = await moneySettings(deps.sealKey, b.org);
    const note = await refund(deps, { org: b.org, prefix: settings.invoicePrefix, timeZone }, p.invoiceId, {
      amount,
      reason: `Booking ${late ? 'cancelled late' : 'cancelled'}`,
    });
    await changePayment(b, { 'payment.status': 'paid' }, { 'payment.status': 'refunded', 'payment.refunded': amount }, 'booking.refunded');
    return { refunded: amount, creditNote: note.number };
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { refundFailed: `${err.message} Refund it from the invoice.` };
  }
}

const lastSwept = new Map<string, number>();
const SWEEP_EVERY_MS = 30_000;

/** As if 30 s had passed since every sweep (tests move time instead of waiting). */
export const forgetSweeps = () => lastSwept.clear();

/**
 * Lets the organisation's prepaid bookings whose payment is overdue lapse, giving their time back. Asked for where
 * the time is shown (availability: a booking is made from it), at most every 30 s per organisation and instance;
 * each lapse is a change over the version read, so instances sweeping at once lapse a booking once.
 */
export async function lapseUnpaid(org: string, cancel: (tx: Tx, b: Booking) => Promise<unknown>, now = Date.now()): Promise<number> {
  if (now - (lastSwept.get(org) ?? 0) < SWEEP_EVERY_MS) return 0;
  lastSwept.set(org, now);
  const overdue = await BookingModel.find({ org, 'payment.status': 'due', 'payment.dueBy': { $lt: new Date(now) } })
    .limit(100)
    .lean<Booking[]>();
  let lapsed = 0;
  for (const b of overdue) {
    // The tab first: while a payment runs on it, it cannot be voided, and the booking waits to be paid instead.
    const tabId = b.payment!.tabId!;
    const voided = await voidTab(org, tabId, 'The booking was not paid in time').then(
      () => true,
      async () => (await findTab(org, tabId)).status === 'void',
    );
    if (!voided) continue;
    // Over the version read: a booking paid or changed meanwhile is left as it is.
    if (
      await inTransaction(org, (tx) => cancel(tx, b)).then(
        () => true,
        () => false,
      )
    )
      lapsed++;
  }
  return lapsed;
}
