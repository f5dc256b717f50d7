// Stripe's word on memberships: `customer.subscription.*` moves a membership's status, `invoice.paid` records our own
// invoice for the charge and renews the period it paid, `invoice.payment_failed` makes it past due. Each is taken in
// any order: an invoice is recorded once (its id is the charge's key), a subscription state older than one already
// applied changes nothing, and an ended membership stays ended.
import type Stripe from 'stripe';
import { inTransaction, type Tx } from '../../../lib/transaction.ts';
import { recordPaidSale } from '../documents/service.ts';
import { moneySettings } from '../payments/settings.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import { MembershipChargeModel, MembershipModel, type Membership } from './model.ts';
import { calendarOf, emit, endIn, renewIn, reread, startedIn, update } from './service.ts';
import { periodStartingNear } from './periods.ts';

export const membershipWebhookEvents = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

/** The membership a subscription belongs to: named in its metadata, and holding that subscription. */
async function membershipOf(org: string, subscription: string | undefined, metadata: Stripe.Metadata | null | undefined) {
  const id = metadata?.membership;
  if (!id || !subscription) return null;
  const m = await MembershipModel.findOne({ org, _id: id }).lean<Membership>();
  return m?.stripe?.subscription === subscription ? m : null;
}

export async function subscriptionChanged(org: string, sub: Stripe.Subscription, eventCreated: number, deleted: boolean): Promise<boolean> {
  const found = await membershipOf(org, sub.id, sub.metadata);
  if (!found) return false;
  await inTransaction(org, async (tx) => {
    let m = (await reread(tx, found))!;
    const seenAt = eventCreated * 1000;
    if (m.status === 'ended' || (m.stripeSeenAt ?? 0) > seenAt) return;
    if (deleted || sub.status === 'canceled' || sub.status === 'incomplete_expired') {
      await endIn(tx, m, m.cancelAt && m.cancelAt.getTime() <= Date.now() + 60_000 ? 'expire' : 'forfeit');
      return;
    }
    await MembershipModel.updateOne({ org, _id: m._id }, { $set: { stripeSeenAt: seenAt } }, { session: tx.session });
    m = { ...m, stripeSeenAt: seenAt };
    if (m.status === 'pending') {
      await startedIn(tx, m, sub.status);
      return;
    }
    if ((sub.status === 'past_due' || sub.status === 'unpaid') && m.status !== 'past_due' && m.status !== 'frozen') {
      await setStatus(tx, m, 'past_due', 'membership.past_due');
      return;
    }
    if (sub.cancel_at && m.status !== 'cancelling' && m.status !== 'frozen') {
      await setStatus(tx, m, 'cancelling', 'membership.cancelled', {
        cancelAt: new Date(sub.cancel_at * 1000),
        nextChangeAt: new Date(sub.cancel_at * 1000),
      });
      return;
    }
    if (!sub.cancel_at && m.status === 'cancelling') await setStatus(tx, m, 'active', 'membership.renewed', {}, ['cancelAt', 'nextChangeAt']);
  });
  return true;
}

/** A new status from Stripe's word, over the version read, with its event. */
const setStatus = async (
  tx: Tx,
  m: Membership,
  status: Membership['status'],
  type: string,
  set: Partial<Membership> = {},
  unset: (keyof Membership)[] = [],
) => emit(tx, type, await update(tx, m, { ...set, status }, unset));

const subscriptionOf = (invoice: Stripe.Invoice) => {
  const d = invoice.parent?.subscription_details;
  return d ? { id: typeof d.subscription === 'string' ? d.subscription : d.subscription.id, metadata: d.metadata } : undefined;
};

/** A membership's invoice paid: our invoice for it (numbered like every other), and the period it paid begun. */
export async function invoicePaid(deps: PaymentDeps, org: string, timeZone: string, invoice: Stripe.Invoice, eventCreated: number): Promise<boolean> {
  const sub = subscriptionOf(invoice);
  const found = await membershipOf(org, sub?.id, sub?.metadata);
  if (!found || !invoice.id) return false;
  const settings = await moneySettings(deps.sealKey, org);
  const lines = invoice.lines.data.map((l) => ({
    description: l.description ?? found.plan.name,
    quantity: 1,
    unitAmount: l.amount,
    taxRate: null,
    net: l.amount,
    tax: 0,
    gross: l.amount,
  }));
  const total = lines.reduce((n, l) => n + l.gross, 0);
  const periodLine = invoice.lines.data.find((l) => l.period && l.period.end > l.period.start);
  await inTransaction(org, async (tx) => {
    const _id = `${org}|${invoice.id}`;
    if (await MembershipChargeModel.exists({ org, _id }).session(tx.session)) return; // taken before
    const m = (await reread(tx, found))!;
    const period = periodLine ? Math.max(1, periodStartingNear(calendarOf(m), periodLine.period.start * 1000)) : Math.max(1, m.period);
    const doc = await recordPaidSale(
      tx,
      { org, prefix: settings.invoicePrefix, timeZone },
      {
        customerId: m.customerId,
        customerEmail: m.customerEmail,
        currency: m.plan.price.currency,
        taxInclusive: settings.taxInclusive,
        lines,
        totals: { subtotal: total, discount: 0, tax: 0, total },
        tip: 0,
      },
      { method: 'card', paidAt: new Date((invoice.status_transitions?.paid_at ?? Math.floor(Date.now() / 1000)) * 1000) },
    );
    await MembershipChargeModel.create([{ _id, org, membership: m._id, stripeInvoice: invoice.id!, invoiceId: doc._id, period, at: new Date() }], {
      session: tx.session,
    });
    if (m.status === 'ended') return;
    // Stripe's newest news of the subscription: a subscription state sent before this payment changes nothing after it.
    if ((m.stripeSeenAt ?? 0) < eventCreated * 1000)
      await MembershipModel.updateOne({ org, _id: m._id }, { $set: { stripeSeenAt: eventCreated * 1000 } }, { session: tx.session });
    if (period > m.period) await renewIn(tx, m, period);
    else if (m.status === 'past_due' || m.status === 'pending') await setStatus(tx, m, 'active', 'membership.renewed');
  });
  return true;
}

/** A membership's payment failed: past due, unless that invoice was paid meanwhile (the events crossed). */
export async function invoiceFailed(org: string, invoice: Stripe.Invoice): Promise<boolean> {
  const sub = subscriptionOf(invoice);
  const found = await membershipOf(org, sub?.id, sub?.metadata);
  if (!found || !invoice.id) return false;
  await inTransaction(org, async (tx) => {
    if (await MembershipChargeModel.exists({ org, _id: `${org}|${invoice.id}` }).session(tx.session)) return;
    const m = (await reread(tx, found))!;
    if (['active', 'trialing', 'cancelling'].includes(m.status)) await setStatus(tx, m, 'past_due', 'membership.past_due');
  });
  return true;
}
