// A portal session refreshed by two instances at once: refresh tokens rotate, and a second use of the old one makes
// the identity provider revoke the whole grant. One instance refreshes; the other uses its tokens; the session lives.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { deriveKey, seal, unseal } from '../../lib/crypto.ts';
import { makeOrg } from '../support/oidc.ts';
import { portalSignIn, portalUrl } from '../support/portal.ts';
import { secondInstance, stack } from '../support/stack.ts';

describe('Portal sessions: refreshed once across instances', function () {
  this.timeout(120_000);

  it('lets 2 instances answer 20 requests at once as the access token expires, refreshing once; the session stays signed in', async () => {
    const s = await stack();
    const t = await makeOrg(s);
    const { browser } = await portalSignIn(s, t.issuer);
    const other = await secondInstance(s);
    try {
      const id = (await browser.jar.getCookies(portalUrl(t.issuer))).find((c) => c.key === 'portico_portal')!.value;
      const key = deriveKey(s.config.masterSecret, 'portal-sessions');
      const sessions = mongoose.connection.db!.collection('portal_sessions');
      const _id = createHash('sha256').update(id).digest('base64url') as never;
      /** As if the access token were about to expire: every instance refreshes before its next call. */
      const expireAccessToken = async () => {
        const doc = await sessions.findOne({ _id });
        const tokens = JSON.parse(unseal(key, doc!.sealedTokens as string));
        await sessions.updateOne({ _id }, { $set: { sealedTokens: seal(key, JSON.stringify({ ...tokens, expiresAt: Date.now() })) } });
        return tokens.refreshToken as string;
      };
      const profile = (base: string) => browser.request(`${base}/${t.org.slug}/portal/bff/api/profile`, { headers: { accept: 'application/json' } }).then((r) => r.status);
      for (let round = 1; round <= 2; round++) {
        const before = await expireAccessToken();
        const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => profile(i % 2 ? other.baseUrl : s.baseUrl)));
        expect(statuses, `round ${round}`).to.deep.equal(statuses.map(() => 200));
        const after = JSON.parse(unseal(key, (await sessions.findOne({ _id }))!.sealedTokens as string));
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
