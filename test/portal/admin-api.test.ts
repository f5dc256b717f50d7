import { expect } from 'chai';
import { adminToken, adminUrl, apiUrl, call, customerToken, staffToken } from '../support/api.ts';
import { makeClient, makeOrg, signIn, uniqueEmail, type TestClient, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Admin API: portals, sections, company and policies', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  let admin: string;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    app = await makeClient(s, t);
    admin = await adminToken(s, t);
  });

  it('creates portals; the first one is primary', async () => {
    const first = await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'main', name: 'Main portal' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ slug: 'main', primary: true });
    const second = await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'members', name: 'Members' });
    expect(second.body).to.include({ slug: 'members', primary: false });
    const again = await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'members', name: 'Again' });
    expect(again.status).to.equal(409);
    const reserved = await call('POST', `${adminUrl(t)}/portals`, admin, { slug: 'callback', name: 'Nope' });
    expect(reserved.status).to.equal(400);
    expect(reserved.body.error_description).to.contain('reserved');
  });

  it('keeps exactly one primary under concurrent "set primary" calls', async () => {
    for (const slug of ['a', 'b', 'c']) await call('POST', `${adminUrl(t)}/portals`, admin, { slug: `race-${slug}`, name: slug });
    const slugs = ['main', 'members', 'race-a', 'race-b', 'race-c'];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('PUT', `${adminUrl(t)}/portals/${slugs[i % slugs.length]}/primary`, admin)),
    );
    expect(results.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
    const list = await call('GET', `${adminUrl(t)}/portals`, admin);
    expect(list.body.items.filter((p: { primary: boolean }) => p.primary)).to.have.length(1);
    const primary = list.body.items.find((p: { primary: boolean }) => p.primary).slug;
    const del = await call('DELETE', `${adminUrl(t)}/portals/${primary}`, admin);
    expect(del.status).to.equal(409);
    await call('PUT', `${adminUrl(t)}/portals/main/primary`, admin);
  });

  it('reorders and toggles sections, rejecting incomplete or unknown lists', async () => {
    const current = (await call('GET', `${adminUrl(t)}/portals/main`, admin)).body.sections as { key: string; state: string }[];
    expect(current.map((x) => x.key)).to.include.members(['home', 'profile', 'company', 'book']);
    expect(current.find((x) => x.key === 'book')).to.include({ state: 'enabled', available: true });
    expect(current.find((x) => x.key === 'tabs')).to.include({ state: 'hidden_when_empty', available: true });
    expect(current.find((x) => x.key === 'membership')).to.include({ state: 'hidden_when_empty', available: true });
    const reordered = [...current].reverse().map(({ key, state }) => ({ key, state: key === 'company' ? 'enabled' : state }));
    const put = await call('PUT', `${adminUrl(t)}/portals/main/sections`, admin, { sections: reordered });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    expect(put.body.sections.map((x: { key: string }) => x.key)).to.deep.equal(reordered.map((x) => x.key));
    const patched = await call('PATCH', `${adminUrl(t)}/portals/main/sections/profile`, admin, { state: 'hidden_when_empty', label: 'About you' });
    expect(patched.body.sections.find((x: { key: string }) => x.key === 'profile')).to.include({ state: 'hidden_when_empty', label: 'About you' });
    expect(patched.body.sections.map((x: { key: string }) => x.key)).to.deep.equal(reordered.map((x) => x.key));

    const missing = await call('PUT', `${adminUrl(t)}/portals/main/sections`, admin, { sections: reordered.slice(1) });
    expect(missing.status).to.equal(400);
    const unknown = await call('PUT', `${adminUrl(t)}/portals/main/sections`, admin, {
      sections: [...reordered.slice(1), { key: 'casino', state: 'enabled' }],
    });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.details[0].field).to.match(/^sections\./);
    const badState = await call('PATCH', `${adminUrl(t)}/portals/main/sections/home`, admin, { state: 'maybe' });
    expect(badState.status).to.equal(400);
  });

  it('adjusts brand colours that fail WCAG AA contrast, and says so', async () => {
    const res = await call('PATCH', `${adminUrl(t)}/portals/members`, admin, {
      branding: { primaryColor: '#FFDD00', accentColor: '#0b7a55', theme: 'dark' },
    });
    expect(res.status).to.equal(200);
    expect(res.body.branding.primaryColor).to.match(/^#[0-9a-f]{6}$/);
    expect(res.body.branding.primaryColor).to.not.equal('#ffdd00');
    expect(res.body.branding.accentColor).to.equal('#0b7a55');
    expect(res.body.warnings).to.have.length(1);
    expect(res.body.warnings[0]).to.contain('primaryColor #ffdd00').and.contain('4.5:1');
    const css = await call('PATCH', `${adminUrl(t)}/portals/members`, admin, { branding: { fontFamily: 'x;} body{display:none' } });
    expect(css.status).to.equal(400);
    const logo = await call('PATCH', `${adminUrl(t)}/portals/members`, admin, { branding: { logoUrl: 'javascript:alert(1)' } });
    expect(logo.status).to.equal(400);
  });

  it('publishes policies as sanitised HTML: injected script stays inert', async () => {
    const markdown =
      '# Terms\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3)) and [ok](https://example.com)';
    const put = await call('PUT', `${adminUrl(t)}/policies/terms`, admin, { markdown });
    expect(put.status).to.equal(200);
    const read = await call('GET', `${apiUrl(t)}/policies/terms`, (await customerToken(s, app)).token);
    expect(read.status).to.equal(200);
    expect(read.body.html).to.contain('<h1>Terms</h1>');
    expect(read.body.html).to.not.match(/<script|<img|href="javascript:/i);
    expect(read.body.html).to.contain('&lt;script&gt;');
    expect(read.body.html).to.contain('<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>');
    expect((await call('PUT', `${adminUrl(t)}/policies/cookies`, admin, { markdown: 'x' })).status).to.equal(400);
    const company = await call('PUT', `${adminUrl(t)}/company`, admin, { address: '1 Quay St', email: 'not-an-email' });
    expect(company.status).to.equal(400);
    expect(company.body.details[0].field).to.equal('email');
  });

  it('lets staff read but not write; customers without a role get nothing', async () => {
    const staff = await staffToken(s, t, app, uniqueEmail('staff'), 'staff');
    expect((await call('GET', `${adminUrl(t)}/portals`, staff)).status).to.equal(200);
    const write = await call('PATCH', `${adminUrl(t)}/portals/main`, staff, { name: 'Hijacked' });
    expect(write.status).to.equal(403);
    expect(write.body.error).to.equal('insufficient_scope');
    const owner = await staffToken(s, t, app, uniqueEmail('owner'), 'owner');
    expect((await call('PATCH', `${adminUrl(t)}/portals/main`, owner, { name: 'Main' })).status).to.equal(200);
    // Signed in, asked for the admin scope, but not on the staff list: a token without a role.
    const { tokens } = await signIn(s, app, { params: { scope: 'openid admin', resource: `${t.issuer}/admin` } });
    expect((await call('GET', `${adminUrl(t)}/portals`, tokens.access_token)).status).to.equal(403);
  });

  it('rejects tokens of another organisation, of another audience, and none at all', async () => {
    const other = await makeOrg(s);
    const otherAdmin = await adminToken(s, other, 'owner');
    const foreign = await call('GET', `${adminUrl(t)}/portals`, otherAdmin);
    expect(foreign.status).to.equal(401);
    expect(foreign.headers.get('www-authenticate')).to.contain('invalid_token');
    const clientApi = await customerToken(s, app);
    expect((await call('GET', `${adminUrl(t)}/portals`, clientApi.token)).status).to.equal(401);
    expect((await call('GET', `${apiUrl(t)}/company`, admin)).status).to.equal(401);
    expect((await call('GET', `${adminUrl(t)}/portals`, undefined)).status).to.equal(401);
    expect((await call('GET', `${adminUrl(t)}/portals`, 'a.b.c')).status).to.equal(401);
    // And organisation B sees none of A's portals with its own token.
    expect((await call('GET', `${adminUrl(other)}/portals`, otherAdmin)).body.items).to.deep.equal([]);
    expect((await call('GET', `${adminUrl(other)}/portals/members`, otherAdmin)).status).to.equal(404);
  });

  it('answers bad input with a 4xx JSON error, never a 500', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/portals', '{"slug":'],
      ['POST', '/portals', '[1,2]'],
      ['POST', '/portals', { slug: { $ne: 1 }, name: 'x' }],
      ['POST', '/portals', { slug: 'ok-slug', name: 'x', extra: true }],
      ['PATCH', '/portals/NOT%20A%20SLUG', { name: 'x' }],
      ['PUT', '/portals/main/sections', { sections: 'all' }],
      ['PUT', '/policies/terms', { markdown: 'x'.repeat(100_001) }],
    ];
    for (const [method, path, body] of cases) {
      const res = await call(method, `${adminUrl(t)}${path}`, admin, body);
      expect(res.status, `${method} ${path}`).to.be.within(400, 499);
      expect(res.body.error, `${method} ${path}`).to.be.a('string');
    }
  });

  it('publishes an OpenAPI description of both APIs', async () => {
    const adminDoc = await call('GET', `${adminUrl(t)}/openapi.json`, undefined);
    expect(adminDoc.body.openapi).to.equal('3.1.0');
    expect(adminDoc.body.servers[0].url).to.equal(adminUrl(t));
    expect(adminDoc.body.paths['/portals/{slug}/sections'].put.requestBody.content['application/json'].schema.properties).to.have.property(
      'sections',
    );
    const clientDoc = await call('GET', `${apiUrl(t)}/openapi.json`, undefined);
    expect(clientDoc.body.paths).to.have.property('/profile');
  });
});
