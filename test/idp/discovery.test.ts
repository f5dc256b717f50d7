import { expect } from 'chai';
import { json } from '../support/http.ts';
import { makeOrg, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('discovery, JWKS and health', () => {
  let s: Stack;
  let t: TestOrg;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
  });

  it('publishes OpenID configuration with code + PKCE (S256) only', async () => {
    const res = await fetch(`${t.issuer}/.well-known/openid-configuration`);
    expect(res.status).to.equal(200);
    const meta = await json(res);
    expect(meta.issuer).to.equal(t.issuer);
    expect(meta.response_types_supported).to.deep.equal(['code']);
    expect(meta.code_challenge_methods_supported).to.deep.equal(['S256']);
    expect(meta.grant_types_supported).to.include.members(['authorization_code', 'refresh_token', 'client_credentials']);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
    ]) {
      expect(meta[endpoint], endpoint).to.match(new RegExp(`^${t.issuer}/`));
    }
    expect(meta.claims_supported).to.include.members([
      'sub',
      'email',
      'email_verified',
      'name',
      'given_name',
      'family_name',
      'phone_number',
      'locale',
    ]);
    expect(meta.scopes_supported).to.include.members(['openid', 'email', 'profile', 'phone', 'offline_access']);
  });

  it('produces https URLs behind a TLS-terminating proxy (TRUST_PROXY)', async () => {
    const meta = await json(fetch(`${t.issuer}/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https' } }));
    expect(meta.authorization_endpoint).to.match(/^https:\/\//);
    expect(meta.token_endpoint).to.match(/^https:\/\//);
  });

  it('publishes ES256 and RS256 public keys, current and next, without private parts', async () => {
    const { keys } = await json(fetch(`${t.issuer}/jwks`));
    expect(keys.map((k: { alg: string }) => k.alg).sort()).to.deep.equal(['ES256', 'ES256', 'RS256', 'RS256']);
    for (const key of keys) {
      expect(key).to.not.have.any.keys('d', 'p', 'q', 'dp', 'dq', 'qi');
      expect(key.kid).to.be.a('string').with.length.greaterThan(20);
      expect(key.use).to.equal('sig');
    }
  });

  it('gives each organisation its own keys', async () => {
    const other = await makeOrg(s);
    const kids = async (issuer: string) => ((await json(fetch(`${issuer}/jwks`))).keys as { kid: string }[]).map((k) => k.kid);
    const [a, b] = await Promise.all([kids(t.issuer), kids(other.issuer)]);
    expect(a.filter((kid) => b.includes(kid))).to.deep.equal([]);
  });

  it('answers 404 in JSON for an unknown organisation', async () => {
    const res = await fetch(`${s.baseUrl}/no-such-org/.well-known/openid-configuration`);
    expect(res.status).to.equal(404);
    expect(await json(res)).to.include({ error: 'not_found' });
  });

  it('answers health and readiness', async () => {
    expect(await json(fetch(`${s.baseUrl}/healthz`))).to.deep.equal({ status: 'ok' });
    const ready = await fetch(`${s.baseUrl}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await json(ready)).to.include({ database: 'up' });
  });
});
