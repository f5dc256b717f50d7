// The security headers of every kind of answer Portico gives (lib/security-headers.ts): a tight Content-Security-Policy
// whose nonce the page's own styles carry, no framing but the console's deliberate preview, no sniffing, no referrer,
// nothing personal cached (only the content-hashed assets are), and HSTS exactly when the browser came over HTTPS.
import { expect } from 'chai';
import { CustomerModel } from '../../idp/customers/model.ts';
import { setStaffRole } from '../../idp/organisations/staff.ts';
import { adminToken, adminUrl, apiUrl, call, customerToken } from '../support/api.ts';
import { Browser } from '../support/browser.ts';
import { makeClient, makeOrg, uniqueEmail } from '../support/oidc.ts';
import { appSignIn, portalSignIn, portalUrl } from '../support/portal.ts';
import { METRICS_TOKEN, secondInstance, stack, type Stack } from '../support/stack.ts';

/** How an answer may be cached: never (the rule), or for a year (content-hashed assets), or briefly (public metadata). */
type Caching = 'never' | 'immutable' | 'public';
/** `status`: what the answer must be, so each kind is what its name says (a page is a page, not an error page). */
type Kind = { name: string; status: number; caching?: Caching; framedBySelf?: boolean; get: (extra: Record<string, string>) => Promise<Response> };

const directives = (csp: string) =>
  Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([n]) => n)
      .map(([name, ...values]) => [name!, values]),
  );

/** Checks one answer's headers (and, for a page, that its inline styles carry the policy's nonce); answers the problems. */
async function problems(kind: Kind, res: Response, overTls: boolean): Promise<string[]> {
  const h = (name: string) => res.headers.get(name);
  const found: string[] = [];
  const expect = (ok: boolean, what: string) => ok || found.push(`${kind.name} (${res.status}): ${what}`);
  expect(h('x-content-type-options') === 'nosniff', `X-Content-Type-Options is ${h('x-content-type-options')}`);
  expect(h('referrer-policy') === 'no-referrer', `Referrer-Policy is ${h('referrer-policy')}`);
  const hsts = h('strict-transport-security');
  expect(
    overTls ? /^max-age=(\d+)/.test(hsts ?? '') && Number(/max-age=(\d+)/.exec(hsts!)![1]) >= 31_536_000 : hsts === null,
    `Strict-Transport-Security is ${hsts} ${overTls ? 'over' : 'without'} TLS`,
  );
  const caching = kind.caching ?? 'never';
  const cache = h('cache-control') ?? '';
  if (caching === 'never') expect(/\bno-store\b/.test(cache), `Cache-Control is ${cache || 'missing'}`);
  if (caching === 'immutable') expect(/\bpublic\b/.test(cache) && /\bimmutable\b/.test(cache), `Cache-Control is ${cache || 'missing'}`);
  if (caching === 'public') expect(!/\bprivate\b/.test(cache), `Cache-Control is ${cache}`);

  const csp = h('content-security-policy');
  if (!csp) return [...found, `${kind.name}: no Content-Security-Policy`];
  const d = directives(csp);
  expect(d['frame-ancestors']?.join(' ') === (kind.framedBySelf ? "'self'" : "'none'"), `frame-ancestors is ${d['frame-ancestors']}`);
  expect(h('x-frame-options') === (kind.framedBySelf ? null : 'DENY'), `X-Frame-Options is ${h('x-frame-options')}`);
  expect(d['base-uri']?.join(' ') === "'none'", `base-uri is ${d['base-uri']}`);
  expect(d['default-src']?.every((v) => v === "'none'" || v === "'self'") ?? false, `default-src is ${d['default-src']}`);
  for (const [name, values] of Object.entries(d)) {
    for (const v of values)
      expect(
        !["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:'].includes(v) || (name === 'img-src' && v === 'https:'),
        `${name} allows ${v}`,
      );
  }
  if (/html/.test(h('content-type') ?? '')) {
    const html = await res.text();
    const nonces = (d['style-src'] ?? []).filter((v) => v.startsWith("'nonce-")).map((v) => v.slice(7, -1));
    for (const [tag] of html.matchAll(/<style\b[^>]*>/g))
      expect(
        nonces.some((n) => tag.includes(`nonce="${n}"`)),
        `${tag} without the policy's nonce`,
      );
    expect(!/\sstyle="/.test(html), 'an inline style attribute (no nonce can allow it)');
  } else {
    await res.body?.cancel();
  }
  return found;
}

describe('Security headers on every kind of answer', function () {
  this.timeout(120_000);
  let s: Stack;
  const kinds: Kind[] = [];

  before(async () => {
    s = await stack();
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    const admin = await adminToken(s, t, 'admin');
    const owner = await adminToken(s, t, 'owner');
    const portal = await portalSignIn(s, t.issuer);
    const staffEmail = uniqueEmail('staff');
    await setStaffRole(t.org.slug, staffEmail, 'admin', undefined);
    const staff = await appSignIn(s, `${t.issuer}/admin`, { email: staffEmail });
    expect(staff.status).to.equal(200);
    const customer = await customerToken(s, app, { scope: 'profile payments' });

    /** An invoice of the customer: a tab settled in cash at the counter. */
    const invoiceOf = async (customerId: string) => {
      const tab = (await call('POST', `${adminUrl(t)}/tabs`, admin, { customerId })).body;
      expect(
        (await call('POST', `${adminUrl(t)}/tabs/${tab.id}/lines`, admin, { description: 'Towel', quantity: 1, unitAmount: 300 })).status,
      ).to.equal(201);
      expect((await call('POST', `${adminUrl(t)}/tabs/${tab.id}/settle`, admin, { method: 'cash' })).status).to.equal(200);
      const id = (await call('GET', `${adminUrl(t)}/tabs/${tab.id}`, admin)).body.invoiceId as string;
      expect(id).to.match(/^inv_/);
      return id;
    };
    expect((await call('PUT', `${adminUrl(t)}/payments/settings`, owner, { currency: 'GBP' })).status).to.equal(200);
    const invoiceId = await invoiceOf(customer.tokens.claims()!.sub);
    const portalInvoiceId = await invoiceOf((await CustomerModel.findOne({ org: t.org._id, email: portal.email }).lean())!._id as string);

    const signedOut = () => new Browser();
    const bearer = (token: string, extra: Record<string, string>, accept = 'application/json') => ({
      authorization: `Bearer ${token}`,
      accept,
      ...extra,
    });
    const get = (url: string, headers: Record<string, string>) => fetch(url, { headers, redirect: 'manual' });
    const portalPage = await portal.browser.get(portalUrl(t.issuer)).then((r) => r.text());
    const asset = /<script type="module" src="([^"]+)"/.exec(portalPage)![1]!;
    kinds.push(
      // Sign-in and the identity provider's pages
      { name: 'a redirect to sign in (portal, signed out)', status: 302, get: (x) => signedOut().request(portalUrl(t.issuer), { headers: x }) },
      {
        name: 'the sign-in page',
        status: 200,
        get: async (x) => {
          const b = signedOut();
          const { url } = await b.follow(portalUrl(t.issuer), s.baseUrl);
          return b.request(url, { headers: x });
        },
      }, // prettier-ignore
      {
        name: 'the sign-out confirmation',
        status: 200,
        get: (x) => portal.browser.request(`${t.issuer}/session/end?client_id=${app.clientId}`, { headers: x }),
      },
      { name: 'the portal signed-out page', status: 200, get: (x) => signedOut().request(`${portalUrl(t.issuer)}/signed-out`, { headers: x }) },
      // Error pages
      { name: 'a 404 page', status: 404, get: (x) => signedOut().request(`${s.baseUrl}/no/such/page`, { headers: x }) },
      { name: 'a 404 in JSON', status: 404, get: (x) => get(`${s.baseUrl}/no/such/page`, { accept: 'application/json', ...x }) },
      { name: "the issuer's bad request page", status: 400, get: (x) => signedOut().request(`${t.issuer}/auth?client_id=nope`, { headers: x }) },
      { name: 'a bad request in JSON', status: 400, get: (x) => get(`${apiUrl(t)}/availability?service=x&from=never`, bearer(customer.token, x)) },
      { name: 'a method not allowed', status: 405, get: (x) => fetch(`${s.baseUrl}/healthz`, { method: 'PROPFIND', headers: x }) },
      // The apps
      { name: 'the portal shell', status: 200, get: (x) => portal.browser.request(portalUrl(t.issuer), { headers: x }) },
      {
        name: "the portal shell in the console's preview",
        status: 200,
        framedBySelf: true,
        get: (x) => portal.browser.request(`${portalUrl(t.issuer)}?preview=1`, { headers: x }),
      },
      { name: 'the console shell', status: 200, get: (x) => staff.browser.request(`${t.issuer}/admin`, { headers: x }) },
      {
        name: "the portal's BFF JSON",
        status: 200,
        get: (x) => portal.browser.request(`${portalUrl(t.issuer)}/bff/api/profile`, { headers: { accept: 'application/json', ...x } }),
      },
      {
        name: "the console's BFF JSON",
        status: 200,
        get: (x) => staff.browser.request(`${t.issuer}/admin/bff/api/portals`, { headers: { accept: 'application/json', ...x } }),
      },
      {
        name: "the portal's BFF invoice PDF",
        status: 200,
        get: (x) => portal.browser.request(`${portalUrl(t.issuer)}/bff/api/documents/${portalInvoiceId}/pdf`, { headers: { accept: '*/*', ...x } }),
      },
      { name: 'a content-hashed asset', status: 200, caching: 'immutable', get: (x) => get(`${s.baseUrl}${asset}`, x) },
      // The APIs
      { name: 'Client API JSON', status: 200, get: (x) => get(`${apiUrl(t)}/profile`, bearer(customer.token, x)) },
      { name: 'Client API event stream', status: 200, get: (x) => get(`${apiUrl(t)}/events`, bearer(customer.token, x, 'text/event-stream')) },
      { name: 'Client API invoice PDF', status: 200, get: (x) => get(`${apiUrl(t)}/documents/${invoiceId}/pdf`, bearer(customer.token, x, '*/*')) },
      { name: 'Admin API JSON', status: 200, get: (x) => get(`${adminUrl(t)}/portals`, bearer(admin, x)) },
      { name: 'Admin API invoice PDF', status: 200, get: (x) => get(`${adminUrl(t)}/documents/${invoiceId}/pdf`, bearer(admin, x, '*/*')) },
      { name: 'Admin API documents CSV', status: 200, get: (x) => get(`${adminUrl(t)}/documents.csv`, bearer(admin, x, 'text/csv')) },
      // Public metadata and operations
      { name: 'discovery', status: 200, caching: 'public', get: (x) => get(`${t.issuer}/.well-known/openid-configuration`, x) },
      { name: 'JWKS', status: 200, caching: 'public', get: (x) => get(`${t.issuer}/jwks`, x) },
      { name: 'health', status: 200, get: (x) => get(`${s.baseUrl}/healthz`, x) },
      { name: 'readiness', status: 200, get: (x) => get(`${s.baseUrl}/readyz`, x) },
      { name: 'metrics', status: 200, get: (x) => get(`${s.baseUrl}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}`, ...x }) },
    );
  });

  for (const tls of [false, true]) {
    it(`sets them on every kind of answer ${tls ? 'behind a TLS proxy (X-Forwarded-Proto: https), with HSTS' : 'over plain HTTP, without HSTS'}`, async () => {
      const found: string[] = [];
      for (const kind of kinds) {
        const res = await kind.get(tls ? { 'x-forwarded-proto': 'https' } : {});
        if (res.status !== kind.status) found.push(`${kind.name}: answered ${res.status}, not ${kind.status}`);
        found.push(...(await problems(kind, res, tls)));
      }
      console.log(`      ${kinds.length} kinds of answer checked`);
      expect(found).to.deep.equal([]);
    });
  }

  it('sends HSTS when the public URL is HTTPS even if the proxy is not trusted, and never on an untrusted X-Forwarded-Proto', async () => {
    const https = await secondInstance(s, { TRUST_PROXY: 'false', PUBLIC_URL: 'https://portico.example' });
    const untrusted = await secondInstance(s, { TRUST_PROXY: 'false' });
    try {
      expect((await fetch(`${https.baseUrl}/healthz`)).headers.get('strict-transport-security')).to.equal('max-age=31536000');
      expect(
        (await fetch(`${untrusted.baseUrl}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'),
      ).to.equal(null);
    } finally {
      await Promise.all([https.stop(), untrusted.stop()]);
    }
  });
});
