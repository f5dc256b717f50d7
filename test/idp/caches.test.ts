// Each server instance keeps organisations, client registrations and key rings in memory; a change made through one
// instance must apply on another by its next request. Two processes on one database, as behind a load balancer:
// the second has each record in memory before the change is made through the first.
import { expect } from 'chai';
import { decodeProtectedHeader } from 'jose';
import { ClientModel } from '../../idp/clients/model.ts';
import { type Change, ChangeFeed } from '../../lib/changes.ts';
import { FeedCache } from '../../lib/feed-cache.ts';
import { createLogger } from '../../lib/log.ts';
import { OrgCache } from '../../lib/org-cache.ts';
import { rotateKeys } from '../../idp/organisations/service.ts';
import { OrganisationModel } from '../../idp/organisations/model.ts';
import mongoose from 'mongoose';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { create, everyDay } from '../support/catalogue.ts';
import { Browser } from '../support/browser.ts';
import { makeClient, makeOrg, type TestOrg } from '../support/oidc.ts';
import { secondInstance, stack, type Stack } from '../support/stack.ts';

/** How soon the other instance must see a change (the change stream's delivery, with room for a busy machine). */
const DEADLINE_MS = 2000;
const REDIRECT = 'http://localhost:8080/callback';

/** Waits until `check` holds, answering how long that took; fails once DEADLINE_MS have passed. */
async function within(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > DEADLINE_MS) expect.fail(`${what}: not seen within ${DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a change made through one instance applies on every instance', function () {
  this.timeout(60_000);
  let s: Stack;
  let t: TestOrg;
  let owner: string;
  let other: Awaited<ReturnType<typeof secondInstance>>;

  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    owner = await adminToken(s, t, 'owner');
    other = await secondInstance(s);
  });
  after(() => other?.stop());

  /** A client_credentials request to the second instance: the access token, or the OAuth error. */
  const tokenThere = async (clientId: string, secret: string) => {
    const res = await fetch(`${other.baseUrl}/${t.org.slug}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${t.issuer}/api` }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; error?: string };
    return { status: res.status, token: body.access_token, error: body.error };
  };
  const register = async (input: Record<string, unknown>) => {
    const res = await call('POST', `${adminUrl(t)}/clients`, owner, input);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { clientId: string; clientSecret: string };
  };
  const machine = () => register({ name: 'Sync', kind: 'machine', scopes: [] });

  it("takes a secret rotated on the first instance at the second's token endpoint", async () => {
    const app = await machine();
    expect((await tokenThere(app.clientId, app.clientSecret)).status).to.equal(200);
    const rotated = await call('POST', `${adminUrl(t)}/clients/${app.clientId}/secret`, owner);
    expect(rotated.status).to.equal(200);
    await within('the old secret refused', async () => (await tokenThere(app.clientId, app.clientSecret)).error === 'invalid_client');
    expect((await tokenThere(app.clientId, rotated.body.clientSecret)).status).to.equal(200);
  });

  it('stops a deleted app, and takes it again once its registration is back', async () => {
    const app = await machine();
    expect((await tokenThere(app.clientId, app.clientSecret)).status).to.equal(200);
    const registration = await ClientModel.findOne({ org: t.org._id, clientId: app.clientId }).lean();
    expect((await call('DELETE', `${adminUrl(t)}/clients/${app.clientId}`, owner)).status).to.equal(204);
    await within('the deleted app refused', async () => (await tokenThere(app.clientId, app.clientSecret)).error === 'invalid_client');
    // The second instance now knows the id as unknown; a registration appearing under it must end that.
    await ClientModel.create(registration);
    await within('the app back', async () => (await tokenThere(app.clientId, app.clientSecret)).status === 200);
  });

  it('applies an edited redirect URI to authorization requests', async () => {
    const app = await register({ name: 'Booker', redirectUris: [REDIRECT] });
    const authorize = async () => {
      const url = new URL(`${other.baseUrl}/${t.org.slug}/auth`);
      url.search = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      await res.body?.cancel();
      return res.status;
    };
    expect(await authorize()).to.equal(303); // on to the sign-in page
    const edited = await call('PATCH', `${adminUrl(t)}/clients/${app.clientId}`, owner, { redirectUris: ['https://booker.example.com/cb'] });
    expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
    await within('the old redirect URI refused', async () => (await authorize()) === 400);
  });

  it("ends a deleted machine client's Admin API access", async () => {
    const robot = await register({ name: 'Back office', kind: 'machine', scopes: [], adminRole: 'staff' });
    const res = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${robot.clientId}:${robot.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${t.issuer}/admin`, scope: 'admin' }).toString(),
    });
    const token = ((await res.json()) as { access_token: string }).access_token;
    const me = async () => (await call('GET', `${other.adminUrl(t)}/me`, token)).status;
    expect(await me()).to.equal(200);
    expect((await call('DELETE', `${adminUrl(t)}/clients/${robot.clientId}`, owner)).status).to.equal(204);
    await within('the deleted client refused', async () => (await me()) === 401); // revoked: its registration is gone
  });

  it('signs with the new key once keys are rotated', async () => {
    const app = await makeClient(s, t, { kind: 'machine' });
    const kid = async () => decodeProtectedHeader((await tokenThere(app.clientId, app.clientSecret!)).token!).kid;
    const before = await kid();
    const rotated = await rotateKeys(s.app.secrets, t.org.slug);
    const promoted = rotated.keys.find((k) => k.status === 'current' && k.alg === 'ES256')!.kid;
    expect(promoted).to.not.equal(before);
    await within('the promoted key signing', async () => (await kid()) === promoted);
    const published = (await (await fetch(`${other.baseUrl}/${t.org.slug}/jwks`)).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).to.include(before);
  });

  it("shows a renamed organisation's new name on its sign-in pages", async () => {
    const app = await makeClient(s, t);
    const page = async () => {
      const url = new URL(`${other.baseUrl}/${t.org.slug}/auth`);
      url.search = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: app.redirectUri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      }).toString();
      const { res } = await new Browser().follow(url, other.baseUrl);
      return res!.text();
    };
    expect(await page()).to.contain(t.org.name);
    await OrganisationModel.updateOne({ _id: t.org._id }, { $set: { name: 'Quayside Wellness' } });
    await within('the new name shown', async () => (await page()).includes('Quayside Wellness'));
  });

  it("answers availability from the organisation's catalogue as it is now: a change through the API at once, a change or booking from elsewhere once the feed reports it", async () => {
    const location = await create(t, owner, 'locations', { name: 'Pop-up', timeZone: 'UTC' });
    const desk = await create(t, owner, 'resources', {
      name: 'Desk',
      kind: 'room',
      locationId: location.id,
      weeklyHours: everyDay('10:00', '12:00'),
    });
    const service = await create(t, owner, 'services', {
      name: 'Hour',
      durationMinutes: 60,
      intervalMinutes: 60,
      price: { amount: 0, currency: 'GBP' },
      resourceIds: [desk.id],
      locationId: location.id,
      minNoticeMinutes: 0,
    });
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const starts = async () =>
      JSON.stringify(
        (await call('GET', `${adminUrl(t)}/availability?service=${service.id}&from=${day}&to=${day}`, owner)).body.days[0].slots.map(
          (x: { local: string }) => x.local,
        ),
      );
    expect(await starts()).to.equal('["10:00","11:00"]');
    expect((await call('PATCH', `${adminUrl(t)}/resources/${desk.id}`, owner, { weeklyHours: everyDay('14:00', '15:00') })).status).to.equal(200);
    expect(await starts(), 'at once, on the instance that made the change').to.equal('["14:00"]');
    // Straight through the driver, as another process would: only the change feed can tell this process.
    const db = mongoose.connection.getClient().db(mongoose.connection.db!.databaseName);
    await db.collection('resources').updateOne({ _id: desk.id, org: t.org._id }, { $set: { weeklyHours: everyDay('16:00', '18:00') } });
    await within('the hours changed elsewhere', async () => (await starts()) === '["16:00","17:00"]');
    // And a booking made elsewhere (the booking and its sitting, as every booking is) takes its time out of the days
    // already answered.
    const at = new Date(`${day}T16:00:00Z`);
    const session = `${service.id}|${desk.id}|${at.getTime()}`;
    const docs = (name: string) => db.collection<{ _id: string; [field: string]: unknown }>(name);
    await docs('bookings').insertOne({
      _id: 'bk_elsewhere',
      org: t.org._id,
      status: 'confirmed',
      resourceId: desk.id,
      busyStart: at,
      busyEnd: new Date(at.getTime() + 3_600_000),
      session,
    });
    await docs('booking_sittings').insertOne({
      _id: `${t.org._id}|${session}`,
      org: t.org._id,
      seats: 1,
      expiresAt: new Date(at.getTime() + 86_400_000),
    });
    await within('the booking made elsewhere', async () => (await starts()) === '["17:00"]');
  });
});

describe('the change feed (lib/changes.ts)', () => {
  it('carries only the operations a listener asks for, and every operation of the other collections', async () => {
    await stack();
    const feed = new ChangeFeed(
      () => mongoose.connection.db!,
      createLogger('warn', {}, () => {}),
    );
    const only = `feed_only_${Date.now()}`;
    const every = `feed_every_${Date.now()}`;
    const heard: string[] = [];
    feed.on(only, (c) => heard.push(`${only}:${c.operationType}`), ['delete']);
    feed.on(every, (c) => heard.push(`${every}:${c.operationType}`));
    await feed.start();
    try {
      const db = mongoose.connection.db!;
      await db.collection(only).insertOne({ _id: 'x' as never, n: 1 });
      await db.collection(only).updateOne({ _id: 'x' as never }, { $set: { n: 2 } });
      await db.collection(only).deleteOne({ _id: 'x' as never });
      await db.collection(every).insertOne({ _id: 'y' as never });
      await db.collection(every).deleteOne({ _id: 'y' as never });
      for (let i = 0; heard.length < 3 && i < 200; i++) await new Promise((r) => setTimeout(r, 25));
      expect(heard).to.deep.equal([`${only}:delete`, `${every}:insert`, `${every}:delete`]);
    } finally {
      await feed.close();
    }
  });
});

describe('the in-process cache behind them (lib/feed-cache.ts)', () => {
  type Doc = { _id: string; slug: string };
  /** A cache over a feed the test drives, counting loads per key. */
  function cache() {
    const listeners: ((c: Change) => void)[] = [];
    const feed = {
      on: (_c: string, l: (c: Change) => void) => listeners.push(l),
      onReset: () => {},
      running: async () => true,
    } as unknown as ChangeFeed;
    const c = new FeedCache<Doc>(feed, 'test_cache_docs', (d) => (typeof d.slug === 'string' ? [d.slug] : []));
    const loads = new Map<string, number>();
    const get = (key: string, value: Doc | null = null) =>
      c.get(key, async () => {
        loads.set(key, (loads.get(key) ?? 0) + 1);
        return value;
      });
    const change = (doc: Partial<Doc> & { _id: string }) => {
      for (const l of listeners) l({ operationType: 'update', documentKey: { _id: doc._id }, fullDocument: doc } as unknown as Change);
    };
    return { get, loads, change, raw: c };
  }

  it('keeps a found value until its document changes', async () => {
    const c = cache();
    const doc = { _id: 'd1', slug: 'spa' };
    expect(await c.get('spa', doc)).to.equal(doc);
    expect(await c.get('spa', doc)).to.equal(doc);
    expect(c.loads.get('spa')).to.equal(1);
    c.change({ _id: 'd1' }); // a deletion names only the _id
    await c.get('spa', doc);
    expect(c.loads.get('spa')).to.equal(2);
  });

  it('remembers at most 1000 unknown keys, and forgets one when a document takes it', async () => {
    const c = cache();
    for (let i = 0; i <= 1000; i++) expect(await c.get(`unknown-${i}`)).to.equal(null);
    await c.get('unknown-1000');
    expect(c.loads.get('unknown-1000'), 'the newest miss is remembered').to.equal(1);
    await c.get('unknown-0');
    expect(c.loads.get('unknown-0'), 'the oldest was let go').to.equal(2);
    c.change({ _id: 'd2', slug: 'unknown-1000' });
    await c.get('unknown-1000');
    expect(c.loads.get('unknown-1000'), 'an insert under the key ends its miss').to.equal(2);
  });

  it('does not keep what it read while a change arrived', async () => {
    const c = cache();
    let answer!: (d: Doc) => void;
    const read = c.raw.get('late', () => new Promise<Doc>((r) => (answer = r)));
    await new Promise((r) => setImmediate(r)); // the read has begun
    c.change({ _id: 'd3', slug: 'late' });
    answer({ _id: 'd3', slug: 'late' }); // what the read saw, from before the change
    await read;
    await c.get('late', { _id: 'd3', slug: 'late' });
    expect(c.loads.get('late'), 'read again').to.equal(1);
  });
});

describe('the organisation-scoped cache (lib/org-cache.ts)', () => {
  /** A cache over a feed the test drives: "whole" changes drop an organisation, "days" changes only keys ending in their day. */
  function cache() {
    const listeners = new Map<string, (c: Change) => void>();
    const feed = {
      on: (coll: string, l: (c: Change) => void) => listeners.set(coll, l),
      onReset: () => {},
      running: async () => true,
    } as unknown as ChangeFeed;
    const c = new OrgCache<string>(feed, ['test_org_whole', 'test_org_days'], {
      scopes: { test_org_days: (d) => ({ org: String(d.org), which: (key) => key.endsWith(String(d.day)) }) },
    });
    const change = (coll: string, doc: Record<string, unknown>) =>
      listeners.get(coll)!({ operationType: 'update', documentKey: { _id: 'x' }, fullDocument: doc } as unknown as Change);
    const kept = async (org: string, key: string) => (await c.peek(org, key)) !== undefined;
    return { c, change, kept };
  }

  it("drops only the keys a scoped change names, and only that organisation's", async () => {
    const { c, change, kept } = cache();
    for (const key of ['svc|2027-01-01', 'svc|2027-01-02']) for (const org of ['a', 'b']) await c.set(org, key, 'day', c.mark());
    change('test_org_days', { org: 'a', day: '2027-01-01' });
    expect([await kept('a', 'svc|2027-01-01'), await kept('a', 'svc|2027-01-02'), await kept('b', 'svc|2027-01-01')]).to.deep.equal([
      false,
      true,
      true,
    ]);
    change('test_org_whole', { org: 'a' });
    expect([await kept('a', 'svc|2027-01-02'), await kept('b', 'svc|2027-01-02')]).to.deep.equal([false, true]);
    change('test_org_whole', {}); // names no organisation
    expect(await kept('b', 'svc|2027-01-02')).to.equal(false);
  });

  it('does not keep a value worked out from what was read before a change', async () => {
    const { c, change, kept } = cache();
    const mark = c.mark();
    change('test_org_days', { org: 'a', day: '2027-01-09' }); // another day changed meanwhile: be safe, keep nothing
    await c.set('a', 'svc|2027-01-01', 'stale', mark);
    expect(await kept('a', 'svc|2027-01-01')).to.equal(false);
    await c.set('a', 'svc|2027-01-01', 'fresh', c.mark());
    expect(await kept('a', 'svc|2027-01-01')).to.equal(true);
  });
});
