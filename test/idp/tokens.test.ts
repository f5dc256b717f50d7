import { expect } from 'chai';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import {
  authorizationRequest,
  makeClient,
  makeOrg,
  openSignIn,
  requestCode,
  submitCode,
  uniqueEmail,
  type TestClient,
  type TestOrg,
  orgWithClient,
} from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';

type OAuthFailure = { error?: string; cause?: { parameters?: { error?: string } }[] };
/** 'ok', or the OAuth error code, whether it came in the body or in a WWW-Authenticate challenge. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: OAuthFailure) => err.error ?? (Array.isArray(err.cause) ? err.cause[0]?.parameters?.error : undefined) ?? String(err),
  );

describe('token endpoint: one-time grants, client credentials, audiences', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  before(async () => {
    ({ s, t, app } = await orgWithClient());
  });

  /** Signs in up to the callback, without exchanging the code. */
  async function callback() {
    const browser = new Browser();
    const auth = await authorizationRequest(app);
    const page = await openSignIn(s, browser, auth);
    const { page: codePage, code } = await requestCode(s, browser, page, uniqueEmail());
    const done = await submitCode(s, browser, codePage, code);
    return { auth, url: new URL(done.url!) };
  }

  it('exchanges an authorization code exactly once, even in parallel', async () => {
    const { auth, url } = await callback();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        outcome(oidc.authorizationCodeGrant(app.config, url, { pkceCodeVerifier: auth.verifier, expectedState: auth.state })),
      ),
    );
    expect(results.filter((r) => r === 'ok')).to.have.length(1);
    expect(results.filter((r) => r !== 'ok')).to.deep.equal(Array(5).fill('invalid_grant'));
  });

  it('rejects a code exchanged with the wrong PKCE verifier', async () => {
    const { auth, url } = await callback();
    const wrong = await outcome(
      oidc.authorizationCodeGrant(app.config, url, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: auth.state }),
    );
    expect(wrong).to.equal('invalid_grant');
  });

  it('redeems a refresh token exactly once, even in parallel, and reuse revokes the grant', async () => {
    const { auth, url } = await callback();
    const tokens = await oidc.authorizationCodeGrant(app.config, url, { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        oidc.refreshTokenGrant(app.config, tokens.refresh_token!).then(
          (r) => r,
          (e) => e,
        ),
      ),
    );
    const winners = results.filter((r) => r.refresh_token);
    expect(winners).to.have.length(1);
    expect(results.filter((r) => !r.refresh_token).map((r) => r.error)).to.deep.equal(Array(5).fill('invalid_grant'));
    expect(await outcome(oidc.refreshTokenGrant(app.config, winners[0].refresh_token))).to.equal('invalid_grant');
  });

  describe('client credentials (machine-to-machine)', () => {
    let machine: TestClient;
    before(async () => {
      machine = await makeClient(s, t, { kind: 'machine', name: 'Booking sync' });
    });

    it('issues ES256 JWT access tokens for the Client API audience', async () => {
      const api = `${t.issuer}/api`;
      const res = await oidc.clientCredentialsGrant(machine.config, { resource: api, scope: 'profile' });
      expect(res.token_type.toLowerCase()).to.equal('bearer');
      const { payload } = await jwtVerify(res.access_token, createRemoteJWKSet(new URL(`${t.issuer}/jwks`)), { issuer: t.issuer, audience: api });
      expect(payload.client_id).to.equal(machine.clientId);
      expect(payload.scope).to.equal('profile');
      expect(decodeProtectedHeader(res.access_token).alg).to.equal('ES256');
    });

    it("is rejected by another organisation's JWKS", async () => {
      const other = await makeOrg(s);
      const res = await oidc.clientCredentialsGrant(machine.config, { resource: `${t.issuer}/api` });
      const verified = await jwtVerify(res.access_token, createRemoteJWKSet(new URL(`${other.issuer}/jwks`))).then(
        () => 'verified',
        (e) => e.code,
      );
      expect(verified).to.equal('ERR_JWKS_NO_MATCHING_KEY');
    });

    it('refuses a resource the issuer does not serve', async () => {
      expect(await outcome(oidc.clientCredentialsGrant(machine.config, { resource: 'https://evil.example/api' }))).to.equal('invalid_target');
    });

    it('refuses a wrong client secret', async () => {
      const bad = await (await import('../support/oidc.ts')).relyingParty(t.issuer, machine.clientId, 'not-the-secret');
      expect(await outcome(oidc.clientCredentialsGrant(bad, { resource: `${t.issuer}/api` }))).to.equal('invalid_client');
    });
  });
});
