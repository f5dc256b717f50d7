// The Admin API parts idp/ serves (apps, consents, staff) and the audit log, through HTTP and openid-client.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { createClient } from '../../idp/clients/service.ts';
import { ADMIN_CLIENT_ID, PORTAL_CLIENT_ID } from '../../lib/first-party.ts';
import type { StaffRole } from '../../lib/resources.ts';
import { adminToken, adminUrl, apiUrl, call, staffToken } from '../support/api.ts';
import { Browser, formAction } from '../support/browser.ts';
import { passCooldown } from '../support/clock.ts';
import { makeClient, makeOrg, relyingParty, signIn, silentAuthorize, uniqueEmail, type TestClient, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

const REDIRECT = 'http://localhost:8080/callback';

/** An app registered through the Admin API, as openid-client sees it. */
async function registered(t: TestOrg, token: string, input: Record<string, unknown>) {
  const res = await call('POST', `${adminUrl(t)}/clients`, token, { name: 'Studio Booker', redirectUris: [REDIRECT], ...input });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  const client: TestClient = {
    clientId: res.body.clientId,
    clientSecret: res.body.clientSecret,
    redirectUri: REDIRECT,
    config: await relyingParty(t.issuer, res.body.clientId, res.body.clientSecret),
  };
  return { client, body: res.body };
}

/** Authorizes a third-party app in a signed-in browser and returns the consent page it shows. */
async function consentPage(s: Stack, app: TestClient, browser: Browser) {
  const first = await silentAuthorize(s, app, browser, { scope: 'openid email offline_access', prompt: 'consent' });
  expect(first.page?.html, first.url).to.contain('Allow ');
  return first;
}

async function allow(s: Stack, app: TestClient, browser: Browser, pending: Awaited<ReturnType<typeof consentPage>>) {
  const res = await browser.post(new URL(formAction(pending.page!.html, '/consent'), s.baseUrl), {});
  const done = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
  return oidc.authorizationCodeGrant(app.config, new URL(done.url), { pkceCodeVerifier: pending.auth.verifier, expectedState: pending.auth.state });
}

/** The OAuth error code, whether the server put it in the body or (401) in WWW-Authenticate. */
const oauthError = (err: Error & { error?: string; cause?: unknown }) =>
  err.error ?? (err instanceof oidc.WWWAuthenticateChallengeError ? err.cause[0]?.parameters.error : undefined) ?? err.message;

/** Tokens for an app from a browser already signed in (single sign-on: no page in between). */
async function ssoTokens(s: Stack, app: TestClient, browser: Browser, params: Record<string, string>) {
  const { auth, url } = await silentAuthorize(s, app, browser, params);
  return oidc.authorizationCodeGrant(app.config, new URL(url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
}

describe('Admin API: apps, consents, staff and the audit log', () => {
  let s: Stack;
  let t: TestOrg;
  let portal: TestClient; // a first-party app standing in for the Customer Portal
  let owner: string;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    portal = await makeClient(s, t);
    owner = await adminToken(s, t, 'owner');
  });

  describe('authorisation matrix', () => {
    type Action = { name: string; min: StaffRole; run: (token: string) => Promise<number> };
    const fresh = async (extra: Record<string, unknown> = {}) =>
      (await call('POST', `${adminUrl(t)}/clients`, owner, { name: 'Fixture', redirectUris: [REDIRECT], ...extra })).body.clientId as string;
    const member = async (role: StaffRole = 'staff') => {
      const email = uniqueEmail('member');
      expect((await call('POST', `${adminUrl(t)}/staff`, owner, { email, role })).status).to.equal(201);
      return email;
    };
    const status = async (method: string, path: string, token: string, body?: unknown) =>
      (await call(method, `${adminUrl(t)}${path}`, token, body)).status;
    const actions: Action[] = [
      { name: 'who am I', min: 'staff', run: (k) => status('GET', '/me', k) },
      { name: 'list apps', min: 'staff', run: (k) => status('GET', '/clients', k) },
      { name: 'register an app', min: 'admin', run: (k) => status('POST', '/clients', k, { name: 'New', redirectUris: [REDIRECT] }) },
      { name: 'edit an app', min: 'admin', run: async (k) => status('PATCH', `/clients/${await fresh()}`, k, { name: 'Renamed' }) },
      { name: 'rotate a secret', min: 'admin', run: async (k) => status('POST', `/clients/${await fresh()}/secret`, k) },
      { name: 'delete an app', min: 'admin', run: async (k) => status('DELETE', `/clients/${await fresh()}`, k) },
      { name: "list an app's customers", min: 'staff', run: async (k) => status('GET', `/clients/${await fresh()}/grants`, k) },
      {
        name: "revoke a customer's consent",
        min: 'admin',
        run: async (k) => status('DELETE', `/clients/${await fresh()}/grants/c_someone-never-connected`, k),
      },
      {
        name: "revoke a customer's consent to a first-party app",
        min: 'owner',
        run: async (k) => status('DELETE', `/clients/${await fresh({ firstParty: true })}/grants/c_someone-never-connected`, k),
      },
      {
        name: 'register a first-party app',
        min: 'owner',
        run: (k) => status('POST', '/clients', k, { name: 'Own site', redirectUris: [REDIRECT], firstParty: true }),
      },
      {
        name: 'redirect a first-party app',
        min: 'owner',
        run: async (k) => status('PATCH', `/clients/${await fresh({ firstParty: true })}`, k, { redirectUris: ['https://elsewhere.example.com/cb'] }),
      },
      {
        name: 'rotate the secret of an owner machine client',
        min: 'owner',
        run: async (k) => status('POST', `/clients/${await fresh({ kind: 'machine', redirectUris: [], scopes: [], adminRole: 'owner' })}/secret`, k),
      },
      {
        name: 'delete an owner machine client',
        min: 'owner',
        run: async (k) => status('DELETE', `/clients/${await fresh({ kind: 'machine', redirectUris: [], scopes: [], adminRole: 'owner' })}`, k),
      },
      {
        name: 'give a machine client the owner role',
        min: 'owner',
        run: (k) => status('POST', '/clients', k, { name: 'Robot', kind: 'machine', adminRole: 'owner', scopes: [] }),
      },
      { name: 'list staff', min: 'staff', run: (k) => status('GET', '/staff', k) },
      { name: 'invite staff', min: 'admin', run: (k) => status('POST', '/staff', k, { email: uniqueEmail('invitee'), role: 'staff' }) },
      { name: 'invite an owner', min: 'owner', run: (k) => status('POST', '/staff', k, { email: uniqueEmail('co-owner'), role: 'owner' }) },
      { name: 'change a role', min: 'admin', run: async (k) => status('PATCH', `/staff/${await member()}`, k, { role: 'admin' }) },
      { name: 'make someone owner', min: 'owner', run: async (k) => status('PATCH', `/staff/${await member()}`, k, { role: 'owner' }) },
      { name: 'remove staff', min: 'admin', run: async (k) => status('DELETE', `/staff/${await member()}`, k) },
      { name: 'remove an owner', min: 'owner', run: async (k) => status('DELETE', `/staff/${await member('owner')}`, k) },
      { name: 'list portals', min: 'staff', run: (k) => status('GET', '/portals', k) },
      { name: 'rebrand a portal', min: 'admin', run: (k) => status('PATCH', '/portals/main', k, { branding: { primaryColor: '#224466' } }) },
      { name: 'edit company information', min: 'admin', run: (k) => status('PUT', '/company', k, { phone: '+44 20 7946 0000' }) },
      {
        name: 'publish a policy',
        min: 'admin',
        run: (k) => status('PUT', '/policies/refund', k, { markdown: 'Full refund up to 24 hours before.' }),
      },
      { name: 'read the audit log', min: 'staff', run: (k) => status('GET', '/audit', k) },
    ];
    const RANK: StaffRole[] = ['owner', 'admin', 'staff'];

    before(async () => {
      expect((await call('POST', `${adminUrl(t)}/portals`, owner, { slug: 'main', name: 'Main' })).status).to.equal(201);
    });

    for (const role of RANK) {
      it(`lets ${role} do exactly what the role allows`, async () => {
        const token = await adminToken(s, t, role);
        const outcome: Record<string, number> = {};
        const expected: Record<string, number> = {};
        for (const a of actions) {
          outcome[a.name] = await a.run(token);
          expected[a.name] = RANK.indexOf(role) <= RANK.indexOf(a.min) ? outcome[a.name]! : 403;
          if (expected[a.name] !== 403) expect(outcome[a.name], a.name).to.be.within(200, 204);
        }
        expect(outcome).to.deep.equal(expected);
      });
    }

    it('refuses every action to a signed-in customer without a role, and to staff of another organisation', async () => {
      const { tokens } = await signIn(s, portal, { params: { scope: 'openid email admin', resource: `${t.issuer}/admin` } });
      const other = await makeOrg(s);
      const foreignOwner = await adminToken(s, other, 'owner');
      for (const a of actions) {
        expect(await a.run(tokens.access_token), `${a.name} without a role`).to.equal(403);
        expect(await a.run(foreignOwner), `${a.name} from another organisation`).to.equal(401);
      }
    });

    it("takes a removed or demoted person's rights away at once, not when the token expires", async () => {
      const email = uniqueEmail('leaver');
      const token = await staffToken(s, t, portal, email, 'admin');
      expect(await status('PUT', '/policies/terms', token, { markdown: 'Be nice.' })).to.equal(200);
      expect(await status('PATCH', `/staff/${email}`, owner, { role: 'staff' })).to.equal(200);
      expect(await status('PUT', '/policies/terms', token, { markdown: 'Be nicer.' })).to.equal(403);
      expect(await status('GET', '/portals', token)).to.equal(200);
      expect(await status('DELETE', `/staff/${email}`, owner)).to.equal(204);
      expect(await status('GET', '/portals', token)).to.equal(403);
    });
  });

  describe('apps', () => {
    it('rejects bad registrations with a clear message per field, and stores nothing', async () => {
      const before = (await call('GET', `${adminUrl(t)}/clients`, owner)).body.items.length;
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ redirectUris: ['http://shop.example.com/cb'] }, 'redirectUris.0', /use https/],
        [{ redirectUris: ['https://shop.example.com/cb#token'] }, 'redirectUris.0', /fragment/],
        [{ redirectUris: ['javascript:alert(1)'] }, 'redirectUris.0', /https/],
        [{ redirectUris: ['not a url'] }, 'redirectUris.0', /full URL/],
        [{ redirectUris: ['https://user:pw@shop.example.com/cb'] }, 'redirectUris.0', /credentials/],
        [{ redirectUris: [] }, 'redirectUris', /at least one redirect URI/],
        [{ redirectUris: [REDIRECT, REDIRECT] }, 'redirectUris', /once/],
        [{ backchannelLogoutUri: 'http://shop.example.com/logout' }, 'backchannelLogoutUri', /https/],
        [{ backchannelLogoutUri: 'http://127.0.0.1:9000/logout' }, 'backchannelLogoutUri', /https/], // the server would call itself
        [{ logoUri: 'ftp://shop.example.com/logo.png' }, 'logoUri', /https/],
        [{ scopes: ['openid', 'everything'] }, 'scopes.1', /./],
        [{ scopes: ['email'] }, 'scopes', /openid/],
        [{ kind: 'machine' }, 'redirectUris', /machine clients have no redirect URIs/],
        [{ kind: 'web', adminRole: 'admin' }, 'adminRole', /only machine clients/],
        [{ secret: 'mine' }, 'secret', /not a field/],
      ];
      for (const [input, field, message] of cases) {
        const res = await call('POST', `${adminUrl(t)}/clients`, owner, { name: 'Bad', redirectUris: [REDIRECT], ...input });
        expect(res.status, JSON.stringify(input)).to.equal(400);
        const detail = res.body.details.find((d: { field: string }) => d.field === field);
        expect(detail, `${JSON.stringify(input)} → ${JSON.stringify(res.body.details)}`).to.not.equal(undefined);
        expect(detail.message).to.match(message);
      }
      expect((await call('PATCH', `${adminUrl(t)}/clients/nope`, owner, { name: 'x' })).status).to.equal(404);
      // Edits are checked as a whole registration too.
      const web = (await registered(t, owner, { name: 'Edited' })).body.clientId;
      for (const [patch, field] of [
        [{ redirectUris: [] }, 'redirectUris'],
        [{ scopes: ['email'] }, 'scopes'],
        [{ adminRole: 'admin' }, 'adminRole'],
      ] as const) {
        const res = await call('PATCH', `${adminUrl(t)}/clients/${web}`, owner, patch);
        expect(res.status, JSON.stringify(patch)).to.equal(400);
        expect(res.body.details.map((d: { field: string }) => d.field)).to.include(field);
      }
      await call('DELETE', `${adminUrl(t)}/clients/${web}`, owner);
      expect((await call('GET', `${adminUrl(t)}/clients`, owner)).body.items.length).to.equal(before);
    });

    it('works at once with openid-client; a rotated secret and a deleted app stop working at once', async () => {
      const { client, body } = await registered(t, owner, { firstParty: true, scopes: ['openid', 'email', 'offline_access'] });
      expect(body.clientSecret).to.be.a('string');
      const listed = await call('GET', `${adminUrl(t)}/clients`, owner);
      expect(JSON.stringify(listed.body)).to.not.contain(body.clientSecret);
      expect(JSON.stringify((await call('GET', `${adminUrl(t)}/clients/${client.clientId}`, owner)).body)).to.not.contain(body.clientSecret);

      const { tokens } = await signIn(s, client, { params: { scope: 'openid email offline_access' } });
      expect(tokens.claims()!.email).to.be.a('string');
      expect(tokens.refresh_token).to.be.a('string');

      // A scope the registration does not allow is refused by the provider.
      await signIn(s, client, { params: { scope: 'openid phone' } }).then(
        () => expect.fail('phone is not an allowed scope'),
        (err: Error) => expect(String(err.message)).to.match(/invalid_scope|not allowed|sign-in did not reach/),
      );

      const rotated = await call('POST', `${adminUrl(t)}/clients/${client.clientId}/secret`, owner);
      expect(rotated.status).to.equal(200);
      expect(rotated.body.clientSecret).to.be.a('string').and.not.equal(body.clientSecret);
      await oidc.refreshTokenGrant(client.config, tokens.refresh_token!).then(
        () => expect.fail('the old secret still works'),
        (err: Error) => expect(oauthError(err)).to.equal('invalid_client'),
      );
      const renewed = await relyingParty(t.issuer, client.clientId, rotated.body.clientSecret);
      const refreshed = await oidc.refreshTokenGrant(renewed, tokens.refresh_token!);
      expect(refreshed.access_token).to.be.a('string');

      // Redirect URIs are exact and edits apply at once.
      const edited = await call('PATCH', `${adminUrl(t)}/clients/${client.clientId}`, owner, { redirectUris: ['https://booker.example.com/cb'] });
      expect(edited.status, JSON.stringify(edited.body)).to.equal(200);
      const stale = await new Browser().follow(
        oidc.buildAuthorizationUrl(client.config, {
          redirect_uri: REDIRECT,
          scope: 'openid',
          code_challenge: 'x'.repeat(43),
          code_challenge_method: 'S256',
        }),
        s.baseUrl,
      );
      expect(await stale.res!.text()).to.match(/redirect_uri/);

      expect((await call('DELETE', `${adminUrl(t)}/clients/${client.clientId}`, owner)).status).to.equal(204);
      await oidc.refreshTokenGrant(renewed, refreshed.refresh_token!).then(
        () => expect.fail('a deleted app still works'),
        (err: Error) => expect(oauthError(err)).to.equal('invalid_client'),
      );
      expect((await call('GET', `${adminUrl(t)}/clients/${client.clientId}`, owner)).status).to.equal(404);
    });

    it('lets a machine client with a role use the Admin API, and only as that role', async () => {
      const { body } = await registered(t, owner, { name: 'Back office', kind: 'machine', redirectUris: [], scopes: [], adminRole: 'staff' });
      const rp = await relyingParty(t.issuer, body.clientId, body.clientSecret);
      const token = (await oidc.clientCredentialsGrant(rp, { resource: `${t.issuer}/admin`, scope: 'admin' })).access_token;
      expect((await call('GET', `${adminUrl(t)}/me`, token)).body).to.include({ role: 'staff', clientId: body.clientId });
      expect((await call('POST', `${adminUrl(t)}/clients`, token, { name: 'x', redirectUris: [REDIRECT] })).status).to.equal(403);
      // Its registration is read on every call: deleting it ends its tokens at once (revoked: 401, not 403).
      expect((await call('DELETE', `${adminUrl(t)}/clients/${body.clientId}`, owner)).status).to.equal(204);
      const after = await call('GET', `${adminUrl(t)}/me`, token);
      expect([after.status, after.body.error]).to.deep.equal([401, 'invalid_token']);
    });
  });

  describe('consent for third-party apps', () => {
    it('is asked once per app, remembered across browsers, and revocable by the customer', async () => {
      const { client: app } = await registered(t, owner, {
        name: 'Class Finder',
        scopes: ['openid', 'email', 'offline_access'],
        logoUri: 'https://finder.example.com/logo.png',
        policyUri: 'https://finder.example.com/privacy',
      });
      const email = uniqueEmail('consenting');
      const { browser } = await signIn(s, portal, { email });
      const pending = await consentPage(s, app, browser);
      expect(pending.page!.html).to.contain('Allow Class Finder?');
      expect(pending.page!.html).to.contain('See your email address');
      expect(pending.page!.html).to.contain('https://finder.example.com/privacy');
      const tokens = await allow(s, app, browser, pending);
      expect(tokens.refresh_token).to.be.a('string');

      // Remembered: the same browser, and a new browser after signing in again, go straight back to the app.
      const back = await silentAuthorize(s, app, browser, { scope: 'openid email' });
      expect(new URL(back.url).searchParams.get('code'), back.url).to.be.a('string');
      await passCooldown(t.org._id, email);
      const elsewhere = await signIn(s, app, { email, params: { scope: 'openid email' } });
      expect(elsewhere.tokens.claims()!.email).to.equal(email);

      // The customer's portal (first party) lists it; the third-party app itself may not even ask.
      const mine = { tokens: await ssoTokens(s, portal, browser, { scope: 'openid connected_apps', resource: `${t.issuer}/api` }) };
      const listed = await call('GET', `${apiUrl(t)}/connected-apps`, mine.tokens.access_token);
      expect(listed.status).to.equal(200);
      expect(listed.body.items).to.have.length(1);
      expect(listed.body.items[0]).to.include({ clientId: app.clientId, name: 'Class Finder', logoUri: 'https://finder.example.com/logo.png' });
      expect(listed.body.items[0].scopes.map((x: { description: string }) => x.description)).to.include('See your email address');
      const nosy = await ssoTokens(s, app, browser, { scope: 'openid connected_apps', resource: `${t.issuer}/api` });
      const refused = await call('GET', `${apiUrl(t)}/connected-apps`, nosy.access_token);
      expect(refused.status).to.equal(403);

      expect((await call('DELETE', `${apiUrl(t)}/connected-apps/${app.clientId}`, mine.tokens.access_token)).status).to.equal(204);
      expect((await call('GET', `${apiUrl(t)}/connected-apps`, mine.tokens.access_token)).body.items).to.have.length(0);
      await oidc.refreshTokenGrant(app.config, tokens.refresh_token!).then(
        () => expect.fail('the revoked app can still refresh'),
        (err: Error) => expect(oauthError(err)).to.equal('invalid_grant'),
      );
      const again = await silentAuthorize(s, app, browser, { scope: 'openid email' });
      expect(again.page?.html, again.url).to.contain('Allow Class Finder?');
    });

    it('is revocable by an admin, per customer', async () => {
      const { client: app } = await registered(t, owner, { name: 'Gym Tracker', scopes: ['openid', 'email', 'offline_access'] });
      const { browser, tokens: mine } = await signIn(s, portal);
      const tokens = await allow(s, app, browser, await consentPage(s, app, browser));
      const grants = await call('GET', `${adminUrl(t)}/clients/${app.clientId}/grants`, owner);
      expect(grants.body.items).to.have.length(1);
      expect(grants.body.items[0]).to.include({ accountId: mine.claims()!.sub, email: mine.claims()!.email });
      expect((await call('DELETE', `${adminUrl(t)}/clients/${app.clientId}/grants/${mine.claims()!.sub}`, owner)).status).to.equal(204);
      expect((await call('GET', `${adminUrl(t)}/clients/${app.clientId}/grants`, owner)).body.items).to.have.length(0);
      await oidc.refreshTokenGrant(app.config, tokens.refresh_token!).then(
        () => expect.fail('the revoked app can still refresh'),
        (err: Error) => expect(oauthError(err)).to.equal('invalid_grant'),
      );
    });
  });

  describe('consent for first-party apps', () => {
    it("is the owner's to revoke, as the app is theirs to edit; another organisation's app is not found", async () => {
      const email = uniqueEmail('the.owner');
      const invited = Date.now();
      expect((await call('POST', `${adminUrl(t)}/staff`, owner, { email, role: 'owner' })).status).to.equal(201);
      await s.mailbox.next(email, invited); // the invitation, sent in the background: not to be taken for the code
      const { tokens } = await signIn(s, portal, { email });
      const sub = tokens.claims()!.sub;
      const admin = await adminToken(s, t, 'admin');
      const revoke = (clientId: string, token: string) => call('DELETE', `${adminUrl(t)}/clients/${clientId}/grants/${sub}`, token);

      expect((await revoke(portal.clientId, admin)).status).to.equal(403);
      const refreshed = await oidc.refreshTokenGrant(portal.config, tokens.refresh_token!);
      // The built-in portal and console are no app the Admin API manages, no more than another organisation's app.
      const elsewhere = await makeClient(s, await makeOrg(s));
      for (const clientId of [ADMIN_CLIENT_ID, PORTAL_CLIENT_ID, elsewhere.clientId]) {
        expect((await revoke(clientId, admin)).status, clientId).to.equal(404);
        expect((await revoke(clientId, owner)).status, clientId).to.equal(404);
      }
      const still = await oidc.refreshTokenGrant(portal.config, refreshed.refresh_token!);

      expect((await revoke(portal.clientId, owner)).status).to.equal(204);
      await oidc.refreshTokenGrant(portal.config, still.refresh_token!).then(
        () => expect.fail('the revoked app can still refresh'),
        (err: Error) => expect(oauthError(err)).to.equal('invalid_grant'),
      );
    });
  });

  describe('staff', () => {
    it('invites by email; the invitee can sign in even where sign-up is closed', async () => {
      const closed = await makeOrg(s, { selfSignUp: false });
      const boss = await adminToken(s, closed, 'owner');
      const app = await makeClient(s, closed);
      const email = uniqueEmail('new.manager');
      const sentAfter = Date.now();
      const invited = await call('POST', `${adminUrl(closed)}/staff`, boss, { email: email.toUpperCase(), role: 'admin' });
      expect(invited.status, JSON.stringify(invited.body)).to.equal(201);
      expect(invited.body).to.include({ email, role: 'admin' });
      const mail = await s.mailbox.next(email, sentAfter);
      expect(mail.subject).to.contain('Harbour Day Spa');
      expect(mail.text).to.contain(`${closed.issuer}/admin`);
      expect((await call('POST', `${adminUrl(closed)}/staff`, boss, { email, role: 'staff' })).status).to.equal(409);
      await passCooldown(closed.org._id, email);
      const { tokens } = await signIn(s, app, { email, params: { scope: 'openid email admin', resource: `${closed.issuer}/admin` } });
      expect((await call('GET', `${adminUrl(closed)}/me`, tokens.access_token)).body).to.include({ email, role: 'admin' });
    });

    it('never leaves an organisation without an owner, even under concurrent changes', async () => {
      const org = await makeOrg(s);
      const boss = await adminToken(s, org, 'owner');
      const [a, b] = [uniqueEmail('owner.a'), uniqueEmail('owner.b')];
      for (const email of [a, b]) expect((await call('POST', `${adminUrl(org)}/staff`, boss, { email, role: 'owner' })).status).to.equal(201);
      const demotions = await Promise.all([a, b].map((email) => call('PATCH', `${adminUrl(org)}/staff/${email}`, boss, { role: 'admin' })));
      const statuses = demotions.map((r) => r.status).sort();
      expect(statuses[0]).to.equal(200);
      expect(statuses[1]).to.equal(409);
      const owners = (await call('GET', `${adminUrl(org)}/staff`, boss)).body.items.filter((m: { role: string }) => m.role === 'owner');
      expect(owners).to.have.length(1);
      const last = owners[0].email;
      const refused = await call('DELETE', `${adminUrl(org)}/staff/${last}`, boss);
      expect(refused.status).to.equal(409);
      expect(refused.body.error_description).to.match(/at least one owner/);
      expect((await call('PATCH', `${adminUrl(org)}/staff/${last}`, boss, { role: 'staff' })).status).to.equal(409);
      expect((await call('PATCH', `${adminUrl(org)}/staff/not-an-email`, boss, { role: 'staff' })).status).to.equal(400);
      expect((await call('PATCH', `${adminUrl(org)}/staff/${last}`, boss, { role: 'king' })).status).to.equal(400);
    });
  });

  describe('audit log', () => {
    it('records every change with who, what, when, before and after, newest first, and no secrets', async () => {
      const org = await makeOrg(s);
      const boss = await adminToken(s, org, 'owner');
      const { body } = await registered(org, boss, { name: 'Audited' });
      await call('PATCH', `${adminUrl(org)}/clients/${body.clientId}`, boss, { name: 'Audited app' });
      const rotated = await call('POST', `${adminUrl(org)}/clients/${body.clientId}/secret`, boss);
      await call('POST', `${adminUrl(org)}/portals`, boss, { slug: 'main', name: 'Main' });
      await call('PUT', `${adminUrl(org)}/policies/terms`, boss, { markdown: 'Version 1' });
      await call('POST', `${adminUrl(org)}/staff`, boss, { email: uniqueEmail('audited'), role: 'staff' });
      await call('PATCH', `${adminUrl(org)}/clients/${body.clientId}`, boss, { redirectUris: ['not a url'] }); // refused: not recorded

      const page1 = await call('GET', `${adminUrl(org)}/audit?limit=4`, boss);
      expect(page1.status).to.equal(200);
      expect(page1.body.items.map((e: { action: string }) => e.action)).to.deep.equal([
        'staff.invite',
        'policy.publish',
        'portal.create',
        'client.rotate-secret',
      ]);
      const page2 = await call('GET', `${adminUrl(org)}/audit?limit=4&before=${page1.body.next}`, boss);
      expect(page2.body.items.map((e: { action: string }) => e.action)).to.deep.equal(['client.update', 'client.create']);
      expect(page2.body.next).to.equal(undefined);
      const update = page2.body.items[0];
      expect(update.subject).to.equal(body.clientId);
      expect(update.before.name).to.equal('Audited');
      expect(update.after.name).to.equal('Audited app');
      expect(update.actor.role).to.equal('owner');
      expect(update.actor.clientId).to.be.a('string');
      expect(new Date(update.at).getTime()).to.be.closeTo(Date.now(), 60_000);
      const everything = JSON.stringify([page1.body, page2.body]);
      expect(everything).to.not.contain(body.clientSecret);
      expect(everything).to.not.contain(rotated.body.clientSecret);
      expect((await call('GET', `${adminUrl(org)}/audit?limit=0`, boss)).status).to.equal(400);
      // Nothing of another organisation's log.
      expect((await call('GET', `${adminUrl(t)}/audit`, boss)).status).to.equal(401);
    });
  });

  it('registers apps from the service layer the CLI uses with the same rules', async () => {
    await createClient(s.app.secrets, t.org._id, { name: 'x', redirectUris: ['http://evil.example.com/cb'] }).then(
      () => expect.fail('accepted a plain-http redirect URI'),
      (err: Error) => expect(err.message).to.contain('use https'),
    );
  });
});
