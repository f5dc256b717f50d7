// Real faults, injected into real processes: the database stopped in the middle of a sign-in and started again, the
// mail server down, an instance killed (SIGKILL) while bookings are being made, event streams cut. Each test says
// what a customer sees meanwhile and checks that nothing is lost or doubled afterwards. Every fault runs against
// processes of its own (./fault-rig.ts), so the shared stack never notices.
import { expect } from 'chai';
import mongoose from 'mongoose';
import * as oidc from 'openid-client';
import { CustomerModel } from '../../idp/customers/model.ts';
import { BookingModel } from '../../portal/api/bookings/model.ts';
import { ensureCustomer } from '../../idp/customers/service.ts';
import { addDays, localAt } from '../../portal/api/availability/zoned.ts';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { Browser, formAction } from '../support/browser.ts';
import { Mailbox } from '../support/mailbox.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import { authorizationRequest, makeOrg, openSignIn, relyingParty, requestCode, submitCode, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { openStream, type SseMessage } from '../support/sse.ts';
import { stack, type Stack } from '../support/stack.ts';
import { cleanUpRig, fault, faults, instance, ownDatabase, porticoJson, uniqueSlug, until, type Instance } from './fault-rig.ts';

/** What a person must never see on a page: a stack trace or an engine's error name. */
const NO_INTERNALS = /\bat [\w.<>]+ \(|node_modules|Mongo\w*Error|ECONNREFUSED|server_error/;

describe('Faults: injected into real processes, survived', function () {
  this.timeout(240_000);
  let s: Stack;

  before(async () => {
    s = await stack();
  });

  after(async () => {
    await cleanUpRig();
    console.log(`      faults injected: ${faults.injected}, survived: ${faults.survived} (${faults.kinds.join(', ')})`);
  });

  /** An organisation and a first-party app of `server`'s, made as an operator would (the CLI, on its database). */
  async function appOf(server: Instance) {
    const slug = uniqueSlug();
    await porticoJson(server.env, 'org', 'create', '--slug', slug, '--name', 'Harbour Day Spa');
    const registered = await porticoJson<{ clientId: string; clientSecret: string }>(
      server.env,
      'client',
      'create',
      '--org',
      slug,
      '--name',
      'Spa app',
      '--redirect-uri',
      'http://localhost:8080/callback',
      '--first-party',
    );
    const issuer = `${server.baseUrl}/${slug}`;
    return {
      issuer,
      client: {
        clientId: registered.clientId,
        clientSecret: registered.clientSecret,
        redirectUri: 'http://localhost:8080/callback',
        config: await relyingParty(issuer, registered.clientId, registered.clientSecret),
      },
    };
  }

  it('the database stopped mid-sign-in: 503 with Retry-After meanwhile, unready, and the customer finishes once it is back', async () => {
    const db = await ownDatabase();
    const mailbox = new Mailbox();
    await mailbox.start();
    try {
      const server = await instance(s, { MONGODB_URI: db.uri, SMTP_URL: `smtp://127.0.0.1:${mailbox.port}` });
      const { issuer, client } = await appOf(server);
      const site = { baseUrl: server.baseUrl, mailbox };
      const browser = new Browser();
      const email = uniqueEmail('dbdown');
      const auth = await authorizationRequest(client);
      const { page: codePage, code } = await requestCode(site, browser, await openSignIn(site, browser, auth), email);

      await fault('database stopped mid-sign-in', async () => {
        await db.stop();
        // A load balancer stops sending traffic here...
        const ready = await until('/readyz to say unavailable', async () => {
          const res = await fetch(`${server.baseUrl}/readyz`);
          return res.status === 503 && res.json();
        });
        expect(ready).to.deep.equal({ status: 'unavailable', database: 'down' });
        // ...and whoever still arrives is told to come back: the code form (our pages), a new sign-in (oidc-provider's
        // pages) and a token request (oidc-provider's JSON), each a 503 with Retry-After, never a 500.
        const [codeRes, again, token] = await Promise.all([
          browser.post(new URL(formAction(codePage.html, '/code'), server.baseUrl), { code }),
          new Browser().get((await authorizationRequest(client)).url),
          fetch(`${issuer}/token`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
              accept: 'application/json',
            },
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code: 'not-a-code',
              redirect_uri: client.redirectUri,
              code_verifier: auth.verifier,
            }),
          }),
        ]);
        for (const [res, what] of [
          [codeRes, 'the code form'],
          [again, 'a new sign-in'],
        ] as const) {
          const html = await res.text();
          expect(res.status, `${what}: ${html}`).to.equal(503);
          expect(res.headers.get('retry-after'), what).to.match(/^\d+$/);
          expect(html, what).to.contain('Temporarily unavailable').and.contain('try again in a moment').and.not.match(NO_INTERNALS);
        }
        expect(token.status).to.equal(503);
        expect(token.headers.get('retry-after')).to.match(/^\d+$/);
        expect(await token.json()).to.include({ error: 'temporarily_unavailable' });

        // The database comes back on the same files and port; the same process recovers on its own.
        await db.start();
        await until('/readyz to say ready', async () => (await fetch(`${server.baseUrl}/readyz`)).ok);
        // The customer sends the same code again from the same page, and is signed in: nothing to start over.
        const done = await until('the code to be accepted', async () => {
          const r = await submitCode(site, browser, codePage, code);
          if (r.status === 503) return undefined; // still coming back (the pool reconnecting): ask again
          return r;
        });
        expect(done.url, done.html).to.match(/^http:\/\/localhost:8080\/callback\?/);
        const tokens = await oidc.authorizationCodeGrant(client.config, new URL(done.url!), {
          pkceCodeVerifier: auth.verifier,
          expectedState: auth.state,
        });
        expect(tokens.claims()!.email).to.equal(email);
      });
      expect(server.output()).to.not.match(/"level":"error"/);
    } finally {
      await mailbox.stop();
    }
  });

  it('the mail server down: the sign-in page says no code was sent, nothing is spent, and the same sign-in goes on once it is back', async () => {
    const mailbox = new Mailbox();
    await mailbox.start();
    const port = mailbox.port;
    try {
      const server = await instance(s, { SMTP_URL: `smtp://127.0.0.1:${port}` });
      const { client } = await appOf(server);
      const site = { baseUrl: server.baseUrl, mailbox };
      const browser = new Browser();
      const email = uniqueEmail('smtpdown');
      const auth = await authorizationRequest(client);
      const page = await openSignIn(site, browser, auth);

      await fault('mail server down mid-sign-in', async () => {
        await mailbox.stop();
        for (let attempt = 0; attempt < 2; attempt++) {
          const res = await browser.post(new URL(formAction(page.html, '/email'), server.baseUrl), { email });
          const html = await res.text();
          expect(res.status, html).to.equal(503);
          expect(res.headers.get('retry-after')).to.match(/^\d+$/);
          expect(html).to.contain('We cannot send email right now, so no code was sent').and.contain(`value="${email}"`).and.not.match(NO_INTERNALS);
        }
        expect(mailbox.to(email)).to.have.length(0);
        await mailbox.start(port); // back, on the same address
        // The same sign-in asks again and gets its code at once: the refused tries spent no send and no cool-down
        // (a spent one would be refused for 30 seconds).
        const { page: codePage, code } = await requestCode(site, browser, page, email);
        const done = await submitCode(site, browser, codePage, code);
        expect(done.url, done.html).to.match(/^http:\/\/localhost:8080\/callback\?/);
        const tokens = await oidc.authorizationCodeGrant(client.config, new URL(done.url!), {
          pkceCodeVerifier: auth.verifier,
          expectedState: auth.state,
        });
        expect(tokens.claims()!.email).to.equal(email);
      });
      expect(server.output()).to.not.match(/"level":"error"/);
    } finally {
      await mailbox.stop();
    }
  });

  describe('two instances on one database', () => {
    let t: TestOrg;
    let admin: string;
    let cat: Awaited<ReturnType<typeof seedCatalogue>>;
    let customerId: string;
    const ZONE = 'Europe/London'; // the test catalogue's location
    /** An instance serving the shared stack's issuer on the shared database, as one behind a load balancer would. */
    const sibling = () => instance(s, { PUBLIC_URL: s.env.PUBLIC_URL! });
    const at = (i: Instance) => `${i.baseUrl}/${t.org.slug}/admin/v1`;

    before(async () => {
      t = await makeOrg(s);
      admin = await adminToken(s, t, 'admin');
      cat = await seedCatalogue(t, admin);
      const email = uniqueEmail('faults');
      await ensureCustomer(t.org._id, email);
      customerId = (await CustomerModel.findOne({ org: t.org._id, email }).lean())!._id;
    });

    /** Free starts of `service` (on `resource`) over the days from `days` ahead, as the shared instance offers them. */
    async function starts(service: { id: string }, days: number, count: number, resource?: string): Promise<string[]> {
      const from = addDays(localAt(Date.now(), ZONE).date, days);
      const res = await call(
        'GET',
        `${adminUrl(t)}/availability?service=${service.id}&from=${from}&to=${addDays(from, 6)}${resource ? `&resource=${resource}` : ''}`,
        admin,
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const all = (res.body.days as { slots: { start: string }[] }[]).flatMap((d) => d.slots.map((x) => x.start));
      expect(all.length).to.be.at.least(count);
      return all.slice(0, count);
    }
    const book = (base: string, serviceId: string, start: string, resourceId?: string) =>
      call('POST', `${base}/bookings`, admin, { serviceId, start, customerId, ...(resourceId ? { resourceId } : {}) });

    it('event streams resume from Last-Event-ID, after a disconnect and after their instance is killed: every booking once, in order', async () => {
      const [a, b] = await Promise.all([sibling(), sibling()]);
      const slots = await starts(cat.yoga, 10, 18);
      const made: string[] = [];
      const bookOn = async (i: Instance, start: string) => {
        const res = await book(at(i), cat.yoga.id, start);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        made.push(res.body.id);
      };
      const received: SseMessage[] = [];
      const bookingsIn = (stream: Awaited<ReturnType<typeof openStream>>) => stream.messages.filter((m) => m.event === 'booking');
      const open = (i: Instance) =>
        openStream(`${at(i)}/events`, { authorization: `Bearer ${admin}`, ...(received.length ? { 'last-event-id': received.at(-1)!.id! } : {}) });
      /** Waits until the stream has brought every booking made so far, then keeps what it brought. */
      const drain = async (stream: Awaited<ReturnType<typeof openStream>>) => {
        await until('every booking on the stream', () => bookingsIn(stream).length + received.length >= made.length);
        received.push(...bookingsIn(stream));
      };

      let stream = await open(a);
      for (const start of slots.slice(0, 3)) await bookOn(b, start);
      await until('the first bookings on the stream', () => bookingsIn(stream).length >= 3);

      await fault('event stream client disconnected', async () => {
        received.push(...bookingsIn(stream));
        await stream.close();
        for (const start of slots.slice(3, 6)) await bookOn(b, start); // made while the client is away
        stream = await open(a);
        for (const start of slots.slice(6, 8)) await bookOn(b, start);
        await drain(stream);
      });

      await fault('instance serving an event stream killed', async () => {
        const stream2 = await open(a);
        const inFlight = (async () => {
          for (const start of slots.slice(8, 18)) await bookOn(b, start);
        })();
        await until('a booking made during the kill on the stream', () => bookingsIn(stream2).length >= 1);
        await a.kill(); // SIGKILL: no reconnect hint, the connection just drops
        received.push(...bookingsIn(stream2));
        await stream2.close();
        await inFlight;
        stream = await open(b); // the browser's EventSource reconnects, through the load balancer, to the survivor
        await drain(stream);
      });
      await stream.close();

      const ids = received.map((m) => m.data.booking.id as string);
      expect(new Set(ids).size, 'no booking twice').to.equal(ids.length);
      expect([...ids].sort()).to.deep.equal([...made].sort());
      const seqs = received.map((m) => Number(m.id));
      expect(seqs, 'in order').to.deep.equal([...seqs].sort((x, y) => x - y));
      await b.stop();
    });

    it('an instance killed mid-booking: no time booked twice, no hold without its booking, every free time bookable again', async () => {
      const [a, b] = await Promise.all([sibling(), sibling()]);
      const therapist = cat.therapists[1].id;
      // Every other hourly start of a 75-minute busy time (massage and buffer), so no two overlap: the first three
      // wanted on both instances, the last three only on the one killed (what it leaves open, nobody else takes).
      const slots = (await starts(cat.massage, 20, 12, therapist)).filter((_, i) => i % 2 === 0);
      const contended = slots.slice(0, 3);
      const mine = { org: t.org._id, resourceId: therapist, status: 'confirmed' };
      const answers = await fault('instance killed mid-booking', async () => {
        const onA = slots.flatMap((start) =>
          [book(at(a), cat.massage.id, start, therapist), book(at(a), cat.massage.id, start, therapist)].map((p) => p.catch(() => undefined)),
        );
        const onB = contended.flatMap((start) => [book(at(b), cat.massage.id, start, therapist), book(at(b), cat.massage.id, start, therapist)]);
        await until('the first booking to commit', async () => (await BookingModel.countDocuments(mine)) > 0);
        await a.kill();
        await Promise.allSettled(onA); // cut off: their callers never hear back
        return Promise.all(onB);
      });
      // Taken, refused as taken, or (while a transaction the killed instance left open still holds the time) told to
      // try again: never a 500.
      for (const r of answers) {
        expect(r.status, `${JSON.stringify(r.body)}\n${b.output()}`).to.be.oneOf([201, 409, 503]);
        if (r.status === 503) expect(r.headers.get('retry-after')).to.match(/^\d+$/);
      }
      const tally = (status: number) => answers.filter((r) => r.status === status).length;
      console.log(`      the survivor answered: ${tally(201)} booked, ${tally(409)} taken, ${tally(503)} try again`);

      const booked = await BookingModel.find(mine).sort({ busyStart: 1 }).lean();
      expect(booked.length).to.be.at.least(1);
      for (let i = 1; i < booked.length; i++) {
        expect(booked[i]!.busyStart.getTime(), `${booked[i - 1]!._id} and ${booked[i]!._id} overlap`).to.be.at.least(
          booked[i - 1]!.busyEnd.getTime(),
        );
      }
      // Holds: each sitting counts exactly its confirmed bookings, and every 5-minute block belongs to one of them.
      const db = mongoose.connection.db!;
      const sittings = await db.collection<{ _id: string; seats: number }>('booking_sittings').find({ org: t.org._id }).toArray();
      const blocks = await db
        .collection<{ _id: string; sitting: string }>('booking_blocks')
        .find({ org: t.org._id, resourceId: therapist })
        .toArray();
      const sessions = new Set(booked.map((x) => x.session));
      for (const sitting of sittings.filter((x) => x._id.includes(therapist))) {
        const session = sitting._id.slice(t.org._id.length + 1);
        expect(sitting.seats, `sitting ${session}`).to.equal(booked.filter((x) => x.session === session).length);
      }
      for (const block of blocks) expect(sessions.has(block.sitting), `block ${block._id} held for no booking`).to.equal(true);

      // Every time left free is offered and can be booked (on the survivor), now or once an abandoned transaction of
      // the killed instance has expired.
      const BUSY_MS = 75 * 60_000;
      const taken = booked.map((x) => [x.busyStart.getTime(), x.busyEnd.getTime()] as const);
      let rebooked = 0;
      for (const start of slots.map(Date.parse)) {
        if (taken.some(([from, to]) => from < start + BUSY_MS && to > start)) continue;
        const res = await until(
          `${new Date(start).toISOString()} to be bookable again`,
          async () => {
            const r = await book(at(b), cat.massage.id, new Date(start).toISOString(), therapist);
            expect(r.status, JSON.stringify(r.body)).to.be.oneOf([201, 503]);
            return r.status === 201 && r;
          },
          120_000,
        );
        expect(res.body.resource.id).to.equal(therapist);
        taken.push([start, start + BUSY_MS]);
        rebooked++;
      }
      console.log(`      ${booked.length} bookings survived the kill; ${rebooked} times left free were booked again`);
      await b.stop();
    });
  });
});
