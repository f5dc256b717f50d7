// Web origins of public apps (the DOM package on a business's website): registered through the Admin API, and the
// only origins the token endpoint answers cross-origin, for that app alone.
import { expect } from 'chai';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { makeOrg, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

const SHOP = 'https://shop.example';

/** A cross-origin token request from `origin`, as a browser sends it (a simple request: no preflight). */
async function tokenFrom(t: TestOrg, clientId: string, origin: string) {
  const res = await fetch(`${t.issuer}/token`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-code',
      client_id: clientId,
      redirect_uri: `${SHOP}/`,
      code_verifier: 'v'.repeat(43),
    }),
  });
  return {
    status: res.status,
    allowOrigin: res.headers.get('access-control-allow-origin'),
    body: (await res.json()) as { error?: string; error_description?: string },
  };
}

describe('Web origins of public apps (CORS)', () => {
  let s: Stack;
  let t: TestOrg;
  let admin: string;
  const register = (body: Record<string, unknown>) =>
    call('POST', `${adminUrl(t)}/clients`, admin, {
      name: 'Shop website',
      redirectUris: [`${SHOP}/`],
      postLogoutRedirectUris: [`${SHOP}/`],
      ...body,
    });

  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    admin = await adminToken(s, t);
  });

  it('allows exactly the registered origins on the token endpoint, and refuses others', async () => {
    const created = await register({ kind: 'public', webOrigins: [SHOP, 'http://127.0.0.2:8080'] });
    expect(created.status).to.equal(201);
    expect(created.body.webOrigins).to.deep.equal([SHOP, 'http://127.0.0.2:8080']);
    const id = created.body.clientId;

    for (const origin of [SHOP, 'http://127.0.0.2:8080']) {
      const allowed = await tokenFrom(t, id, origin);
      expect(allowed.allowOrigin, origin).to.equal(origin);
      expect(allowed.body.error, origin).to.equal('invalid_grant'); // the request reached the grant: only the code is wrong
    }
    // Near misses: another scheme, port or subdomain, and the page's "null" origin (a sandbox, a file).
    for (const origin of ['http://shop.example', 'https://shop.example:8443', 'https://www.shop.example', 'https://evil.example', 'null']) {
      const refused = await tokenFrom(t, id, origin);
      expect(refused.allowOrigin, origin).to.equal(null);
      expect(refused.status, origin).to.equal(400);
      expect(refused.body.error_description, origin).to.match(/origin .* not allowed/);
    }

    // Another app's origins are not this app's, and removing an origin refuses it on the next request.
    const other = await register({ kind: 'public', webOrigins: ['https://other.example'] });
    expect((await tokenFrom(t, other.body.clientId, SHOP)).allowOrigin).to.equal(null);
    const edited = await call('PATCH', `${adminUrl(t)}/clients/${id}`, admin, { webOrigins: ['http://127.0.0.2:8080'] });
    expect(edited.status).to.equal(200);
    expect((await tokenFrom(t, id, SHOP)).allowOrigin).to.equal(null);
  });

  it('does not allow the redirect URIs’ origins unless registered as web origins (the default it replaces)', async () => {
    const created = await register({ kind: 'public' });
    expect(created.body.webOrigins).to.deep.equal([]);
    expect((await tokenFrom(t, created.body.clientId, SHOP)).allowOrigin).to.equal(null);
  });

  it('refuses web origins that are not origins, and on apps that are not public', async () => {
    for (const webOrigins of [['https://shop.example/'], ['https://shop.example/login'], ['http://shop.example'], ['shop.example'], [SHOP, SHOP]]) {
      const res = await register({ kind: 'public', webOrigins });
      expect(res.status, JSON.stringify(webOrigins)).to.equal(400);
      expect(JSON.stringify(res.body)).to.contain('webOrigins');
    }
    const confidential = await register({ kind: 'web', webOrigins: [SHOP] });
    expect(confidential.status).to.equal(400);
    expect(JSON.stringify(confidential.body)).to.contain('single-page');
  });
});
