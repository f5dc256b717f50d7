import { request } from 'node:http';
import { expect } from 'chai';
import { Browser } from '../support/browser.ts';
import { orgWithClient, type TestOrg } from '../support/oidc.ts';
import { portalSignIn } from '../support/portal.ts';
import type { Stack } from '../support/stack.ts';

describe('malformed requests get a 4xx, never a 500', () => {
  let s: Stack;
  let t: TestOrg;
  before(async () => {
    ({ s, t } = await orgWithClient());
  });

  const cases: [string, (t: TestOrg) => [string, RequestInit?]][] = [
    ['an operator in a query parameter', (t) => [`${t.issuer}/auth?client_id[$ne]=x&response_type=code`]],
    ['an authorization request without parameters', (t) => [`${t.issuer}/auth`]],
    ['a token request with a JSON body', (t) => [`${t.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":{"$ne":1}}' }]],
    ['a token request with garbage', (t) => [`${t.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%=&&grant_type=' }]],
    ['userinfo with a malformed bearer token', (t) => [`${t.issuer}/me`, { headers: { authorization: 'Bearer not.a.token' } }]],
    ['a badly percent-encoded path', (t) => [`${t.issuer}/interaction/%E0%A4%A`]],
    ['a code post without a sign-in cookie', (t) => [`${t.issuer}/interaction/abc/code`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'code=123456' }]],
    ['an unsupported body type', (t) => [`${t.issuer}/interaction/abc/email`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }]],
    ['an unknown path in an organisation', (t) => [`${t.issuer}/no/such/path`]],
    ['a query string on the bare issuer path', (t) => [`${t.issuer}?x=1`]],
    ['an unknown organisation', () => [`${s.baseUrl}/no-such-org/interaction/x`]],
    ['a slug that is not one', () => [`${s.baseUrl}/UPPER..case/token`, { method: 'POST' }]],
  ];

  for (const [label, build] of cases) {
    it(label, async () => {
      const [url, init] = build(t);
      const res = await fetch(url, { redirect: 'manual', ...init, headers: { 'x-forwarded-for': new Browser().ip, ...(init?.headers ?? {}) } });
      expect(res.status, await res.text()).to.be.within(300, 499);
    });
  }
});

/** One request by node:http, which sends any method (fetch refuses TRACE). */
function send(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, body }));
    });
    req.on('error', reject).end();
  });
}

describe('methods no part of the app serves get a 405 with Allow, never a 500', () => {
  let s: Stack;
  let t: TestOrg;
  let cookie: string;
  before(async () => {
    ({ s, t } = await orgWithClient());
    const { browser } = await portalSignIn(s, t.issuer); // the portal's API proxy is only reached signed in
    cookie = await browser.jar.getCookieString(`${t.issuer}/portal/bff/api/company`);
  });

  const paths: [string, (t: TestOrg) => string][] = [
    ["the portal's API proxy", (t) => `${t.issuer}/portal/bff/api/company`],
    ['a portal page', (t) => `${t.issuer}/portal`],
    ['an admin console page', (t) => `${t.issuer}/admin`],
    ['the Client API', (t) => `${t.issuer}/api/v1/company`],
    ['the Admin API', (t) => `${t.issuer}/admin/v1/clients`],
    ["the identity provider's token endpoint", (t) => `${t.issuer}/token`],
    ['a sign-in page', (t) => `${t.issuer}/interaction/abc`],
    ['the health check', () => `${s.baseUrl}/healthz`],
  ];

  for (const method of ['TRACE', 'PROPFIND', 'PURGE']) {
    it(method, async () => {
      for (const [label, url] of paths) {
        for (const accept of ['text/html', 'application/json']) {
          const res = await send(url(t), method, { cookie, accept, 'x-forwarded-for': new Browser().ip });
          expect(res.status, `${method} ${label} (${accept}): ${res.body.slice(0, 200)}`).to.be.below(500).and.equal(405);
          expect(res.allow, `${method} ${label}`).to.equal('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
        }
      }
    });
  }
});
