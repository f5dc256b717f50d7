// Buying a class pack: a tab of its own for the pack's price, paid like any tab (saved card, new card, cash at the
// desk); the credits are granted in the transaction that marks the tab paid, so paying twice can never grant twice.
import { randomId } from '../../../lib/crypto.ts';
import { Conflict } from '../../../lib/errors.ts';
import { inTransaction } from '../../../lib/transaction.ts';
import { moneySettings } from '../payments/settings.ts';
import type { PaymentDeps } from '../payments/stripe.ts';
import { customerView as tabView, openTabIn } from '../tabs/service.ts';
import { whenTabPaid } from '../tabs/settle.ts';
import { daysAfter } from './periods.ts';
import { grant } from './ledger.ts';
import { PackPurchaseModel, type PackPurchase } from './model.ts';
import { findPack } from './plans.ts';

export const purchaseView = (p: PackPurchase) => ({
  id: p._id,
  packId: p.packId,
  tabId: p.tabId,
  status: p.status,
  createdAt: p.createdAt.toISOString(),
});

export async function buyPack(
  deps: PaymentDeps,
  { id: org, timeZone }: { id: string; timeZone: string },
  customer: { id: string; email: string | undefined },
  packId: string,
  staff = false,
) {
  const pack = await findPack(org, packId);
  if (!pack.active && !staff) throw new Conflict('This class pack is no longer sold.');
  const settings = await moneySettings(deps.sealKey, org);
  if (pack.price.currency !== settings.currency)
    throw new Conflict(`This pack is priced in ${pack.price.currency} but the business takes ${settings.currency}.`);
  return inTransaction(org, async (tx) => {
    const purchase: PackPurchase = {
      _id: `pp_${randomId(12)}`,
      org,
      customerId: customer.id,
      packId,
      tabId: '',
      status: 'due',
      timeZone,
      createdAt: new Date(),
    };
    const tab = await openTabIn(tx, org, settings, {
      customerId: customer.id,
      email: customer.email ?? '',
      purpose: { kind: 'pack', id: purchase._id },
      lines: [{ description: `${pack.name} (${pack.credits} credits)`, quantity: 1, unitAmount: pack.price.amount, taxRate: null }],
    });
    purchase.tabId = tab._id;
    await PackPurchaseModel.create([purchase], { session: tx.session });
    return { purchase: purchaseView(purchase), tab: tabView(tab) };
  });
}

/** Customers who bought the pack keep their credits when it is deleted; a pack someone bought is made inactive instead. */
export const packInUse = async (org: string, packId: string) => !!(await PackPurchaseModel.exists({ org, packId }));

whenTabPaid('pack', async (tx, tab) => {
  const { modifiedCount } = await PackPurchaseModel.updateOne(
    { org: tab.org, _id: tab.purpose!.id, status: 'due' },
    { $set: { status: 'paid' } },
    { session: tx.session },
  );
  if (!modifiedCount) return;
  const purchase = (await PackPurchaseModel.findOne({ org: tab.org, _id: tab.purpose!.id }).session(tx.session).lean<PackPurchase>())!;
  const pack = await findPack(tab.org, purchase.packId).catch(() => undefined);
  if (!pack) return;
  const now = Date.now();
  await grant(tx, {
    _id: `cr_${purchase._id}`,
    org: tab.org,
    customerId: tab.customerId,
    source: { kind: 'pack', id: purchase._id, name: pack.name },
    entitlement: pack._id,
    name: pack.name,
    serviceIds: pack.serviceIds,
    unlimited: false,
    whenOut: 'pay',
    granted: pack.credits,
    startsAt: new Date(now),
    expiresAt: new Date(daysAfter(now, pack.expiresInDays + 1, purchase.timeZone)),
  });
});
