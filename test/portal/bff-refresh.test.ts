// A portal session refreshed by two instances at once: refresh tokens rotate, and a second use of the old one makes
// the identity provider revoke the whole grant. One instance refreshes; the other uses its tokens; the session lives.
import { expect } from 'chai';
import { makeOrg } from '../support/oidc.ts';
import { portalSignIn, storedPortalSession } from '../support/portal.ts';
import { secondInstance, stack } from '../support/stack.ts';

describe('Portal sessions: refreshed once across instances', function () {
  this.timeout(120_000);

  it('lets 2 instances answer 20 requests at once as the access token expires, refreshing once; the session stays signed in', async () => {
    const s = await stack();
    const t = await makeOrg(s);
    const { browser } = await portalSignIn(s, t.issuer);
    const other = await secondInstance(s);
    try {
      const stored = await storedPortalSession(s, browser, t.issuer);
      const profile = (base: string) =>
        browser.request(`${base}/${t.org.slug}/portal/bff/api/profile`, { headers: { accept: 'application/json' } }).then((r) => r.status);
      for (let round = 1; round <= 2; round++) {
        const before = await stored.expireAccessToken();
        const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => profile(i % 2 ? other.baseUrl : s.baseUrl)));
        expect(statuses, `round ${round}`).to.deep.equal(statuses.map(() => 200));
        const after = (await stored.tokens())!;
        expect(after.refreshToken, 'refreshed (the token rotated)').to.not.equal(before);
        expect(after.expiresAt).to.be.greaterThan(Date.now() + 60_000);
      }
      expect(await profile(s.baseUrl), 'still signed in').to.equal(200);
      expect(await profile(other.baseUrl), 'still signed in on the other instance').to.equal(200);
    } finally {
      await other.stop();
    }
  });
});
