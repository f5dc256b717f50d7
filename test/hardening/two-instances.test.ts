// Two Portico processes on one database, as behind a load balancer: whatever one instance learns (a session, its
// refreshed tokens, a booking, a sign-out) the other acts on at once, because nothing but the database is shared.
import { expect } from 'chai';
import { addDays, localAt } from '../../portal/api/availability/zoned.ts';
import { adminToken } from '../support/api.ts';
import { formAction, type Browser } from '../support/browser.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import { json } from '../support/http.ts';
import { makeOrg } from '../support/oidc.ts';
import { portalSignIn, portalUrl, storedPortalSession } from '../support/portal.ts';
import { openStream } from '../support/sse.ts';
import { secondInstance, stack } from '../support/stack.ts';

describe('Two instances on one database', function () {
  this.timeout(120_000);

  it('signs in on A, refreshes and calls on B, streams bookings made on either to both, and signs out of both at once', async () => {
    const s = await stack();
    const t = await makeOrg(s);
    const cat = await seedCatalogue(t, await adminToken(s, t, 'admin'));
    const b = await secondInstance(s);
    try {
      const { browser, email } = await portalSignIn(s, t.issuer); // on A
      const path = new URL(portalUrl(t.issuer)).pathname;
      const on = (base: string) => ({
        get: (p: string) => browser.request(`${base}${path}${p}`, { headers: { accept: 'application/json' } }),
        post: (p: string, json?: unknown) =>
          browser.request(`${base}${path}${p}`, {
            method: 'POST',
            json,
            headers: { 'x-portico-csrf': '1', 'sec-fetch-site': 'same-origin', accept: 'application/json' },
          }),
      });
      const A = on(s.baseUrl);
      const B = on(b.baseUrl);

      // The session cookie set by A opens the portal on B; B refreshes the tokens, and A goes on with B's.
      const stored = await storedPortalSession(s, browser, t.issuer);
      const before = await stored.expireAccessToken();
      const profile = await B.get('/bff/api/profile');
      expect(profile.status).to.equal(200);
      expect((await json(profile)).email).to.equal(email);
      expect((await stored.tokens())!.refreshToken, 'B refreshed (the token rotated)').to.not.equal(before);
      expect((await A.get('/bff/api/profile')).status, 'A uses the tokens B refreshed').to.equal(200);
      expect((await browser.request(`${b.baseUrl}${path}`)).status, "B serves the portal's page").to.equal(200);

      // Live updates through each instance's BFF see a booking made through either.
      const streams = await Promise.all(
        [s.baseUrl, b.baseUrl].map(async (base) => openStream(`${base}${path}/bff/api/events`, await streamHeaders(browser, base, path))),
      );
      try {
        expect(streams.map((st) => st.status)).to.deep.equal([200, 200]);
        const today = localAt(Date.now(), 'Europe/London').date;
        const week = await json(A.get(`/bff/api/availability?service=${cat.massage.id}&from=${today}&to=${addDays(today, 6)}`));
        const starts = (week.days as { slots: { start: string }[] }[]).flatMap((d) => d.slots.map((x) => x.start));
        const made = [];
        for (const [via, start] of [
          [A, starts.at(-1)],
          [B, starts.at(-3)],
        ] as const) {
          const res = await via.post('/bff/api/bookings', { serviceId: cat.massage.id, start });
          expect(res.status).to.equal(201);
          made.push((await json(res)) as { id: string });
        }
        for (const [i, st] of streams.entries()) {
          for (const booking of made) {
            const seen = await st.next((m) => m.event === 'booking' && m.data.booking.id === booking.id);
            expect(seen.data.type, `stream on ${i ? 'B' : 'A'}`).to.equal('booking.created');
          }
        }
      } finally {
        await Promise.all(streams.map((st) => st.close()));
      }

      // Signing out on B ends the session on A too: A's next request with the same cookie (kept, as another tab or a
      // replayed request would) is signed out.
      const kept = await streamHeaders(browser, s.baseUrl, path);
      expect(kept.cookie).to.contain('portico_portal=');
      const live = await openStream(`${s.baseUrl}${path}/bff/api/events`, kept); // open on A across the sign-out
      expect(live.status).to.equal(200);
      const out = await B.post('/logout');
      expect(out.status).to.equal(303);
      const api = await fetch(`${s.baseUrl}${path}/bff/api/profile`, { headers: { ...kept, accept: 'application/json' } });
      expect(api.status, "A's API proxy").to.equal(401);
      const page = await fetch(`${s.baseUrl}${path}`, { headers: kept, redirect: 'manual' });
      expect(page.status, "A's portal page sends to sign in").to.equal(302);
      expect(page.headers.get('location')).to.match(new RegExp(`^${path}/login`));
      const stream = await fetch(`${s.baseUrl}${path}/bff/api/events`, { headers: { ...kept, accept: 'text/event-stream' } });
      expect(stream.status, "A's event stream").to.equal(401);
      await live.ended; // A's open stream ends too, rather than run on to the access token's expiry (15 minutes)
      // The identity provider's session ends on B too (RP-initiated logout), so A's sign-in asks for a code again.
      const confirm = await browser.follow(new URL(out.headers.get('location')!.replace(s.baseUrl, b.baseUrl)), b.baseUrl);
      const html = await confirm.res!.text();
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
      await browser.post(new URL(formAction(html, '/session/end/confirm'), b.baseUrl), { xsrf, logout: 'yes' });
      const again = await browser.follow(`${s.baseUrl}${path}`, s.baseUrl);
      expect(await again.res!.text()).to.contain('name="email"');
    } finally {
      await b.stop();
    }
  });
});

/** What the browser sends with an event stream request to the portal at `base`: its cookies, address and agent. */
async function streamHeaders(browser: Browser, base: string, path: string): Promise<Record<string, string>> {
  const cookie = await browser.jar.getCookieString(`${base}${path}/bff/api/events`);
  return { ...(cookie ? { cookie } : {}), 'x-forwarded-for': browser.ip, 'user-agent': browser.userAgent };
}
