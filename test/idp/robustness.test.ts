import { request } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'chai';
import { adminToken, customerToken } from '../support/api.ts';
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
    [
      'a token request with a JSON body',
      (t) => [`${t.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":{"$ne":1}}' }],
    ],
    [
      'a token request with garbage',
      (t) => [`${t.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%=&&grant_type=' }],
    ],
    ['userinfo with a malformed bearer token', (t) => [`${t.issuer}/me`, { headers: { authorization: 'Bearer not.a.token' } }]],
    ['a badly percent-encoded path', (t) => [`${t.issuer}/interaction/%E0%A4%A`]],
    [
      'a code post without a sign-in cookie',
      (t) => [
        `${t.issuer}/interaction/abc/code`,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'code=123456' },
      ],
    ],
    [
      'an unsupported body type',
      (t) => [`${t.issuer}/interaction/abc/email`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }],
    ],
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
          expect(res.status, `${method} ${label} (${accept}): ${res.body.slice(0, 200)}`)
            .to.be.below(500)
            .and.equal(405);
          expect(res.allow, `${method} ${label}`).to.equal('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
        }
      }
    });
  }
});

type Leave = 'close' | 'reset';

/**
 * Sends `head` (and `body`) over a raw socket, then leaves, closing (FIN) or resetting (RST) the connection: `after`
 * milliseconds later, or once the first bytes of the answer arrive.
 */
function leave(baseUrl: string, how: Leave, head: string[], body = '', after: number | 'answered' = 100): Promise<void> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const go = () => {
      if (how === 'reset') socket.resetAndDestroy();
      else socket.destroy();
      resolve();
    };
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write([...head, `Host: ${url.host}`, '', ''].join('\r\n') + body);
      if (after !== 'answered') setTimeout(go, after);
    });
    if (after === 'answered') socket.once('data', go);
  });
}

describe('clients that go away mid-request or mid-response are routine: logged at debug, never as errors', () => {
  let s: Stack;
  let t: TestOrg;
  let admin: string;
  let customer: string;
  let cookie: string;
  before(async () => {
    let app: Awaited<ReturnType<typeof orgWithClient>>['app'];
    ({ s, t, app } = await orgWithClient());
    admin = await adminToken(s, t, 'admin');
    customer = (await customerToken(s, app, { scope: 'bookings bookings:write' })).token;
    const { browser } = await portalSignIn(s, t.issuer);
    cookie = `Cookie: ${await browser.jar.getCookieString(`${t.issuer}/portal/bff/api/company`)}`;
  });

  /** Runs `go`, then collects what was logged for it, and what reached stderr (oidc-provider is a Koa app of its own). */
  async function logged(go: () => Promise<void>) {
    const from = s.logs.length;
    const stderr: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void stderr.push(args.join(' '));
    try {
      await go();
      for (let i = 0; i < 100 && !s.logs.slice(from).some((l) => /"msg":"request"/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300)); // errors of a closed socket come apart from the request's end
    } finally {
      console.error = original;
    }
    const lines = s.logs.slice(from).map((l) => JSON.parse(l) as { level: string; msg: string });
    return {
      errors: lines.filter((l) => l.level === 'error'),
      gone: lines.filter((l) => l.level === 'debug' && l.msg === 'client went away'),
      stderr,
    };
  }

  const org = (t: TestOrg) => `/${t.org.slug}`;
  const json = ['Content-Type: application/json', 'Content-Length: 1000'];
  const midBody: [string, (t: TestOrg) => string[]][] = [
    ['the Admin API', (t) => [`POST ${org(t)}/admin/v1/locations HTTP/1.1`, `Authorization: Bearer ${admin}`, ...json]],
    ["the identity provider's part of the Admin API", (t) => [`POST ${org(t)}/admin/v1/clients HTTP/1.1`, `Authorization: Bearer ${admin}`, ...json]],
    ['the Client API', (t) => [`POST ${org(t)}/api/v1/bookings HTTP/1.1`, `Authorization: Bearer ${customer}`, ...json]],
    [
      "the portal's API proxy",
      (t) => [`POST ${org(t)}/portal/bff/api/profile HTTP/1.1`, cookie, 'Sec-Fetch-Site: same-origin', 'X-Portico-Csrf: 1', ...json],
    ],
    [
      "oidc-provider's token endpoint",
      (t) => [`POST ${org(t)}/token HTTP/1.1`, 'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 1000'],
    ],
  ];
  const midResponse: [string, (t: TestOrg) => string[]][] = [
    [
      "the Client API's event stream",
      (t) => [`GET ${org(t)}/api/v1/events HTTP/1.1`, `Authorization: Bearer ${customer}`, 'Accept: text/event-stream'],
    ],
    ["the portal's proxied event stream", (t) => [`GET ${org(t)}/portal/bff/api/events HTTP/1.1`, cookie, 'Accept: text/event-stream']],
  ];

  for (const how of ['close', 'reset'] as const) {
    it(`in the middle of a request body (${how})`, async () => {
      for (const [label, head] of midBody) {
        const { errors, gone, stderr } = await logged(() => leave(s.baseUrl, how, head(t), '{"name":"Harbo'));
        expect(errors, label).to.deep.equal([]);
        expect(stderr, label).to.deep.equal([]);
        expect(gone, label).to.not.be.empty;
      }
    });

    it(`while the answer streams (${how})`, async () => {
      for (const [label, head] of midResponse) {
        const { errors, stderr } = await logged(() => leave(s.baseUrl, how, head(t), '', 'answered'));
        expect(errors, label).to.deep.equal([]);
        expect(stderr, label).to.deep.equal([]);
      }
    });

    it(`before the proxied API has answered (${how})`, async () => {
      // The proxy's call is cancelled when the browser goes away; when exactly that lands varies, so leave at a few moments.
      for (const after of [0, 5, 10, 20, 40]) {
        const { errors, stderr } = await logged(() =>
          leave(s.baseUrl, how, [`GET ${org(t)}/portal/bff/api/bookings?view=upcoming HTTP/1.1`, cookie], '', after),
        );
        expect(errors, `after ${after} ms`).to.deep.equal([]);
        expect(stderr, `after ${after} ms`).to.deep.equal([]);
      }
    });
  }
});
