import { expect } from 'chai';
import { Browser } from '../support/browser.ts';
import { orgWithClient, type TestOrg } from '../support/oidc.ts';
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
