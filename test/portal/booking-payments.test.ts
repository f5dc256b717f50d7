// Bookings that take money: a card on file, or payment when booking (a deposit or the whole price) through the
// booking's own tab; refunds when cancelled; unpaid bookings lapse and give their time back.
import { expect } from 'chai';
import mongoose from 'mongoose';
import { addDays, localAt } from '../../portal/api/availability/zoned.ts';
import { forgetSweeps } from '../../portal/api/bookings/payment.ts';
import { adminToken, adminUrl, apiUrl, call, customerToken } from '../support/api.ts';
import { create, everyDay } from '../support/catalogue.ts';
import { makeClient, makeOrg, type TestClient, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';
import { cardSaved, connectStripe, intentEvent } from '../support/stripe.ts';

const SCOPES = 'bookings bookings:write payments payments:write';

describe('Bookings that take money', function () {
  this.timeout(120_000);
  let s: Stack;

  /** An organisation taking payments, a round-the-clock resource, and a service with `payment` terms. */
  async function business(payment: object, cancellationWindowMinutes = 60) {
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    const owner = await adminToken(s, t, 'owner');
    await connectStripe(t, owner, { currency: 'GBP', taxInclusive: true, taxRates: [{ name: 'VAT', percent: 20 }] });
    const location = await create(t, owner, 'locations', { name: 'Spa', timeZone: 'Europe/London' });
    const desk = await create(t, owner, 'resources', { name: 'Desk', locationId: location.id, weeklyHours: everyDay('00:00', '24:00') });
    const service = await create(t, owner, 'services', {
      name: 'Hot stones',
      durationMinutes: 60,
      intervalMinutes: 60,
      price: { amount: 8000, currency: 'GBP' },
      resourceIds: [desk.id],
      locationId: location.id,
      minNoticeMinutes: 0,
      cancellationWindowMinutes,
      payment,
    });
    return { t, app, owner, service };
  }
  const slots = async (t: TestOrg, token: string, serviceId: string) => {
    const from = localAt(Date.now(), 'Europe/London').date;
    const res = await call('GET', `${apiUrl(t)}/availability?service=${serviceId}&from=${from}&to=${addDays(from, 6)}`, token);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body.days as { slots: { start: string }[] }[]).flatMap((d) => d.slots.map((x) => x.start));
  };
  const customerOf = async (app: TestClient) => {
    const c = await customerToken(s, app, { scope: SCOPES });
    return { token: c.token, id: c.tokens.claims()!.sub };
  };
  const saveCard = async (t: TestOrg, c: { token: string; id: string }) => {
    expect((await call('POST', `${apiUrl(t)}/payment-methods/setup`, c.token)).status).to.equal(201);
    expect((await cardSaved(t, c.id)).status).to.equal(200);
  };

  before(async () => {
    s = await stack();
  });

  it('keeps tax rate ids stable and checks the one a service names', async () => {
    const { t, owner, service } = await business({ mode: 'prepay', taxRateId: 'tax_1' });
    const settings = `${adminUrl(t)}/payments/settings`;
    // The first rate removed, one added: tax_1 is gone for good, the new one is tax_2, never tax_1 again.
    const changed = await call('PUT', settings, owner, { taxRates: [{ name: 'Reduced', percent: 5 }] });
    expect(changed.body.taxRates).to.deep.equal([{ id: 'tax_2', name: 'Reduced', percent: 5 }]);
    const kept = await call('PUT', settings, owner, {
      taxRates: [
        { id: 'tax_2', name: 'Reduced rate', percent: 5 },
        { name: 'Zero', percent: 0 },
      ],
    });
    expect(kept.body.taxRates.map((r: { id: string }) => r.id)).to.deep.equal(['tax_2', 'tax_3']);
    const refused = await call('PATCH', `${adminUrl(t)}/services/${service.id}`, owner, { payment: { mode: 'prepay', taxRateId: 'tax_1' } });
    expect(refused.status).to.equal(422);
    expect(refused.body.error_description).to.match(/payment\.taxRateId/);
  });

  it('asks for a card on file before booking a service that needs one', async () => {
    const { t, app, service } = await business({ mode: 'card_on_file' });
    const c = await customerOf(app);
    const [first] = await slots(t, c.token, service.id);
    const refused = await call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: service.id, start: first });
    expect(refused.status).to.equal(422);
    expect(refused.body).to.include({ error: 'payment_required' });
    expect(refused.body.error_description).to.match(/card on file/);
    await saveCard(t, c);
    const booked = await call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: service.id, start: first });
    expect(booked.status, JSON.stringify(booked.body)).to.equal(201);
    expect(booked.body.payment).to.include({ mode: 'card_on_file', status: 'none' });
  });

  it('takes a deposit when booking through the booking’s own tab, and refunds it when cancelled in time', async () => {
    const { t, app, owner, service } = await business(
      { mode: 'prepay', deposit: { kind: 'percent', value: 25 }, taxRateId: 'tax_1', lateRefundPercent: 0 },
      60,
    );
    const c = await customerOf(app);
    await saveCard(t, c);
    const later = (await slots(t, c.token, service.id)).at(-1)!; // days ahead: well before the cancellation deadline
    const booked = await call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: service.id, start: later });
    expect(booked.status, JSON.stringify(booked.body)).to.equal(201);
    expect(booked.body.payment).to.include({ mode: 'prepay', status: 'due', amount: 2000, currency: 'GBP' });
    const tab = await call('GET', `${apiUrl(t)}/tabs/${booked.body.payment.tabId}`, c.token);
    expect(tab.body.purpose).to.deep.equal({ kind: 'booking', id: booked.body.id });
    expect(tab.body.lines[0].description).to.match(/^Hot stones, .* \(deposit\)$/);
    expect(tab.body.totals).to.include({ total: 2000 });
    // The customer pays the tab; Stripe's webhook settles it, and the booking with it.
    expect((await call('POST', `${apiUrl(t)}/tabs/${tab.body.id}/settle`, c.token, { paymentMethod: 'pm_card_visa' })).status).to.equal(200);
    const intent = (await call('GET', `${adminUrl(t)}/tabs/${tab.body.id}`, owner)).body.payment.stripePaymentIntent;
    expect((await intentEvent(t, { id: intent }, 'succeeded')).status).to.equal(200);
    const paid = await call('GET', `${apiUrl(t)}/bookings/${booked.body.id}`, c.token);
    expect(paid.body.payment).to.include({ status: 'paid' });
    expect(paid.body.payment.invoiceId).to.match(/^inv_/);
    // Cancelled before the deadline: the whole deposit comes back, as a credit note.
    const cancelled = await call('POST', `${apiUrl(t)}/bookings/${booked.body.id}/cancel`, c.token);
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body.money).to.include({ refunded: 2000 });
    expect(cancelled.body.payment).to.include({ status: 'refunded', refunded: 2000 });
    // The refund is a change of the booking too: live views hear of it, not only of the cancellation.
    const refundedEvent = await mongoose.connection
      .db!.collection('events')
      .findOne({ org: t.org._id, type: 'booking.refunded', subject: booked.body.id });
    expect(JSON.parse(refundedEvent!.data).booking.payment).to.include({ status: 'refunded', refunded: 2000 });
    const notes = await call('GET', `${apiUrl(t)}/documents?kind=credit_note`, c.token);
    expect(notes.body.items.map((n: { total: number; relatesTo: { id: string } }) => [n.total, n.relatesTo.id])).to.deep.equal([
      [2000, paid.body.payment.invoiceId],
    ]);
  });

  it('refunds the late percent when staff cancel after the deadline', async () => {
    const { t, app, owner, service } = await business({ mode: 'prepay', lateRefundPercent: 50 }, 30 * 24 * 60);
    const c = await customerOf(app);
    const [first] = await slots(t, c.token, service.id); // inside the 30-day window already
    const booked = await call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: service.id, start: first });
    const tabId = booked.body.payment.tabId;
    expect((await call('POST', `${adminUrl(t)}/tabs/${tabId}/settle`, owner, { method: 'cash' })).status).to.equal(200);
    const cancelled = await call('POST', `${adminUrl(t)}/bookings/${booked.body.id}/cancel`, owner);
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body.money).to.include({ refunded: 4000 });
  });

  it('lets an unpaid booking lapse: its tab is voided and its time is free again', async () => {
    const { t, app, service } = await business({ mode: 'prepay' });
    const c = await customerOf(app);
    // A start the round-the-clock desk offers (any whole hour ahead), chosen without asking availability, which sweeps.
    const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3 * 86_400_000).toISOString();
    const booked = await call('POST', `${apiUrl(t)}/bookings`, c.token, { serviceId: service.id, start });
    expect(booked.status, JSON.stringify(booked.body)).to.equal(201);
    expect(await slots(t, c.token, service.id)).to.not.include(start); // sweeps: nothing is overdue yet
    // Time travel: as if its 15 minutes had passed, and the 30 s between sweeps of the organisation.
    await mongoose.connection
      .db!.collection('bookings')
      .updateOne({ _id: booked.body.id }, { $set: { 'payment.dueBy': new Date(Date.now() - 1000) } });
    forgetSweeps();
    const free = await slots(t, c.token, service.id);
    expect(free).to.include(start);
    const lapsed = await call('GET', `${apiUrl(t)}/bookings/${booked.body.id}`, c.token);
    expect(lapsed.body).to.include({ status: 'cancelled' });
    expect(lapsed.body.payment).to.include({ status: 'lapsed' });
    expect((await call('GET', `${apiUrl(t)}/tabs/${booked.body.payment.tabId}`, c.token)).body.status).to.equal('void');
  });
});
