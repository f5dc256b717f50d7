import { expect } from 'chai';
import * as oidc from 'openid-client';
import { createClient } from '../../idp/clients/service.ts';
import { loadConfig } from '../../config/index.ts';
import { Buckets, fairUse, limitOf } from '../../lib/fair-use.ts';
import { apiUrl, call, type Reply } from '../support/api.ts';
import { makeOrg, relyingParty, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

/** A machine client of the organisation and a Client API token of it. */
async function machineToken(s: Stack, t: TestOrg): Promise<string> {
  const created = await createClient(s.app.secrets, t.org._id, { name: 'Kiosk', kind: 'machine' });
  const rp = await relyingParty(t.issuer, created.clientId, created.clientSecret);
  return (await oidc.clientCredentialsGrant(rp, { resource: `${t.issuer}/api` })).access_token;
}

describe('Fair use of the APIs: one caller or organisation cannot starve the others', function () {
  this.timeout(60_000);

  it('answers a caller past its share 429 with Retry-After, while another caller of the same organisation and another organisation go on', async () => {
    const s = await stack();
    const [alpha, bravo] = [await makeOrg(s), await makeOrg(s)];
    const [noisy, quiet, elsewhere] = [await machineToken(s, alpha), await machineToken(s, alpha), await machineToken(s, bravo)];
    // Three times the burst at once: far more than the bucket refills while they are answered.
    const CALLER = limitOf(loadConfig({}).apiRate.caller);
    const burst = await Promise.all(Array.from({ length: 3 * CALLER.burst }, () => call('GET', `${apiUrl(alpha)}/company`, noisy)));
    const refused = burst.filter((r) => r.status === 429);
    expect(refused.length, 'some refused').to.be.above(0);
    expect(burst.filter((r) => r.status === 200).length, 'its share answered').to.be.at.least(CALLER.burst);
    expect(burst.every((r) => r.status === 200 || r.status === 429)).to.equal(true);
    const one: Reply = refused[0]!;
    expect(one.body.error).to.equal('rate_limited');
    expect(Number(one.headers.get('retry-after'))).to.be.at.least(1);
    expect((await call('GET', `${apiUrl(alpha)}/company`, quiet)).status, 'another caller of the organisation').to.equal(200);
    expect((await call('GET', `${apiUrl(bravo)}/company`, elsewhere)).status, 'another organisation').to.equal(200);
  });

  it('cannot be spent by tokens that only claim to be someone: forged ones are refused 401 and take nothing of theirs', async () => {
    const s = await stack();
    const t = await makeOrg(s);
    const victim = await machineToken(s, t);
    const [header, payload] = victim.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const CALLER = limitOf(loadConfig({}).apiRate.caller);
    const flood = await Promise.all(Array.from({ length: 3 * CALLER.burst }, () => call('GET', `${apiUrl(t)}/company`, forged)));
    expect(flood.every((r) => r.status === 401)).to.equal(true);
    expect((await call('GET', `${apiUrl(t)}/company`, victim)).status).to.equal(200);
  });

  it('refills at the sustained rate and keeps each key apart (clock given)', () => {
    const b = new Buckets({ rate: 10, burst: 3 });
    expect([0, 0, 0].map(() => b.take('a', 0))).to.deep.equal([0, 0, 0]);
    expect(b.take('a', 0), 'empty: wait a second').to.equal(1);
    expect(b.take('b', 0), 'another key').to.equal(0);
    expect(b.take('a', 100), 'one token back after 1/rate s').to.equal(0);
    expect(b.take('a', 100)).to.equal(1);
  });

  it("an organisation's callers together cannot take more than the organisation's share", () => {
    const share = fairUse({ caller: limitOf(100), organisation: { rate: 1, burst: 5 } });
    for (let i = 0; i < 5; i++) share.take('org_a', `client ${i}`);
    expect(() => share.check('org_a', 'client 5'), 'checking tells').to.throw('Too many requests');
    expect(() => share.take('org_a', 'client 5')).to.throw('Too many requests');
    share.take('org_b', 'client 0'); // another organisation has its own
  });
});
