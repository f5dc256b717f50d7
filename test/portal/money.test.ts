// Money through the public APIs: staff open tabs and add lines, customers save cards and settle, Stripe (stripe-mock
// for the API, signed webhooks played by the test) decides, and every paid tab gets a gap-free numbered invoice and a
// receipt; refunds are credit notes. Each rule of the money issue has a case here.
import { expect } from 'chai';
import mongoose from 'mongoose';
import { ensureCustomer } from '../../idp/customers/service.ts';
import { CustomerModel } from '../../idp/customers/model.ts';
import { adminToken, adminUrl, apiUrl, call } from '../support/api.ts';
import { customerToken } from '../support/api.ts';
import { makeClient, makeOrg, type TestClient, type TestOrg } from '../support/oidc.ts';
import { openStream } from '../support/sse.ts';
import { stack, type Stack } from '../support/stack.ts';
import { pdfText } from '../support/pdf.ts';
import { cardSaved, connectStripe, deliver, intentEvent, signStripe, stripeEvent } from '../support/stripe.ts';

const SCOPES = 'payments payments:write';
const VAT = { name: 'VAT', percent: 20 };

describe('Money: tabs, cards, settlement, invoices, receipts and refunds', function () {
  this.timeout(180_000);
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  let owner: string;
  let admin: string;
  let staff: string;
  let year: number;

  const idOfEmail = async (email: string) => (await CustomerModel.findOne({ org: t.org._id, email }).lean())!._id as string;
  /** A signed-in customer with a Client API token for money, and their id. */
  const customer = async () => {
    const c = await customerToken(s, app, { scope: SCOPES });
    return { token: c.token, id: c.tokens.claims()!.sub };
  };
  const openTab = async (
    customerId: string,
    lines: { description: string; quantity: number; unitAmount: number; taxRateId?: string | null }[] = [],
  ) => {
    const opened = await call('POST', `${adminUrl(t)}/tabs`, staff, { customerId });
    expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
    let tab = opened.body;
    for (const line of lines) {
      const added = await call('POST', `${adminUrl(t)}/tabs/${tab.id}/lines`, staff, line);
      expect(added.status, JSON.stringify(added.body)).to.equal(201);
      tab = added.body;
    }
    return tab;
  };
  const docs = (token: string, query = '') => call('GET', `${apiUrl(t)}/documents${query}`, token);

  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    app = await makeClient(s, t);
    [owner, admin, staff] = [await adminToken(s, t, 'owner'), await adminToken(s, t, 'admin'), await adminToken(s, t, 'staff')];
    const settings = await connectStripe(t, owner, { currency: 'GBP', taxInclusive: true, taxRates: [VAT], invoicePrefix: 'HDS' });
    expect(
      (
        await call('PUT', `${adminUrl(t)}/company`, owner, {
          name: 'Harbour Spa',
          legalName: 'Harbour Spa Ltd',
          taxNumber: 'GB123456789',
          address: '12 Quay Street',
        })
      ).status,
    ).to.equal(200);
    expect(settings.taxRates).to.deep.equal([{ id: 'tax_1', ...VAT }]);
    year = Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'UTC' }).format(new Date()));
  });

  it('prices a tab per line: tax inside the price, a discount shared out, totals that add up', async () => {
    const c = await customer();
    const tab = await openTab(c.id, [
      { description: 'Espresso', quantity: 3, unitAmount: 250, taxRateId: 'tax_1' },
      { description: 'Gift card', quantity: 1, unitAmount: 1000, taxRateId: null },
    ]);
    expect(tab.totals).to.deep.equal({ subtotal: 1750, discount: 0, tax: 125, total: 1750 });
    const discounted = await call('PUT', `${adminUrl(t)}/tabs/${tab.id}/discount`, staff, { kind: 'percent', value: 10 });
    expect(discounted.status).to.equal(200);
    // 175 off, shared 75/100 by line amount; VAT 20 % inside 675 is 112.5 → 113 (half away from zero).
    expect(discounted.body.totals).to.deep.equal({ subtotal: 1750, discount: 175, tax: 113, total: 1575 });
    expect(discounted.body.lines.map((l: { gross: number; tax: number }) => [l.gross, l.tax])).to.deep.equal([
      [675, 113],
      [900, 0],
    ]);
    // The customer sees their own tab; nobody else does.
    const mine = await call('GET', `${apiUrl(t)}/tabs`, c.token);
    expect(mine.body.items.map((x: { id: string }) => x.id)).to.deep.equal([tab.id]);
    expect(mine.body.items[0]).to.not.have.property('customer');
    const other = await customer();
    expect((await call('GET', `${apiUrl(t)}/tabs/${tab.id}`, other.token)).status).to.equal(404);
    expect((await call('GET', `${apiUrl(t)}/tabs`, other.token)).body.items).to.deep.equal([]);
    expect((await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, other.token, { paymentMethod: 'new' })).status).to.equal(404);
  });

  it('refuses bad input with a clear 4xx and changes nothing', async () => {
    const c = await customer();
    const tab = await openTab(c.id, [{ description: 'Towel', quantity: 1, unitAmount: 300 }]);
    const bad: [string, string, unknown, number][] = [
      ['negative quantity', 'lines', { description: 'x', quantity: -1, unitAmount: 100 }, 400],
      ['fractional pence', 'lines', { description: 'x', quantity: 1, unitAmount: 1.5 }, 400],
      ['an operator object', 'lines', { description: { $ne: '' }, quantity: 1, unitAmount: 100 }, 400],
      ['unknown tax rate', 'lines', { description: 'x', quantity: 1, unitAmount: 100, taxRateId: 'tax_9' }, 422],
      ['unknown field', 'lines', { description: 'x', quantity: 1, unitAmount: 100, price: 1 }, 400],
      ['discount over 100 %', 'discount', { kind: 'percent', value: 150 }, 400],
    ];
    for (const [what, path, body, status] of bad) {
      const res = await call(path === 'discount' ? 'PUT' : 'POST', `${adminUrl(t)}/tabs/${tab.id}/${path}`, staff, body);
      expect(res.status, what).to.equal(status);
      expect(res.body.error_description, what)
        .to.be.a('string')
        .and.not.match(/went wrong/);
    }
    expect((await call('POST', `${adminUrl(t)}/tabs`, staff, { customerId: 'no-such-customer' })).status).to.equal(404);
    // Staff find whom to open a tab for by their exact address; the customer base cannot be listed or searched.
    const { email } = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.customer;
    expect((await call('GET', `${adminUrl(t)}/customers?email=${encodeURIComponent(email.toUpperCase())}`, staff)).body.items).to.deep.equal([
      { id: c.id, email },
    ]);
    expect((await call('GET', `${adminUrl(t)}/customers?email=nobody%40example.com`, staff)).body.items).to.deep.equal([]);
    for (const q of ['', '?email=', '?email=%2A', '?email[$ne]=x', `?email=${email}&limit=5`])
      expect((await call('GET', `${adminUrl(t)}/customers${q}`, staff)).status, q).to.equal(400);
    expect((await call('GET', `${adminUrl(t)}/tabs/not-a-tab`, staff)).status).to.equal(400);
    expect((await call('PUT', `${adminUrl(t)}/payments/settings`, owner, { currency: 'XYZ' })).status).to.equal(400);
    expect((await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'new', tip: -5 })).status).to.equal(400);
    const after = await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff);
    expect(after.body.lines).to.have.length(1);
    expect(after.body.discount).to.equal(null);
    expect(after.body.payment).to.equal(null);
  });

  it('holds at most 200 lines on a tab', async () => {
    const c = await customer();
    const tab = await openTab(c.id);
    await mongoose.connection.db!.collection('tabs').updateOne(
      { _id: tab.id as never },
      {
        $set: {
          lines: Array.from({ length: 200 }, (_, i) => ({
            id: `ln_bulk${String(i).padStart(4, '0')}`,
            description: 'Item',
            quantity: 1,
            unitAmount: 1,
            taxRate: null,
            addedAt: new Date(),
          })),
        },
      },
    );
    const res = await call('POST', `${adminUrl(t)}/tabs/${tab.id}/lines`, staff, { description: 'One more', quantity: 1, unitAmount: 1 });
    expect(res.status).to.equal(422);
    expect(res.body.error_description).to.match(/at most 200 lines/);
  });

  it('saves a card the customer added (SetupIntent, then Stripe says so), lists it, and keeps it to its owner', async () => {
    const c = await customer();
    const setup = await call('POST', `${apiUrl(t)}/payment-methods/setup`, c.token);
    expect(setup.status).to.equal(201);
    expect(setup.body.clientSecret).to.match(/^seti_/);
    expect(setup.body.publishableKey).to.match(/^pk_test_/);
    // stripe-mock does not confirm SetupIntents: the card arrives by the signed webhook, as it may in production.
    const confirmed = await call('POST', `${apiUrl(t)}/payment-methods`, c.token, { setupIntentId: 'seti_123456' });
    expect(confirmed.status).to.equal(202);
    expect((await cardSaved(t, c.id)).status).to.equal(200);
    const cards = await call('GET', `${apiUrl(t)}/payment-methods`, c.token);
    expect(cards.body.items).to.have.length(1);
    expect(cards.body.items[0]).to.include({ id: 'pm_card_visa', brand: 'visa', last4: '4242', isDefault: true });
    expect(cards.body.items[0]).to.have.all.keys('id', 'brand', 'last4', 'expMonth', 'expYear', 'wallet', 'isDefault', 'expiresSoon');
    const other = await customer();
    expect((await call('GET', `${apiUrl(t)}/payment-methods`, other.token)).body.items).to.deep.equal([]);
    expect((await call('DELETE', `${apiUrl(t)}/payment-methods/pm_card_visa`, other.token)).status).to.equal(404);
    expect((await call('GET', `${adminUrl(t)}/customers/${c.id}/payment-methods`, staff)).body.items).to.have.length(1);
    // Removing detaches it at Stripe and forgets it here.
    expect((await call('DELETE', `${apiUrl(t)}/payment-methods/pm_card_visa`, c.token)).status).to.equal(204);
    expect((await call('GET', `${apiUrl(t)}/payment-methods`, c.token)).body.items).to.deep.equal([]);
  });

  describe('settling', () => {
    let c: { token: string; id: string };
    before(async () => {
      c = await customer();
      await call('POST', `${apiUrl(t)}/payment-methods/setup`, c.token);
      expect((await cardSaved(t, c.id)).status).to.equal(200);
    });

    it('with a saved card: one PaymentIntent, the tab paid once by the webhook, an invoice and a receipt, live', async () => {
      const tab = await openTab(c.id, [{ description: 'Massage oil', quantity: 2, unitAmount: 1200, taxRateId: 'tax_1' }]);
      const stream = await openStream(`${apiUrl(t)}/events`, { authorization: `Bearer ${c.token}` });
      try {
        const settled = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa', tip: 240 });
        expect(settled.status, JSON.stringify(settled.body)).to.equal(200);
        expect(settled.body.payment.state).to.equal('pending'); // stripe-mock never says succeeded: Stripe's webhook will
        expect(settled.body.tab.payment).to.include({ amount: 2640, tip: 240, method: 'card' });
        // Lines cannot change under a running payment.
        expect((await call('POST', `${adminUrl(t)}/tabs/${tab.id}/lines`, staff, { description: 'x', quantity: 1, unitAmount: 1 })).status).to.equal(
          409,
        );
        const intent = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.payment.stripePaymentIntent;
        expect(intent).to.match(/^pi_/);
        expect((await intentEvent(t, { id: intent }, 'succeeded')).status).to.equal(200);
        const paid = await call('GET', `${apiUrl(t)}/tabs/${tab.id}`, c.token);
        expect(paid.body.status).to.equal('paid');
        expect(paid.body.payment).to.include({ state: 'succeeded' });
        // Out of order: a failure reported after the success changes nothing.
        expect((await intentEvent(t, { id: intent }, 'payment_failed')).status).to.equal(200);
        expect((await call('GET', `${apiUrl(t)}/tabs/${tab.id}`, c.token)).body.payment.state).to.equal('succeeded');
        const invoice = await call('GET', `${apiUrl(t)}/documents/${paid.body.invoiceId}`, c.token);
        expect(invoice.body).to.include({ kind: 'invoice', total: 2640, tip: 240, tax: 400, currency: 'GBP' });
        expect(invoice.body.number).to.match(new RegExp(`^HDS-${year}-\\d{6}$`));
        expect(invoice.body.payment).to.include({ method: 'card', brand: 'visa', last4: '4242' });
        expect(invoice.body.taxBreakdown).to.deep.equal([{ name: 'VAT', percent: 20, net: 2000, tax: 400 }]);
        const receipts = await docs(c.token, '?kind=receipt');
        expect(receipts.body.items.find((r: { relatesTo: { id: string } }) => r.relatesTo.id === invoice.body.id)?.number).to.match(
          new RegExp(`^HDS-R-${year}-\\d{6}$`),
        );
        // The PDF: the customer's own, branded with the business's legal name and tax number; nobody else's.
        const pdf = await fetch(`${apiUrl(t)}/documents/${invoice.body.id}/pdf`, { headers: { authorization: `Bearer ${c.token}` } });
        expect(pdf.status).to.equal(200);
        expect(pdf.headers.get('content-type')).to.equal('application/pdf');
        expect(pdf.headers.get('content-disposition')).to.contain(`${invoice.body.number}.pdf`);
        const text = pdfText(Buffer.from(await pdf.arrayBuffer()));
        for (const expected of [invoice.body.number, 'Harbour Spa Ltd', 'GB123456789', '£26.40', 'Visa •••• 4242']) expect(text).to.contain(expected);
        const stranger = await customer();
        expect(
          (await fetch(`${apiUrl(t)}/documents/${invoice.body.id}/pdf`, { headers: { authorization: `Bearer ${stranger.token}` } })).status,
        ).to.equal(404);
        await stream.next((e) => e.event === 'tab' && e.data.type === 'tab.settled' && e.data.tab.id === tab.id);
        await stream.next((e) => e.event === 'document' && e.data.document.id === invoice.body.id);
      } finally {
        await stream.close();
      }
    });

    it('100 parallel settle requests for one tab: one PaymentIntent asked of Stripe, the others a clear 409', async () => {
      const tab = await openTab(c.id, [{ description: 'Sauna', quantity: 1, unitAmount: 1500 }]);
      const key = `tab:${t.org._id}:${tab.id}:1`;
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' })),
      );
      const statuses = answers.map((a) => a.status);
      expect(
        statuses.filter((x) => x === 200),
        JSON.stringify(answers.find((a) => a.status !== 200 && a.status !== 409)?.body),
      ).to.have.length(1);
      expect(statuses.filter((x) => x === 409)).to.have.length(99);
      expect(new Set(answers.filter((a) => a.status === 409).map((a) => a.body.error))).to.satisfy((codes: Set<string>) =>
        [...codes].every((code) => ['payment_in_progress', 'tab_changed'].includes(code)),
      );
      const stored = await mongoose.connection.db!.collection('tabs').findOne({ _id: tab.id as never });
      expect(stored!.payment.attempt).to.equal(1);
      expect(stored!.payment.intentId).to.match(/^pi_/);
      const created = s.stripeCalls.filter(
        (x) => x.method === 'POST' && x.path === '/v1/payment_intents' && x.idempotencyKey?.startsWith(`tab:${t.org._id}:${tab.id}:`),
      );
      expect(created).to.deep.equal([{ method: 'POST', path: '/v1/payment_intents', idempotencyKey: key }]);
      // The webhook, delivered twice and concurrently, pays it once: one invoice.
      const delivered = await Promise.all([
        intentEvent(t, { id: stored!.payment.intentId }, 'succeeded'),
        intentEvent(t, { id: stored!.payment.intentId }, 'succeeded'),
      ]);
      expect(delivered.map((d) => d.status)).to.deep.equal([200, 200]);
      expect(await mongoose.connection.db!.collection('documents').countDocuments({ org: t.org._id, kind: 'invoice', 'source.id': tab.id })).to.equal(
        1,
      );
    });

    it('a declined payment leaves the tab open with the reason; paying again is a new attempt', async () => {
      const tab = await openTab(c.id, [{ description: 'Pool day', quantity: 1, unitAmount: 900 }]);
      await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' });
      const intent = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.payment.stripePaymentIntent;
      expect((await intentEvent(t, { id: intent }, 'payment_failed', 'Your card has insufficient funds.')).status).to.equal(200);
      const failed = await call('GET', `${apiUrl(t)}/tabs/${tab.id}`, c.token);
      expect(failed.body.status).to.equal('open');
      expect(failed.body.payment).to.include({ state: 'failed', failure: 'Your card has insufficient funds.' });
      const again = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' });
      expect(again.status).to.equal(200);
      const stored = await mongoose.connection.db!.collection('tabs').findOne({ _id: tab.id as never });
      expect(stored!.payment.attempt).to.equal(2);
      expect(stored!.payment.key).to.equal(`tab:${t.org._id}:${tab.id}:2`);
    });

    it('3-D Secure and a new card: the page gets the client secret, then Stripe decides (also before we stored the id)', async () => {
      const tab = await openTab(c.id, [{ description: 'Facial', quantity: 1, unitAmount: 4500 }]);
      const started = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'new' });
      expect(started.body.payment.state).to.equal('requires_action');
      expect(started.body.payment.clientSecret).to.match(/_secret_/);
      expect(started.body.payment.publishableKey).to.match(/^pk_test_/);
      // Stripe asks for authentication, the page handles it and asks where it stands: still Stripe's to say.
      const intent = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.payment.stripePaymentIntent;
      expect((await intentEvent(t, { id: intent }, 'requires_action')).status).to.equal(200);
      const refreshed = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle/refresh`, c.token);
      expect(refreshed.status).to.equal(200);
      expect(refreshed.body.tab.status).to.equal('open');
      expect(refreshed.body.payment.state, 'the page handed it to Stripe: processing until Stripe says').to.equal('pending');
      // The success is found by the tab and attempt in its metadata even under another id.
      await mongoose.connection.db!.collection('tabs').updateOne({ _id: tab.id as never }, { $unset: { 'payment.intentId': 1 } });
      expect((await intentEvent(t, { id: 'pi_arrived_first', tab: tab.id, attempt: 1 }, 'succeeded')).status).to.equal(200);
      expect((await call('GET', `${apiUrl(t)}/tabs/${tab.id}`, c.token)).body.status).to.equal('paid');
    });

    it('lets a new payment replace one left waiting on the customer, cancelling it at Stripe first', async () => {
      const tab = await openTab(c.id, [{ description: 'Manicure', quantity: 1, unitAmount: 3000 }]);
      const abandoned = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'new' });
      expect(abandoned.body.payment.state).to.equal('requires_action');
      const first = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.payment.stripePaymentIntent;
      const again = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(s.stripeCalls.some((x) => x.method === 'POST' && x.path === `/v1/payment_intents/${first}/cancel`)).to.equal(true);
      const stored = await mongoose.connection.db!.collection('tabs').findOne({ _id: tab.id as never });
      expect(stored!.payment).to.include({ attempt: 2, state: 'pending' });
    });

    it('sends a card attempt whose request to Stripe failed again with its own key and amount, and takes no cash over it', async () => {
      const tab = await openTab(c.id, [{ description: 'Pedicure', quantity: 1, unitAmount: 2500 }]);
      const key = `tab:${t.org._id}:${tab.id}:1`;
      // As if the process had died after storing the attempt and before Stripe answered, 40 s ago.
      await mongoose.connection.db!.collection('tabs').updateOne(
        { _id: tab.id as never },
        {
          $set: {
            payment: {
              attempt: 1,
              key,
              state: 'pending',
              method: 'card',
              amount: 2750,
              tip: 250,
              paymentMethodId: 'pm_card_visa',
              card: { brand: 'visa', last4: '4242' },
              at: new Date(Date.now() - 40_000),
            },
          },
          $inc: { version: 1 },
        },
      );
      expect((await call('POST', `${adminUrl(t)}/tabs/${tab.id}/settle`, staff, { method: 'cash' })).body.error).to.equal('payment_in_progress');
      const before = s.stripeCalls.length;
      const again = await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa', tip: 0 });
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.tab.payment).to.include({ amount: 2750, tip: 250 });
      expect(
        s.stripeCalls
          .slice(before)
          .filter((x) => x.path === '/v1/payment_intents')
          .map((x) => x.idempotencyKey),
      ).to.deep.equal([key]);
    });

    it("credits refunds made in Stripe's dashboard once, and not those Portico made itself", async () => {
      const tab = await openTab(c.id, [{ description: 'Hot tub hour', quantity: 1, unitAmount: 4000 }]);
      await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' });
      const intent = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.payment.stripePaymentIntent;
      await intentEvent(t, { id: intent }, 'succeeded');
      const invoiceId = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.invoiceId;
      const refunded = (amount: number) =>
        deliver(
          t,
          stripeEvent('charge.refunded', {
            id: `ch_${intent}`,
            object: 'charge',
            payment_intent: intent,
            amount: 4000,
            amount_refunded: amount,
            refunded: amount === 4000,
          }),
        );
      const notes = async () =>
        (await call('GET', `${adminUrl(t)}/documents?kind=credit_note&customerId=${c.id}`, staff)).body.items.filter(
          (n: { relatesTo: { id: string } }) => n.relatesTo.id === invoiceId,
        );
      expect((await refunded(1000)).status).to.equal(200);
      expect((await refunded(1000)).status, 'the same total again (another event)').to.equal(200);
      expect((await notes()).map((n: { total: number; reason: string }) => [n.total, n.reason])).to.deep.equal([
        [1000, "Refunded in Stripe's dashboard"],
      ]);
      // Portico's own refund is counted before Stripe says so: Stripe's event about it adds nothing.
      expect((await call('POST', `${adminUrl(t)}/documents/${invoiceId}/refunds`, admin, { amount: 500, reason: 'Cold water' })).status).to.equal(
        201,
      );
      expect((await refunded(1500)).status).to.equal(200);
      expect((await notes()).map((n: { total: number }) => n.total).sort()).to.deep.equal([1000, 500]);
      expect((await call('GET', `${adminUrl(t)}/documents/${invoiceId}`, staff)).body.refundable).to.equal(2500);
    });

    it('refuses a forged or replayed webhook, changing nothing', async () => {
      const tab = await openTab(c.id, [{ description: 'Robe', quantity: 1, unitAmount: 2000 }]);
      await call('POST', `${apiUrl(t)}/tabs/${tab.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' });
      const intent = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, staff)).body.payment.stripePaymentIntent;
      const payload = stripeEvent('payment_intent.succeeded', { id: intent, object: 'payment_intent', status: 'succeeded', metadata: {} });
      expect((await deliver(t, payload, signStripe(payload, { secret: 'whsec_forgedSecret0123456789' }))).status).to.equal(400);
      expect((await deliver(t, payload, signStripe(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }))).status).to.equal(400);
      expect((await call('GET', `${apiUrl(t)}/tabs/${tab.id}`, c.token)).body.status).to.equal('open');
    });
  });

  it('numbers 50 parallel finalisations without a gap or a duplicate, also across a crash between numbering and writing', async () => {
    const ids = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const email = `gapless${i}.${Date.now()}@example.com`;
        await ensureCustomer(t.org._id, email);
        return idOfEmail(email);
      }),
    );
    const before = await mongoose.connection.db!.collection('documents').countDocuments({ org: t.org._id, kind: 'invoice' });
    // A crash after a number was taken and before its invoice was written: the transaction never commits.
    const session = mongoose.connection.getClient().startSession();
    session.startTransaction();
    await mongoose.connection
      .db!.collection('counters')
      .updateOne(
        { _id: `${t.org._id}|invoice:${year}` as never },
        { $inc: { n: 1 }, $setOnInsert: { org: t.org._id, name: `invoice:${year}` } },
        { session, upsert: true },
      );
    await session.endSession(); // ends without committing, as a crashed process's session does
    const tabs = await Promise.all(ids.map((id) => openTab(id, [{ description: 'Class', quantity: 1, unitAmount: 1000 }])));
    const settled = await Promise.all(tabs.map((tab) => call('POST', `${adminUrl(t)}/tabs/${tab.id}/settle`, staff, { method: 'cash' })));
    expect(settled.map((r) => r.status)).to.deep.equal(tabs.map(() => 200));
    const numbers = (await mongoose.connection.db!.collection('documents').find({ org: t.org._id, kind: 'invoice' }).toArray())
      .map((d) => Number(String(d.number).slice(-6)))
      .sort((a, b) => a - b);
    expect(numbers).to.have.length(before + 50);
    expect(numbers).to.deep.equal(Array.from({ length: before + 50 }, (_, i) => i + 1));
  });

  it('pages through every document newest first, each once, also where an invoice and its receipt share a time', async () => {
    const seen: { id: string; issuedAt: string }[] = [];
    let next: string | undefined;
    do {
      const page = await call('GET', `${adminUrl(t)}/documents?limit=7${next ? `&before=${encodeURIComponent(next)}` : ''}`, staff);
      expect(page.status, JSON.stringify(page.body)).to.equal(200);
      seen.push(...page.body.items);
      next = page.body.next;
    } while (next);
    const stored = await mongoose.connection.db!.collection('documents').countDocuments({ org: t.org._id });
    expect(seen.length).to.equal(stored);
    expect(new Set(seen.map((d) => d.id)).size).to.equal(stored);
    expect(seen.every((d, i) => i === 0 || d.issuedAt <= seen[i - 1]!.issuedAt)).to.equal(true);
    expect((await call('GET', `${adminUrl(t)}/documents?before=2026-01-01T00:00:00Z`, staff)).status).to.equal(400);
  });

  it('refunds part and then the rest as credit notes, never more than was paid, also when asked in parallel', async () => {
    const c = await customer();
    const tab = await openTab(c.id, [{ description: 'Membership shirt', quantity: 1, unitAmount: 3000, taxRateId: 'tax_1' }]);
    const paid = await call('POST', `${adminUrl(t)}/tabs/${tab.id}/settle`, staff, { method: 'cash', tip: 0 });
    const invoiceId = paid.body.tab.invoiceId;
    expect(
      (await call('POST', `${adminUrl(t)}/documents/${invoiceId}/refunds`, staff, { amount: 100, reason: 'x' })).status,
      'staff may not refund',
    ).to.equal(403);
    const part = await call('POST', `${adminUrl(t)}/documents/${invoiceId}/refunds`, admin, { amount: 1200, reason: 'Wrong size' });
    expect(part.status, JSON.stringify(part.body)).to.equal(201);
    expect(part.body).to.include({ kind: 'credit_note', total: 1200, tax: 200 });
    expect(part.body.number).to.match(new RegExp(`^HDS-CN-${year}-\\d{6}$`));
    expect(part.body.relatesTo.id).to.equal(invoiceId);
    expect((await call('GET', `${adminUrl(t)}/documents/${invoiceId}`, staff)).body.refundable).to.equal(1800);
    const parallel = await Promise.all(
      Array.from({ length: 10 }, () => call('POST', `${adminUrl(t)}/documents/${invoiceId}/refunds`, admin, { amount: 900, reason: 'Goodwill' })),
    );
    expect(parallel.filter((r) => r.status === 201)).to.have.length(2);
    expect(parallel.filter((r) => r.status === 422)).to.have.length(8);
    expect((await call('GET', `${adminUrl(t)}/documents/${invoiceId}`, staff)).body.refundable).to.equal(0);
    // The customer sees their credit notes; the invoice itself never changed.
    const notes = await docs(c.token, `?kind=credit_note&year=${year}`);
    expect(notes.body.items).to.have.length(3);
    expect((await call('GET', `${apiUrl(t)}/documents/${invoiceId}`, c.token)).body.total).to.equal(3000);
  });

  it('exports documents as CSV for the accountant, formulas neutralised', async () => {
    const email = `=HYPERLINK("x").${Date.now()}@example.com`;
    await ensureCustomer(t.org._id, email).catch(() => undefined);
    const csv = await fetch(`${adminUrl(t)}/documents.csv?year=${year}&kind=invoice`, { headers: { authorization: `Bearer ${staff}` } });
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    const text = await csv.text();
    const [header, ...rows] = text.trim().split('\r\n');
    expect(header).to.equal('number,type,issued_on,customer_email,currency,net,tax,tip,total,paid_with,relates_to,reason');
    expect(rows.length).to.be.greaterThan(50);
    expect(rows.every((r) => r.startsWith('HDS-'))).to.equal(true);
    expect(text).to.match(/,GBP,25\.00,5\.00,0\.00,30\.00,cash,/);
  });

  it('gets zero- and three-decimal currencies right: yen have no minor unit, dinars three', async () => {
    for (const [currency, unitAmount, expected] of [
      ['JPY', 1234, { tax: 123, total: 1357, csv: ',JPY,1234,123,0,1357,cash,' }],
      ['BHD', 1005, { tax: 50, total: 1055, csv: ',BHD,1.005,0.050,0.000,1.055,cash,' }],
    ] as const) {
      const org = await makeOrg(s);
      const orgOwner = await adminToken(s, org, 'owner');
      await connectStripe(org, orgOwner, { currency, taxInclusive: false, taxRates: [{ name: 'VAT', percent: currency === 'JPY' ? 10 : 5 }] });
      const email = `${currency.toLowerCase()}.${Date.now()}@example.com`;
      await ensureCustomer(org.org._id, email);
      const customerId = (await CustomerModel.findOne({ org: org.org._id, email }).lean())!._id as string;
      const tab = (await call('POST', `${adminUrl(org)}/tabs`, orgOwner, { customerId })).body;
      const added = await call('POST', `${adminUrl(org)}/tabs/${tab.id}/lines`, orgOwner, {
        description: 'Tea ceremony',
        quantity: 1,
        unitAmount,
        taxRateId: 'tax_1',
      });
      expect(added.body.currency).to.equal(currency);
      expect(added.body.totals, currency).to.include({ tax: expected.tax, total: expected.total });
      const paid = await call('POST', `${adminUrl(org)}/tabs/${tab.id}/settle`, orgOwner, { method: 'cash' });
      const pdf = await fetch(`${adminUrl(org)}/documents/${paid.body.tab.invoiceId}/pdf`, { headers: { authorization: `Bearer ${orgOwner}` } });
      expect(pdfText(Buffer.from(await pdf.arrayBuffer())), currency).to.contain(currency === 'JPY' ? '¥1,357' : 'BHD 1.055');
      const csv = await (await fetch(`${adminUrl(org)}/documents.csv?kind=invoice`, { headers: { authorization: `Bearer ${orgOwner}` } })).text();
      expect(csv, currency).to.contain(expected.csv);
    }
  });

  it("keeps each organisation's money to itself", async () => {
    const other = await makeOrg(s);
    const otherStaff = await adminToken(s, other, 'admin');
    const c = await customer();
    const tab = await openTab(c.id, [{ description: 'Tea', quantity: 1, unitAmount: 300 }]);
    const paid = await call('POST', `${adminUrl(t)}/tabs/${tab.id}/settle`, staff, { method: 'cash' });
    for (const path of [`/tabs/${tab.id}`, `/documents/${paid.body.tab.invoiceId}`])
      expect((await call('GET', `${adminUrl(other)}${path}`, otherStaff)).status, path).to.equal(404);
    expect((await call('GET', `${adminUrl(other)}/tabs?status=paid`, otherStaff)).body.items).to.deep.equal([]);
    expect((await call('GET', `${adminUrl(other)}/documents`, otherStaff)).body.items).to.deep.equal([]);
    expect((await call('POST', `${adminUrl(other)}/documents/${paid.body.tab.invoiceId}/refunds`, otherStaff, { reason: 'x' })).status).to.equal(404);
    // A customer cannot record cash for themselves.
    const open = await openTab(c.id, [{ description: 'Tea', quantity: 1, unitAmount: 300 }]);
    expect((await call('POST', `${apiUrl(t)}/tabs/${open.id}/settle`, c.token, { method: 'cash' })).status).to.equal(400);
  });
});
