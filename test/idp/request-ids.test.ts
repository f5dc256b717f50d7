// Every answer names its request (X-Request-Id), and every log line written while answering carries the same id, so
// one request can be followed through the logs, also across the portal's call to its API.
import { expect } from 'chai';
import { makeOrg } from '../support/oidc.ts';
import { portalSignIn, portalUrl } from '../support/portal.ts';
import { stack } from '../support/stack.ts';

describe('Request ids', () => {
  it('are made, or kept when the caller gave a plausible one, and are on every log line of the request', async () => {
    const s = await stack();
    const made = await fetch(`${s.baseUrl}/healthz`);
    expect(made.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${s.baseUrl}/healthz`, { headers: { 'x-request-id': 'edge-7f3a9c21' } });
    expect(kept.headers.get('x-request-id')).to.equal('edge-7f3a9c21');
    const refused = await fetch(`${s.baseUrl}/healthz`, { headers: { 'x-request-id': 'not an id <script>' } });
    expect(refused.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const lines = () => s.logs.map((l) => JSON.parse(l) as { msg: string; requestId?: string; path?: string });
    expect(
      lines()
        .filter((l) => l.requestId === 'edge-7f3a9c21')
        .map((l) => l.msg),
    ).to.include('request');

    // The portal's call to its API carries the page's id: both servers' lines share it.
    const t = await makeOrg(s);
    const { browser } = await portalSignIn(s, t.issuer);
    const res = await browser.request(`${portalUrl(t.issuer)}/bff/api/profile`, {
      headers: { accept: 'application/json', 'x-request-id': 'page-0a1b2c3d4e' },
    });
    expect(res.status).to.equal(200);
    const paths = lines()
      .filter((l) => l.requestId === 'page-0a1b2c3d4e' && l.msg === 'request')
      .map((l) => l.path);
    expect(paths).to.have.members([`/${t.org.slug}/portal/bff/api/profile`, `/${t.org.slug}/api/v1/profile`]);
  });
});
