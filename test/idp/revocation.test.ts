// Revoking a consent, deleting an app or signing out stops the access tokens issued under it: the APIs ask whether a
// token's grant (or an app's registration) still stands, so a revoked token is refused on the next request here and
// within STANDING_TTL_MS on other instances, not when it expires 15 minutes later.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { grantCache, STANDING_TTL_MS } from '../../idp/grants/standing.ts';
import { adminToken, adminUrl, apiUrl, call, customerToken } from '../support/api.ts';
import { makeClient, makeOrg, relyingParty, type TestOrg } from '../support/oidc.ts';
import { openStream } from '../support/sse.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Revoked access: tokens stop before they expire', () => {
  let s: Stack;
  let t: TestOrg;
  let owner: string;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    owner = await adminToken(s, t, 'owner');
  });

  const company = (token: string) => call('GET', `${apiUrl(t)}/company`, token);
  const refused = (reply: { status: number; body: { error?: string } }) => reply.status === 401 && reply.body.error === 'invalid_token';

  it("refuses a customer's token on the next request once their consent to the app is revoked", async () => {
    const app = await makeClient(s, t);
    const { token, tokens } = await customerToken(s, app);
    const other = await customerToken(s, app); // another customer of the same app
    expect((await company(token)).status).to.equal(200);
    expect((await call('GET', `${apiUrl(t)}/profile`, token)).status).to.equal(200);
    expect((await call('DELETE', `${adminUrl(t)}/clients/${app.clientId}/grants/${tokens.claims()!.sub}`, owner)).status).to.equal(204);
    expect(refused(await company(token)), 'the Client API').to.equal(true);
    expect(refused(await call('GET', `${apiUrl(t)}/profile`, token)), "the identity provider's part of it").to.equal(true);
    expect((await company(other.token)).status, "another customer's consent stands").to.equal(200);
  });

  it("ends a customer's open event stream at its next keep-alive once their consent is revoked, not at the token's expiry", async function () {
    this.timeout(60_000); // keep-alives are 20 s apart
    const app = await makeClient(s, t);
    const { token, tokens } = await customerToken(s, app, { scope: 'bookings' });
    const stream = await openStream(`${apiUrl(t)}/events`, { authorization: `Bearer ${token}` });
    expect(stream.status).to.equal(200);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    expect((await call('DELETE', `${adminUrl(t)}/clients/${app.clientId}/grants/${tokens.claims()!.sub}`, owner)).status).to.equal(204);
    await Promise.race([stream.ended, new Promise((r) => setTimeout(r, 45_000))]);
    const stillOpen = !ended;
    await stream.close();
    expect(stillOpen, 'the stream outlived its revoked consent').to.equal(false);
  });

  it("refuses an app's own tokens and its customers' once the app is deleted", async () => {
    const created = await call('POST', `${adminUrl(t)}/clients`, owner, { name: 'Back office', kind: 'machine' });
    expect(created.status).to.equal(201);
    const machine = await relyingParty(t.issuer, created.body.clientId, created.body.clientSecret);
    const own = (await oidc.clientCredentialsGrant(machine, { resource: `${t.issuer}/api` })).access_token;
    const app = await makeClient(s, t);
    const { token } = await customerToken(s, app);
    expect((await company(own)).status).to.equal(200);
    expect((await company(token)).status).to.equal(200);
    for (const clientId of [created.body.clientId, app.clientId])
      expect((await call('DELETE', `${adminUrl(t)}/clients/${clientId}`, owner)).status).to.equal(204);
    expect(refused(await company(own)), "the app's own token").to.equal(true);
    expect(refused(await company(token)), "its customer's token").to.equal(true);
  });

  it('refuses the tokens of a sign-in once the customer signs out of it', async () => {
    const app = await makeClient(s, t);
    const { token, tokens, browser } = await customerToken(s, app);
    expect((await company(token)).status).to.equal(200);
    const out = await browser.follow(oidc.buildEndSessionUrl(app.config, { id_token_hint: tokens.id_token! }), s.baseUrl);
    const html = await out.res!.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const action = /action="([^"]*\/session\/end\/confirm)"/.exec(html)![1]!;
    expect((await browser.post(new URL(action, s.baseUrl), { xsrf, logout: 'yes' })).status).to.equal(303);
    expect(refused(await company(token))).to.equal(true);
  });
});

describe('Grant standing cache (idp/grants/standing.ts)', () => {
  function fixture() {
    let clock = 1_000_000;
    const live = new Map([['g1', true]]);
    const reads: string[] = [];
    const cache = grantCache(
      async (_org, id) => {
        reads.push(id);
        return live.get(id) ?? false;
      },
      { now: () => clock },
    );
    const advance = (ms: number) => {
      clock += ms;
    };
    return { cache, live, reads, advance };
  }

  it('reads a grant once per TTL, so another instance sees a revocation within it', async () => {
    const { cache, live, reads, advance } = fixture();
    expect(await cache.live('o', 'g1')).to.equal(true);
    expect(await cache.live('o', 'g1')).to.equal(true);
    expect(reads).to.deep.equal(['g1']);
    live.delete('g1'); // revoked elsewhere
    advance(STANDING_TTL_MS - 1);
    expect(await cache.live('o', 'g1'), 'trusted for the TTL').to.equal(true);
    advance(1);
    expect(await cache.live('o', 'g1'), 'read again once it passes').to.equal(false);
    expect(STANDING_TTL_MS).to.be.at.most(60_000);
  });

  it('forgets a grant revoked here at once, and does not keep a failed read', async () => {
    const { cache, live, reads } = fixture();
    expect(await cache.live('o', 'g1')).to.equal(true);
    live.delete('g1');
    cache.forget('o', 'g1');
    expect(await cache.live('o', 'g1')).to.equal(false);
    let fail = true;
    const flaky = grantCache(async () => {
      if (fail) throw new Error('database down');
      return true;
    });
    await flaky.live('o', 'g').then(
      () => expect.fail('should fail'),
      () => undefined,
    );
    fail = false;
    expect(await flaky.live('o', 'g')).to.equal(true);
    expect(reads).to.deep.equal(['g1', 'g1']);
  });
});
