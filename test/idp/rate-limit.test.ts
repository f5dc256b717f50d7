import { expect } from 'chai';
import { hit } from '../../lib/rate-limit.ts';
import { uniqueSlug } from '../support/oidc.ts';
import { stack } from '../support/stack.ts';

describe('rate limits hold over any rolling window', () => {
  before(async () => {
    await stack();
  });

  it('allows 5 per hour however the requests straddle the hour boundary', async () => {
    const org = uniqueSlug('rl');
    const hourStart = Date.UTC(2030, 0, 1, 10);
    const at = (minutes: number) => hourStart + minutes * 60_000;
    const allowed = async (minutes: number) => (await hit(org, 'sends', 5, 3_600_000, at(minutes))).allowed;
    for (const m of [40, 40.5, 41, 41.5, 42]) expect(await allowed(m), `minute ${m}`).to.equal(true);
    expect(await allowed(42.5), 'sixth within the hour').to.equal(false);
    expect(await allowed(60.5), 'just after the boundary, still 5 in the last hour').to.equal(false);
    expect(await allowed(72.5), 'still 5 in the last hour').to.equal(false);
    expect(await allowed(100.5), 'the sends of minutes 40 and 40.5 are over an hour old').to.equal(true);
    expect(await allowed(100.6), 'the second freed slot').to.equal(true);
    expect(await allowed(100.7), 'again 5 in the last hour (41, 41.5, 42, 100.5, 100.6)').to.equal(false);
  });
});

describe('client networks for per-IP limits', () => {
  it('counts IPv4 addresses one by one and IPv6 clients by their /64', async () => {
    const { clientNetwork } = await import('../../idp/otp/budgets.ts');
    expect(clientNetwork('203.0.113.7')).to.equal('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).to.equal('203.0.113.7');
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).to.equal('2001:db8:1:2::/64');
    expect(clientNetwork('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).to.equal('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::1')).to.equal('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).to.equal('0:0:0:0::/64');
  });
});
