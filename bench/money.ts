// Money under load, against stripe-mock: settling tabs with the card on file (Admin API: our reads, the attempt claim,
// Stripe's PaymentIntent, the answer) beside a bare Stripe SDK call creating the same PaymentIntent from this process
// (the baseline: what Stripe costs without us), in the same run at the same concurrency; then Stripe's
// `payment_intent.succeeded` webhook turning each tab paid (signature, dedupe, the transaction that numbers and writes
// the invoice, receipt and payment), and settling in cash (the same transaction, no Stripe); then the reads staff and
// the accountant make, all over a year of a small spa's history.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import Stripe from 'stripe';
import { figures, pool } from './measure.ts';
import type { Target } from './run.ts';
import { accessToken, adminPost } from './token.ts';

export const BENCH_KEYS = {
  secretKey: 'sk_test_PorticoBenchKey000000000',
  publishableKey: 'pk_test_PorticoBenchKey000000000',
  webhookSecret: 'whsec_PorticoBenchWebhookSecret000000',
};

const TABS = Number(process.env.BENCH_TABS ?? 300);
/** A year of a small spa: 10 paid tabs a day, each with an invoice, a receipt and a payment (BENCH_MONEY_HISTORY for more). */
const HISTORY = Number(process.env.BENCH_MONEY_HISTORY ?? 3_650);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

type Stats = (child: ChildProcess) => Promise<{ rss: string; dbOps: number }>;

export async function benchMoney(target: Target, child: ChildProcess, stats: Stats, stripeUrl: string): Promise<void> {
  const token = await accessToken(target.issuer, target.admin!, `${target.issuer}/admin`, 'admin');
  const post = adminPost(target.issuer, token);
  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${target.issuer}/admin/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the bench reads fields of the answers without declaring their types
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  /** Open tabs of the bench customer, each with 3 lines: what a bar tab holds. */
  const openTabs = async (n: number) => {
    const ids: string[] = [];
    await pool(
      Array.from({ length: n }, () => async () => {
        const tab = await post('tabs', { customerId: target.customerId });
        for (const line of [
          { description: 'Espresso', quantity: 2, unitAmount: 250, taxRateId: 'tax_1' },
          { description: 'Croissant', quantity: 1, unitAmount: 320, taxRateId: 'tax_1' },
          { description: 'Water', quantity: 1, unitAmount: 150, taxRateId: null },
        ])
          await post(`tabs/${tab.id}/lines`, line);
        ids.push(tab.id);
      }),
      CONCURRENCY,
    );
    return ids;
  };
  const measure = async (name: string, jobs: (() => Promise<void>)[]) => {
    const before = await stats(child);
    const r = await pool(jobs, CONCURRENCY);
    const after = await stats(child);
    return { path: name, ...figures(r), 'db ops each': ((after.dbOps - before.dbOps) / r.latencies.length).toFixed(1), rss: after.rss };
  };

  child.send({ moneyHistory: HISTORY, org: target.org, customerId: target.customerId });
  await once(child, 'message');
  const stripe = new Stripe(BENCH_KEYS.secretKey, {
    host: new URL(stripeUrl).hostname,
    port: Number(new URL(stripeUrl).port),
    protocol: 'http',
    telemetry: false,
  });
  const cardTabs = await openTabs(TABS);
  const cashTabs = await openTabs(TABS);
  // Warm both paths (connection pools, JIT) on a few calls that are not measured.
  await pool(
    Array.from(
      { length: 20 },
      (_, i) => () =>
        stripe.paymentIntents
          .create(
            { amount: 1070, currency: 'gbp', customer: 'cus_bench', payment_method: 'pm_card_visa', confirm: true, off_session: true },
            { idempotencyKey: `warm-${Date.now()}-${i}` },
          )
          .then(() => undefined),
    ),
    CONCURRENCY,
  );

  const rows = [];
  rows.push(
    await measure(
      'bare SDK: PaymentIntent create+confirm (baseline)',
      Array.from({ length: TABS }, (_, i) => async () => {
        await stripe.paymentIntents.create(
          {
            amount: 1070,
            currency: 'gbp',
            customer: 'cus_bench',
            payment_method: 'pm_card_visa',
            confirm: true,
            off_session: true,
            metadata: { tab: `t${i}` },
          },
          { idempotencyKey: `bare-${Date.now()}-${i}` },
        );
      }),
    ),
  );
  const intents: string[] = [];
  rows.push(
    await measure(
      'POST /tabs/:id/settle (card on file)',
      cardTabs.map((id) => async () => {
        const settled = await call('POST', `tabs/${id}/settle`, { method: 'card_on_file' });
        intents.push(settled.tab.payment.stripePaymentIntent);
      }),
    ),
  );
  const secret = BENCH_KEYS.webhookSecret;
  rows.push(
    await measure(
      'webhook payment_intent.succeeded → paid, invoiced',
      intents.map((id, i) => async () => {
        const payload = JSON.stringify({
          id: `evt_bench_${Date.now()}_${i}`,
          object: 'event',
          type: 'payment_intent.succeeded',
          livemode: false,
          created: Math.floor(Date.now() / 1000),
          data: { object: { id, object: 'payment_intent', status: 'succeeded', metadata: {}, payment_method: 'pm_card_visa' } },
        });
        const res = await fetch(`${target.issuer}/stripe/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) },
          body: payload,
        });
        if (res.status !== 200) throw new Error(`webhook: ${res.status} ${await res.text()}`);
      }),
    ),
  );
  rows.push(
    await measure(
      'POST /tabs/:id/settle (cash: invoice, receipt, payment)',
      cashTabs.map((id) => async () => void (await call('POST', `tabs/${id}/settle`, { method: 'cash' }))),
    ),
  );
  const year = new Date().getUTCFullYear();
  rows.push(
    await measure(
      'GET /documents (staff, newest 100 of the year)',
      Array.from({ length: 50 }, () => async () => void (await call('GET', `documents?year=${year}`))),
    ),
  );
  rows.push(
    await measure(
      `GET /documents?customerId= (one customer's ${(HISTORY / 50) * 2} in a year)`,
      Array.from({ length: 50 }, () => async () => void (await call('GET', `documents?customerId=${target.customerId}&limit=100`))),
    ),
  );
  let csvRows = 0;
  rows.push(
    await measure(
      'GET /documents.csv?kind=invoice (the whole history)',
      Array.from({ length: 3 }, () => async () => {
        const res = await fetch(`${target.issuer}/admin/v1/documents.csv?kind=invoice`, { headers: { authorization: `Bearer ${token}` } });
        csvRows = (await res.text()).split('\r\n').length - 2;
      }),
    ),
  );
  const paid = await call('GET', 'tabs?status=paid&limit=200');
  if (paid.items.length < Math.min(200, 2 * TABS)) throw new Error(`only ${paid.items.length} tabs were paid`);
  console.log(
    `Money: ${TABS} tabs of 3 lines per row, ${CONCURRENCY} in flight, over a year of history (${HISTORY.toLocaleString('en')} paid tabs, ${(HISTORY * 2).toLocaleString('en')} documents; the CSV had ${csvRows.toLocaleString('en')} rows); Stripe = stripe-mock on this machine:`,
  );
  console.table(rows);
  const [bare, card] = [rows[0]!, rows[1]!];
  console.log(
    `Settling with the card on file costs ${(card['p50 ms'] / bare['p50 ms']).toFixed(1)}× the bare Stripe call at p50 and runs at ${((Number(card['per s']) / Number(bare['per s'])) * 100).toFixed(0)}% of its throughput.\n`,
  );
}
