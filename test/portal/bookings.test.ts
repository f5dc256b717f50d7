import { expect } from 'chai';
import { ensureCustomer } from '../../idp/customers/service.ts';
import { CustomerModel } from '../../idp/customers/model.ts';
import { addDays, localAt } from '../../portal/api/availability/zoned.ts';
import { adminToken, adminUrl, apiUrl, call, customerToken, type Reply } from '../support/api.ts';
import { create, everyDay, seedCatalogue } from '../support/catalogue.ts';
import { makeClient, makeOrg, uniqueEmail, type TestClient, type TestOrg } from '../support/oidc.ts';
import { openStream } from '../support/sse.ts';
import { secondInstance, stack, type Stack } from '../support/stack.ts';

const BOOKING_SCOPES = 'bookings bookings:write';
type Slot = { start: string; local: string; seatsLeft: number; resourceCount: number };

/** Customers the business already has (as after a sign-in), each with an id staff can book for. */
async function customers(t: TestOrg, n: number): Promise<string[]> {
  const emails = Array.from({ length: n }, () => uniqueEmail('guest'));
  await Promise.all(emails.map((e) => ensureCustomer(t.org._id, e)));
  const docs = await CustomerModel.find({ org: t.org._id, email: { $in: emails } }).lean();
  return docs.map((d) => d._id);
}

describe('Bookings: catalogue, availability, booking (Client API and Admin API)', function () {
  this.timeout(120_000);
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  let admin: string;
  let cat: Awaited<ReturnType<typeof seedCatalogue>>;
  let night: { id: string }; // works around the clock: tests need slots whatever the time of day
  let anytime: { id: string; cancellationWindowMinutes: number };

  /** A week of availability from today (or `from`), of everyone who delivers the service or of one `resource`. */
  const week = async (service: string, token = admin, base = adminUrl(t), from?: string, resource?: string) => {
    const first = from ?? localAt(Date.now(), 'Europe/London').date;
    const res = await call(
      'GET',
      `${base}/availability?service=${service}&from=${first}&to=${addDays(first, 6)}${resource ? `&resource=${resource}` : ''}`,
      token,
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { timeZone: string; days: { date: string; slots: Slot[] }[] };
  };
  const slots = async (service: string, token?: string, base?: string, resource?: string) =>
    (await week(service, token, base, undefined, resource)).days.flatMap((d) => d.slots);

  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    app = await makeClient(s, t);
    admin = await adminToken(s, t, 'admin');
    cat = await seedCatalogue(t, admin);
    night = await create(t, admin, 'resources', { name: 'Night desk', locationId: cat.location.id, weeklyHours: everyDay('00:00', '24:00') });
    anytime = await create(t, admin, 'services', {
      name: 'Late consultation',
      durationMinutes: 30,
      intervalMinutes: 30,
      price: { amount: 0, currency: 'GBP' },
      resourceIds: [night.id],
      locationId: cat.location.id,
      minNoticeMinutes: 0,
      maxDaysAhead: 730,
      cancellationWindowMinutes: 3 * 24 * 60,
      lateCancellationNote: 'Please phone us instead.',
    });
  });

  describe('catalogue (Admin API)', () => {
    it('rejects bad entries field by field and references to what does not exist', async () => {
      const bad = await call('POST', `${adminUrl(t)}/services`, admin, {
        name: '',
        durationMinutes: 7,
        price: { amount: -1, currency: 'pounds' },
        resourceIds: [],
        locationId: cat.location.id,
        capacity: 0,
        colour: 'red',
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.details.map((d: { field: string }) => d.field)).to.include.members([
        'name',
        'durationMinutes',
        'price.amount',
        'price.currency',
        'resourceIds',
        'capacity',
        'colour',
      ]);
      const hours = await call('POST', `${adminUrl(t)}/resources`, admin, {
        name: 'X',
        locationId: cat.location.id,
        weeklyHours: [
          { day: 'mon', start: '17:00', end: '09:00' },
          { day: 'funday', start: '9', end: '10:00' },
        ],
      });
      expect(hours.status).to.equal(400);
      expect(hours.body.details.map((d: { field: string }) => d.field)).to.include.members([
        'weeklyHours.0.end',
        'weeklyHours.1.day',
        'weeklyHours.1.start',
      ]);
      // Past what availability is sized for, the limit is named (the console shows it by the field).
      const tooMany = await call('POST', `${adminUrl(t)}/resources`, admin, {
        name: 'X',
        locationId: cat.location.id,
        weeklyHours: Array.from({ length: 71 }, () => ({ day: 'mon', start: '09:00', end: '10:00' })),
      });
      expect(tooMany.status).to.equal(400);
      expect(tooMany.body.details).to.deep.include({ field: 'weeklyHours', message: 'at most 70 stretches of hours a week' });
      const zone = await call('POST', `${adminUrl(t)}/locations`, admin, { name: 'Moon base', timeZone: 'Moon/Tranquility' });
      expect(zone.status).to.equal(400);
      const dangling = await call('POST', `${adminUrl(t)}/services`, admin, {
        name: 'Ghost',
        durationMinutes: 30,
        price: { amount: 1, currency: 'GBP' },
        resourceIds: ['res_doesnotexist'],
        locationId: cat.location.id,
      });
      expect(dangling.status).to.equal(422);
      expect(dangling.body.details).to.deep.equal([{ field: 'resourceIds.0', message: 'no such resource' }]);
    });

    it('edits with a patch, refuses deletes that would leave services dangling, and audits each change', async () => {
      const room = await create(t, admin, 'resources', {
        name: 'Room 2',
        kind: 'room',
        locationId: cat.location.id,
        weeklyHours: everyDay('09:00', '17:00'),
      });
      const svc = await create(t, admin, 'services', {
        name: 'Sauna',
        durationMinutes: 30,
        price: { amount: 900, currency: 'GBP' },
        resourceIds: [room.id],
        locationId: cat.location.id,
      });
      expect(svc).to.include({ capacity: 1, intervalMinutes: 15, minNoticeMinutes: 60, active: true });
      const patched = await call('PATCH', `${adminUrl(t)}/services/${svc.id}`, admin, { capacity: 4, description: null });
      expect(patched.body).to.include({ capacity: 4, durationMinutes: 30, name: 'Sauna' });
      expect((await call('DELETE', `${adminUrl(t)}/resources/${room.id}`, admin)).status).to.equal(409);
      expect((await call('DELETE', `${adminUrl(t)}/locations/${cat.location.id}`, admin)).status).to.equal(409);
      expect((await call('DELETE', `${adminUrl(t)}/services/${svc.id}`, admin)).status).to.equal(204);
      expect((await call('DELETE', `${adminUrl(t)}/resources/${room.id}`, admin)).status).to.equal(204);
      const log = await call('GET', `${adminUrl(t)}/audit?limit=10`, admin);
      expect(log.body.items.map((e: { action: string }) => e.action)).to.include.members([
        'service.create',
        'service.update',
        'service.delete',
        'resource.delete',
      ]);
      const staff = await adminToken(s, t, 'staff');
      expect((await call('POST', `${adminUrl(t)}/locations`, staff, { name: 'Nope', timeZone: 'UTC' })).status).to.equal(403);
      expect((await call('GET', `${adminUrl(t)}/services`, staff)).status).to.equal(200);
    });
  });

  describe('availability', () => {
    it("offers starts inside working hours in the location's zone, on the service's grid, after the minimum notice", async () => {
      const w = await week(cat.massage.id);
      expect(w.timeZone).to.equal('Europe/London');
      expect(w.days).to.have.length(7);
      const all = w.days.flatMap((d) => d.slots);
      expect(all.length).to.be.greaterThan(50);
      for (const slot of all) {
        expect(slot.local).to.match(/^(0[7-9]|1\d|20):00$/);
        expect(slot.local <= '20:00').to.equal(true); // 60 minutes must fit before 21:00
        expect(Date.parse(slot.start)).to.be.greaterThan(Date.now() + 59 * 60_000);
        expect(localAt(Date.parse(slot.start), 'Europe/London').time).to.equal(slot.local);
        expect(slot).to.include({ resourceCount: cat.therapists.length, seatsLeft: cat.therapists.length }); // each start once, with a count
      }
    });

    it('answers for one staff member when asked: only their free times, and each start still once', async () => {
      const therapist = cat.therapists[0].id;
      const everyone = await slots(cat.massage.id);
      const [who] = await customers(t, 1);
      const taken = everyone.at(-3)!;
      expect(
        (
          await call('POST', `${adminUrl(t)}/bookings`, admin, {
            serviceId: cat.massage.id,
            start: taken.start,
            resourceId: therapist,
            customerId: who,
          })
        ).status,
      ).to.equal(201);
      const theirs = await slots(cat.massage.id, undefined, undefined, therapist);
      expect(theirs.map((x) => x.start)).to.not.include(taken.start);
      expect(theirs.every((x) => x.resourceCount === 1 && x.seatsLeft === 1)).to.equal(true);
      expect((await slots(cat.massage.id)).find((x) => x.start === taken.start)).to.include({ resourceCount: cat.therapists.length - 1 });
    });

    it("follows the spring-forward day of the location's zone: 23 hourly starts, no 01:00", async () => {
      const year = new Date().getUTCFullYear() + 1;
      const lastSunday = [31, 30, 29, 28, 27, 26, 25].map((d) => `${year}-03-${d}`).find((d) => new Date(`${d}T12:00:00Z`).getUTCDay() === 0)!;
      const hourly = await create(t, admin, 'services', {
        name: 'Hourly',
        durationMinutes: 60,
        intervalMinutes: 60,
        price: { amount: 0, currency: 'GBP' },
        resourceIds: [night.id],
        locationId: cat.location.id,
        minNoticeMinutes: 0,
        maxDaysAhead: 730,
      });
      const res = await call('GET', `${adminUrl(t)}/availability?service=${hourly.id}&from=${lastSunday}&to=${lastSunday}`, admin);
      const locals = res.body.days[0].slots.map((x: Slot) => x.local);
      expect(locals).to.have.length(23);
      expect(locals).to.not.include('01:00');
      expect(locals.slice(0, 3)).to.deep.equal(['00:00', '02:00', '03:00']);
    });

    it('answers bad questions with 4xx', async () => {
      const base = `${adminUrl(t)}/availability`;
      const today = localAt(Date.now(), 'Europe/London').date;
      expect((await call('GET', `${base}?service=svc_doesnotexist1&from=${today}&to=${today}`, admin)).status).to.equal(404);
      expect((await call('GET', `${base}?service=${cat.massage.id}&from=tomorrow&to=${today}`, admin)).status).to.equal(400);
      expect((await call('GET', `${base}?service=${cat.massage.id}&from=${today}&to=${addDays(today, -1)}`, admin)).status).to.equal(400);
      expect((await call('GET', `${base}?service=${cat.massage.id}&from=${today}&to=${addDays(today, 40)}`, admin)).status).to.equal(400);
      expect((await call('GET', `${base}?service=${cat.massage.id}&from=2026-02-30&to=2026-03-01`, admin)).status).to.equal(400);
    });
  });

  describe('booking', () => {
    it('books an offered slot, refuses it to the next customer with 409, lists, downloads .ics, cancels into history', async () => {
      const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
      const bob = await customerToken(s, app, { scope: BOOKING_SCOPES });
      const therapist = cat.therapists[0].id;
      const slot = (await slots(cat.massage.id, ada.token, apiUrl(t), therapist)).find((x) => Date.parse(x.start) > Date.now() + 25 * 3_600_000)!; // outside the 24-hour window
      const made = await call('POST', `${apiUrl(t)}/bookings`, ada.token, { serviceId: cat.massage.id, start: slot.start, resourceId: therapist });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      expect(made.body).to.deep.include({ status: 'confirmed', start: slot.start, timeZone: 'Europe/London', canCancel: true });
      expect(made.body.local.time).to.equal(slot.local);
      expect(made.body.service).to.deep.include({ name: 'Deep tissue massage', price: { amount: 6500, currency: 'GBP' } });
      const again = await call('POST', `${apiUrl(t)}/bookings`, bob.token, { serviceId: cat.massage.id, start: slot.start, resourceId: therapist });
      expect(again.status).to.equal(409);
      expect(again.body).to.include({ error: 'slot_taken' });
      // "Anyone" still gets the other therapist at that time; then the time is gone for everyone.
      const other = await call('POST', `${apiUrl(t)}/bookings`, bob.token, { serviceId: cat.massage.id, start: slot.start });
      expect(other.status).to.equal(201);
      expect(other.body.resource.id).to.not.equal(therapist);
      expect((await slots(cat.massage.id)).map((x) => x.start)).to.not.include(slot.start);

      const upcoming = await call('GET', `${apiUrl(t)}/bookings?view=upcoming`, ada.token);
      expect(upcoming.body.items.map((b: { id: string }) => b.id)).to.deep.equal([made.body.id]);
      const ics = await fetch(`${apiUrl(t)}/bookings/${made.body.id}/calendar.ics`, { headers: { authorization: `Bearer ${ada.token}` } });
      expect(ics.headers.get('content-type')).to.match(/^text\/calendar/);
      expect(ics.headers.get('content-disposition')).to.contain('attachment');
      const text = await ics.text();
      expect(text).to.contain(`UID:${made.body.id}@`).and.contain('SUMMARY:Deep tissue massage at').and.contain('STATUS:CONFIRMED');
      expect(text).to.contain(`DTSTART:${slot.start.replace(/[-:]/g, '').replace('.000', '')}`);
      expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).to.equal(true);

      const cancelled = await call('POST', `${apiUrl(t)}/bookings/${made.body.id}/cancel`, ada.token);
      expect(cancelled.body).to.include({ status: 'cancelled', canCancel: false });
      expect((await call('POST', `${apiUrl(t)}/bookings/${made.body.id}/cancel`, ada.token)).status).to.equal(409);
      expect((await call('GET', `${apiUrl(t)}/bookings?view=upcoming`, ada.token)).body.items).to.deep.equal([]);
      const history = await call('GET', `${apiUrl(t)}/bookings?view=history`, ada.token);
      expect(history.body.items.map((b: { id: string; status: string }) => [b.id, b.status])).to.deep.equal([[made.body.id, 'cancelled']]);
      // The freed therapist can be booked again.
      const rebook = await call('POST', `${apiUrl(t)}/bookings`, bob.token, { serviceId: cat.massage.id, start: slot.start, resourceId: therapist });
      expect(rebook.status).to.equal(201);
    });

    it('writes any service name into the .ics as text: escaped, line breaks as \\n, no control characters, folded whole', async () => {
      const tricky = `Hot\\cold; wraps, oils\rEND:VEVENT\nBEGIN:VALARM\r\nthree\u0007 kinds${' Ölmassage 深層マッサージ🌿'.repeat(2)}`;
      const svc = await create(t, admin, 'services', {
        name: tricky,
        durationMinutes: 30,
        price: { amount: 0, currency: 'GBP' },
        resourceIds: [night.id],
        locationId: cat.location.id,
        minNoticeMinutes: 0,
      });
      const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
      const made = await call('POST', `${apiUrl(t)}/bookings`, ada.token, {
        serviceId: svc.id,
        start: (await slots(svc.id, ada.token, apiUrl(t)))[0]!.start,
      });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      const res = await fetch(`${apiUrl(t)}/bookings/${made.body.id}/calendar.ics`, { headers: { authorization: `Bearer ${ada.token}` } });
      const bytes = Buffer.from(await res.arrayBuffer());

      // Physical lines: CRLF only, 75 octets at most, each valid UTF-8 on its own (no character split by a fold).
      const physical = bytes.toString('latin1').split('\r\n');
      expect(physical.pop()).to.equal('');
      const utf8 = new TextDecoder('utf-8', { fatal: true });
      for (const line of physical) {
        const raw = Buffer.from(line, 'latin1');
        expect(raw.length, line).to.be.at.most(75);
        expect(/[\r\n]/.test(line), JSON.stringify(line)).to.equal(false);
        utf8.decode(raw);
      }
      // Unfolded (RFC 5545 §3.1): one event, and the summary reads back as the name with its line breaks as \n.
      const lines = utf8
        .decode(bytes)
        .replace(/\r\n[ \t]/g, '')
        .split('\r\n')
        .filter(Boolean);
      expect(lines.filter((l) => /^(BEGIN|END):/.test(l))).to.deep.equal(['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'END:VEVENT', 'END:VCALENDAR']);
      const summaries = lines.filter((l) => l.startsWith('SUMMARY:'));
      expect(summaries).to.have.length(1);
      const unescapeText = (v: string) => v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c.toLowerCase() === 'n' ? '\n' : c));
      const value = summaries[0]!.slice('SUMMARY:'.length);
      expect(value.replace(/\\[\\;,nN]/g, '')).to.not.match(/[\\;,\p{Cc}]/u); // nothing left unescaped
      expect(unescapeText(value)).to.equal(`${tricky.replace(/\r\n|\r|\n/g, '\n').replace('\u0007', '')} at ${t.org.name}`);
    });

    it('50 concurrent requests on two server instances for the last seat: exactly one wins, 49 get a clear 409', async () => {
      const other = await secondInstance(s);
      try {
        const resourceId = cat.therapists[0].id;
        const slot = (await slots(cat.massage.id, undefined, undefined, resourceId)).at(-2)!;
        const people = await customers(t, 50);
        const replies: Reply[] = await Promise.all(
          people.map((customerId, i) =>
            call('POST', `${i % 2 ? other.adminUrl(t) : adminUrl(t)}/bookings`, admin, {
              serviceId: cat.massage.id,
              start: slot.start,
              resourceId,
              customerId,
            }),
          ),
        );
        const statuses = replies.map((r) => r.status);
        expect(
          statuses.filter((x) => x === 201),
          JSON.stringify(replies.find((r) => r.status >= 500)?.body),
        ).to.have.length(1);
        expect(statuses.filter((x) => x === 409)).to.have.length(49);
        for (const r of replies.filter((x) => x.status === 409))
          expect(r.body).to.deep.equal({ error: 'slot_taken', error_description: 'This time has just been taken. Choose another.' });
        const listed = await call(
          'GET',
          `${adminUrl(t)}/bookings?from=${slot.start}&to=${new Date(Date.parse(slot.start) + 60_000).toISOString()}&resource=${resourceId}`,
          admin,
        );
        expect(listed.body.items).to.have.length(1);
      } finally {
        await other.stop();
      }
    });

    it('a class fills to exactly its capacity under concurrent requests, and a cancelled seat can be taken again', async () => {
      const slot = (await slots(cat.yoga.id)).at(-1)!;
      expect(slot.seatsLeft).to.equal(8);
      const people = await customers(t, 20);
      const replies = await Promise.all(
        people.map((customerId) => call('POST', `${adminUrl(t)}/bookings`, admin, { serviceId: cat.yoga.id, start: slot.start, customerId })),
      );
      const won = replies.filter((r) => r.status === 201);
      expect(won).to.have.length(8);
      expect(replies.filter((r) => r.status === 409)).to.have.length(12);
      expect(new Set(won.map((r) => r.body.seat)).size).to.equal(8);
      expect((await slots(cat.yoga.id)).map((x) => x.start)).to.not.include(slot.start);
      // The class keeps its teacher busy: no massage with her overlaps it.
      const teacher = cat.therapists[0].id;
      const clash = await call('POST', `${adminUrl(t)}/bookings`, admin, {
        serviceId: cat.massage.id,
        start: slot.start,
        resourceId: teacher,
        customerId: people[0],
      });
      expect(clash.status).to.equal(409);
      await call('POST', `${adminUrl(t)}/bookings/${won[0]!.body.id}/cancel`, admin);
      const seat = (await slots(cat.yoga.id)).find((x) => x.start === slot.start)!;
      expect(seat.seatsLeft).to.equal(1);
      expect(
        (await call('POST', `${adminUrl(t)}/bookings`, admin, { serviceId: cat.yoga.id, start: slot.start, customerId: people[19] })).status,
      ).to.equal(201);
    });

    it('buffers keep overlapping bookings of one therapist apart, even across services', async () => {
      const therapist = cat.therapists[1].id;
      const slot = (await slots(cat.massage.id, undefined, undefined, therapist)).find((x) => x.local < '19:00')!;
      const [who] = await customers(t, 1);
      expect(
        (
          await call('POST', `${adminUrl(t)}/bookings`, admin, {
            serviceId: cat.massage.id,
            start: slot.start,
            resourceId: therapist,
            customerId: who,
          })
        ).status,
      ).to.equal(201);
      // The massage ends at +60 min and its 15-minute buffer at +75: a massage at +60 with the same therapist clashes.
      const next = new Date(Date.parse(slot.start) + 60 * 60_000).toISOString();
      const res = await call('POST', `${adminUrl(t)}/bookings`, admin, {
        serviceId: cat.massage.id,
        start: next,
        resourceId: therapist,
        customerId: who,
      });
      expect(res.status).to.equal(409);
    });

    it('keeps to the cancellation window for customers (with the late note), not for staff; reschedule keeps the id and frees the old time', async () => {
      const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
      const all = await slots(anytime.id, ada.token, apiUrl(t));
      // Within three days: the 72-hour window has already closed.
      const soon = all[2]!;
      const late = await call('POST', `${apiUrl(t)}/bookings`, ada.token, { serviceId: anytime.id, start: soon.start });
      expect(late.body.canCancel).to.equal(false);
      const refused = await call('POST', `${apiUrl(t)}/bookings/${late.body.id}/cancel`, ada.token);
      expect(refused.status).to.equal(409);
      expect(refused.body.error).to.equal('cancellation_closed');
      expect(refused.body.error_description).to.contain('Please phone us instead.');
      expect((await call('POST', `${apiUrl(t)}/bookings/${late.body.id}/reschedule`, ada.token, { start: all[5]!.start })).status).to.equal(409);
      expect((await call('POST', `${adminUrl(t)}/bookings/${late.body.id}/cancel`, admin)).body.status).to.equal('cancelled');

      // Far enough ahead, the customer may move it.
      const far = await call(
        'GET',
        `${apiUrl(t)}/availability?service=${anytime.id}&from=${addDays(localAt(Date.now(), 'Europe/London').date, 10)}&to=${addDays(localAt(Date.now(), 'Europe/London').date, 10)}`,
        ada.token,
      );
      const [a, b] = far.body.days[0].slots as Slot[];
      const made = await call('POST', `${apiUrl(t)}/bookings`, ada.token, { serviceId: anytime.id, start: a!.start });
      expect(made.body.canCancel).to.equal(true);
      const moved = await call('POST', `${apiUrl(t)}/bookings/${made.body.id}/reschedule`, ada.token, { start: b!.start });
      expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
      expect(moved.body).to.include({ id: made.body.id, start: b!.start, status: 'confirmed' });
      const after = (
        await call('GET', far.body ? `${apiUrl(t)}/availability?service=${anytime.id}&from=${far.body.from}&to=${far.body.to}` : '', ada.token)
      ).body.days[0].slots.map((x: Slot) => x.start);
      expect(after).to.include(a!.start).and.not.include(b!.start);
    });

    it('refuses starts the service does not offer (422) and bad input (400/404), writing nothing', async () => {
      const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
      const post = (body: object) => call('POST', `${apiUrl(t)}/bookings`, ada.token, body);
      const w = await slots(cat.massage.id);
      const first = Date.parse(w[0]!.start);
      const offGrid = new Date(first + 30 * 60_000).toISOString();
      expect((await post({ serviceId: cat.massage.id, start: offGrid })).body.error).to.equal('slot_not_offered');
      expect((await post({ serviceId: cat.massage.id, start: new Date(Date.now() + 5 * 60_000).toISOString() })).status).to.equal(422); // inside the notice
      expect((await post({ serviceId: cat.massage.id, start: new Date(Date.now() + 90 * 24 * 3_600_000).toISOString() })).status).to.equal(422); // beyond 60 days
      expect((await post({ serviceId: 'svc_doesnotexist1', start: w[0]!.start })).status).to.equal(404);
      expect((await post({ serviceId: cat.massage.id, start: 'next tuesday' })).status).to.equal(400);
      expect((await post({ serviceId: cat.massage.id, start: w[0]!.start, price: 0 })).status).to.equal(400);
      expect((await post({ serviceId: cat.massage.id, start: w[0]!.start, resourceId: night.id })).status).to.equal(404);
      expect((await call('GET', `${apiUrl(t)}/bookings?view=upcoming&cursor=%27%3B--`, ada.token)).status).to.equal(400);
      // Shaped as a cursor, at a time past what a database date holds (it was sent on, and answered 500).
      expect((await call('GET', `${apiUrl(t)}/bookings?cursor=999999999999999_bk_aaaaaaaaaaaa`, ada.token)).status).to.equal(400);
      expect((await call('GET', `${apiUrl(t)}/bookings?view=upcoming`, ada.token)).body.items).to.deep.equal([]);
      const readOnly = await customerToken(s, app, { scope: 'bookings' });
      expect((await call('POST', `${apiUrl(t)}/bookings`, readOnly.token, { serviceId: cat.massage.id, start: w[0]!.start })).status).to.equal(403);
    });

    it('pages upcoming bookings with a cursor', async () => {
      const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
      const free = (await slots(anytime.id, ada.token, apiUrl(t))).slice(-5);
      for (const x of free)
        expect((await call('POST', `${apiUrl(t)}/bookings`, ada.token, { serviceId: anytime.id, start: x.start })).status).to.equal(201);
      const seen: string[] = [];
      let cursor = '';
      for (let i = 0; i < 3; i++) {
        const res = await call('GET', `${apiUrl(t)}/bookings?view=upcoming&limit=2${cursor ? `&cursor=${cursor}` : ''}`, ada.token);
        seen.push(...res.body.items.map((b: { start: string }) => b.start));
        cursor = res.body.next;
      }
      expect(seen).to.deep.equal(free.map((x) => x.start));
      expect(cursor).to.equal(undefined);
    });
  });

  it("keeps each organisation's bookings to itself: another organisation's customers and staff get 404", async () => {
    const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
    const slot = (await slots(anytime.id, ada.token, apiUrl(t))).at(-7)!;
    const mine = await call('POST', `${apiUrl(t)}/bookings`, ada.token, { serviceId: anytime.id, start: slot.start });
    expect(mine.status).to.equal(201);
    const u = await makeOrg(s);
    const uApp = await makeClient(s, u);
    const uAdmin = await adminToken(s, u, 'owner');
    const stranger = await customerToken(s, uApp, { scope: BOOKING_SCOPES });
    const id = mine.body.id;
    for (const [method, path] of [
      ['GET', `bookings/${id}`],
      ['GET', `bookings/${id}/calendar.ics`],
      ['POST', `bookings/${id}/cancel`],
    ] as const) {
      expect((await call(method, `${apiUrl(u)}/${path}`, stranger.token)).status, path).to.equal(404);
      expect((await call(method, `${adminUrl(u)}/${path}`, uAdmin)).status, path).to.equal(404);
    }
    expect((await call('GET', `${adminUrl(u)}/services/${anytime.id}`, uAdmin)).status).to.equal(404);
    expect(
      (await call('GET', `${adminUrl(u)}/availability?service=${anytime.id}&from=${slot.start.slice(0, 10)}&to=${slot.start.slice(0, 10)}`, uAdmin))
        .status,
    ).to.equal(404);
    // Another customer of the same organisation cannot see it either.
    const bob = await customerToken(s, app, { scope: BOOKING_SCOPES });
    expect((await call('GET', `${apiUrl(t)}/bookings/${id}`, bob.token)).status).to.equal(404);
    // A token of organisation A is refused by B's APIs.
    expect((await call('GET', `${apiUrl(u)}/bookings`, ada.token)).status).to.equal(401);
    expect((await call('GET', `${apiUrl(t)}/bookings/${id}`, ada.token)).body.status).to.equal('confirmed');
  });
});

describe('Live updates (server-sent events)', function () {
  this.timeout(60_000);

  it("pushes a customer's own bookings in full, others' only as availability, everything to staff, and replays what a reconnect missed", async () => {
    const s = await stack();
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    const admin = await adminToken(s, t, 'staff');
    const cat = await seedCatalogue(t, await adminToken(s, t, 'admin'));
    const ada = await customerToken(s, app, { scope: BOOKING_SCOPES });
    const bob = await customerToken(s, app, { scope: BOOKING_SCOPES });
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const staffStream = await openStream(`${adminUrl(t)}/events`, auth(admin));
    const adaStream = await openStream(`${apiUrl(t)}/events`, auth(ada.token));
    const bobStream = await openStream(`${apiUrl(t)}/events`, auth(bob.token));
    try {
      expect(adaStream.status).to.equal(200);
      expect(adaStream.type).to.match(/^text\/event-stream/);
      const today = localAt(Date.now(), 'Europe/London').date;
      const avail = await call('GET', `${apiUrl(t)}/availability?service=${cat.massage.id}&from=${today}&to=${addDays(today, 6)}`, ada.token);
      const slot = avail.body.days.flatMap((d: { slots: Slot[] }) => d.slots).at(-1) as Slot;
      const made = await call('POST', `${apiUrl(t)}/bookings`, ada.token, { serviceId: cat.massage.id, start: slot.start });
      expect(made.status).to.equal(201);

      const own = await adaStream.next((m) => m.event === 'booking');
      expect(own.data.type).to.equal('booking.created');
      expect(own.data.booking).to.deep.equal(made.body);
      const others = await bobStream.next((m) => m.event === 'availability');
      expect(others.data).to.deep.equal({ resourceId: made.body.resource.id, start: made.body.start, end: made.body.end });
      expect(bobStream.messages.some((m) => m.event === 'booking')).to.equal(false);
      const staff = await staffStream.next((m) => m.event === 'booking');
      expect(staff.data.booking).to.deep.include({ id: made.body.id, customer: { id: ada.tokens.claims()!.sub, email: ada.email } });

      // Bob reconnects after missing a cancellation: Last-Event-ID brings it back.
      await bobStream.close();
      await call('POST', `${apiUrl(t)}/bookings/${made.body.id}/cancel`, ada.token);
      const again = await openStream(`${apiUrl(t)}/events`, { ...auth(bob.token), 'last-event-id': others.id! });
      const missed = await again.next((m) => m.event === 'availability');
      expect(Number(missed.id)).to.equal(Number(others.id) + 1);
      await again.close();
      expect((await adaStream.next((m) => m.data?.type === 'booking.cancelled')).data.booking.status).to.equal('cancelled');
    } finally {
      await Promise.all([staffStream.close(), adaStream.close(), bobStream.close()]);
    }
    const noScope = await customerToken(s, app, { scope: 'profile:write' }); // a scope the stream serves nothing of
    expect((await call('GET', `${apiUrl(t)}/events`, noScope.token)).status).to.equal(403);
  });
});
