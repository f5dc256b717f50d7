import { expect } from 'chai';
import mongoose from 'mongoose';
import { json } from '../support/http.ts';
import { recordSignIn } from '../../idp/customers/service.ts';
import { Browser, formAction } from '../support/browser.ts';
import { expireCodes, passCooldown, storedCodes } from '../support/clock.ts';
import { codeFrom } from '../support/mailbox.ts';
import {
  authorizationRequest,
  makeClient,
  makeOrg,
  openSignIn,
  requestCode,
  submitCode,
  uniqueEmail,
  type TestClient,
  type TestOrg,
  orgWithClient,
} from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';

describe('email one-time code rules', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  before(async () => {
    ({ s, t, app } = await orgWithClient({ name: 'Harbour & Co Spa' }));
  });

  async function codePage(browser = new Browser(), email = uniqueEmail()) {
    const page = await openSignIn(s, browser, await authorizationRequest(app));
    const sent = await requestCode(s, browser, page, email);
    return { browser, email, ...sent };
  }
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const resend = async (browser: Browser, page: { html: string }) => browser.post(new URL(formAction(page.html, '/resend'), s.baseUrl), {});

  it('renders accessible forms: email autocomplete, then a numeric one-time-code field', async () => {
    const browser = new Browser();
    const page = await openSignIn(s, browser, await authorizationRequest(app));
    expect(page.html).to.match(/<input[^>]*type="email"[^>]*autocomplete="email"/);
    expect(page.html).to.contain('<label for="email">');
    const { page: step2 } = await requestCode(s, browser, page, uniqueEmail());
    expect(step2.html).to.match(/<input[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"/);
    expect(step2.html).to.contain('Resend code');
    expect(step2.html).to.contain('Use a different email');
  });

  it('serves sign-in pages that cannot be framed and run no script', async () => {
    const browser = new Browser();
    const { url } = await openSignIn(s, browser, await authorizationRequest(app));
    const res = await browser.get(url);
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
    expect(res.headers.get('content-security-policy')).to.contain("frame-ancestors 'none'").and.contain("default-src 'none'");
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
  });

  it('mails 6 digits with the organisation, when, which browser, and what to do if it was not you', async () => {
    const { mail, code } = await codePage();
    expect(code).to.match(/^\d{6}$/);
    expect(mail.subject).to.equal(`${code} is your Harbour & Co Spa sign-in code`);
    expect(mail.text).to.contain('Harbour & Co Spa');
    expect(mail.text).to.contain('from Firefox on Windows');
    expect(mail.text).to.match(/requested on \w+day, .+ 20\d\d/i);
    expect(mail.text).to.contain('If you did not try to sign in');
    expect(mail.html).to.contain(code);
    expect(mail.html).to.contain('Harbour &amp; Co Spa');
  });

  it('draws codes that are not predictable from one another', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 4; i++) codes.add((await codePage()).code);
    expect(codes.size).to.equal(4);
  });

  it('stores only a keyed hash of the code, never the code', async () => {
    const { email, code } = await codePage();
    const [doc] = await storedCodes(t.org._id, email);
    expect(JSON.stringify(doc)).to.not.contain(code);
    expect(doc!.codeHash).to.match(/^[\w-]{43}$/);
    expect(s.logs.some((line) => line.includes(code))).to.equal(false);
  });

  it('rejects a code after 10 minutes', async () => {
    const { browser, email, page, code } = await codePage();
    await expireCodes(t.org._id, email);
    const res = await submitCode(s, browser, page, code);
    expect(res.status).to.equal(400);
    expect(res.html).to.contain('expired');
  });

  it('consumes a code once: of parallel right answers exactly one signs in', async () => {
    const { browser, page, code } = await codePage();
    const action = new URL(formAction(page.html, '/code'), s.baseUrl);
    const results = await Promise.all(Array.from({ length: 8 }, () => browser.post(action, { code })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((st) => st === 303)).to.have.length(1);
    expect(statuses.filter((st) => st !== 303).every((st) => st >= 400 && st < 500)).to.equal(true);
  });

  it('kills a code after 5 wrong tries, and a resend does not reset the count', async () => {
    const { browser, email, page, code } = await codePage();
    for (let i = 1; i <= 3; i++) {
      const res = await submitCode(s, browser, page, wrong(code));
      expect(res.status).to.equal(400);
      expect(res.html).to.contain(`${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left`);
    }
    await passCooldown(t.org._id, email);
    const sentAfter = Date.now();
    expect((await resend(browser, page)).status).to.equal(303);
    const fresh = codeFrom(await s.mailbox.next(email, sentAfter));
    expect((await submitCode(s, browser, page, wrong(fresh))).html).to.contain('1 try left');
    expect((await submitCode(s, browser, page, wrong(fresh))).html).to.contain('Too many wrong tries');
    const right = await submitCode(s, browser, page, fresh);
    expect(right.status).to.equal(400);
  });

  it('keeps one live code per address and interaction: a new code replaces the old one', async () => {
    const { browser, email, page, code: first } = await codePage();
    await passCooldown(t.org._id, email);
    const sentAfter = Date.now();
    await resend(browser, page);
    const second = codeFrom(await s.mailbox.next(email, sentAfter));
    expect((await storedCodes(t.org._id, email)).length).to.equal(1);
    if (first !== second) expect((await submitCode(s, browser, page, first)).status).to.equal(400);
    const ok = await submitCode(s, browser, page, second);
    expect(ok.url?.startsWith(app.redirectUri)).to.equal(true);
  });

  it('allows a resend at most once per 30 seconds', async () => {
    const { browser, page } = await codePage();
    const res = await resend(browser, page);
    expect(res.status).to.equal(429);
    expect(Number(res.headers.get('retry-after'))).to.be.within(1, 30);
    expect(await res.text()).to.match(/wait \d+ seconds/);
  });

  it('sends at most 5 codes per hour to one address', async () => {
    const { browser, email, page } = await codePage();
    for (let i = 2; i <= 5; i++) {
      await passCooldown(t.org._id, email);
      expect((await resend(browser, page)).status, `send ${i}`).to.equal(303);
    }
    await passCooldown(t.org._id, email);
    const sixth = await resend(browser, page);
    expect(sixth.status).to.equal(429);
    expect(await sixth.text()).to.contain('Too many codes requested');
  });

  // Past 30 codes an hour from one network an organisation asks for a proof of work first; its budgets, and the
  // platform's, are tested in ./network-limits.test.ts.
  it('sends one network 30 codes an hour across many addresses, then asks for a security check first', async () => {
    const browser = new Browser();
    let last: Response | undefined;
    for (let i = 0; i < 31; i++) {
      const page = await openSignIn(s, browser, await authorizationRequest(app));
      last = await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email: uniqueEmail('ip') });
      if (i < 30) expect(last.status, `send ${i + 1}`).to.equal(303);
    }
    expect(last!.status).to.equal(429);
    expect(await last!.text())
      .to.contain('your browser first does a short security check')
      .and.contain('data-challenge=');
  });

  it("counts one network's free codes per organisation", async () => {
    const browser = new Browser();
    for (let i = 0; i < 30; i++) {
      const page = await openSignIn(s, browser, await authorizationRequest(app));
      expect((await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email: uniqueEmail('here') })).status).to.equal(303);
    }
    const other = await makeOrg(s);
    const otherApp = await makeClient(s, other);
    const page = await openSignIn(s, browser, await authorizationRequest(otherApp));
    expect((await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email: uniqueEmail('there') })).status).to.equal(303);
  });

  it("does not let a client over its IP limit spend a victim address's cool-down", async () => {
    const attacker = new Browser();
    for (let i = 0; i < 30; i++) {
      const page = await openSignIn(s, attacker, await authorizationRequest(app));
      await attacker.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email: uniqueEmail('filler') });
    }
    const victim = uniqueEmail('victim');
    const page = await openSignIn(s, attacker, await authorizationRequest(app));
    expect((await attacker.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email: victim })).status).to.equal(429);
    const { code } = await codePage(new Browser(), victim); // the victim, from their own browser, is not told to wait
    expect(code).to.match(/^\d{6}$/);
  });

  it('counts the address our proxy saw, not one the client put first in X-Forwarded-For', async () => {
    const browser = new Browser();
    let last = 0;
    for (let i = 0; i < 31; i++) {
      const page = await openSignIn(s, browser, await authorizationRequest(app));
      const spoofed = `203.0.113.${i}, ${browser.ip}`;
      const res = await browser.request(new URL(formAction(page.html, '/email'), s.baseUrl), {
        form: { email: uniqueEmail('spoof') },
        headers: { 'x-forwarded-for': spoofed },
      });
      last = res.status;
    }
    expect(last).to.equal(429);
  });

  it('sends no more codes to an address for an hour after 10 wrong codes (to browsers not remembered for it)', async () => {
    const email = uniqueEmail('locked');
    for (let round = 0; round < 2; round++) {
      const { browser, page, code } = await codePage(new Browser(), email);
      for (let i = 0; i < 5; i++) await submitCode(s, browser, page, wrong(code));
      await passCooldown(t.org._id, email);
    }
    const browser = new Browser();
    const page = await openSignIn(s, browser, await authorizationRequest(app));
    const res = await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email });
    expect(res.status).to.equal(429);
    expect(await res.text()).to.match(/Too many wrong codes for this address\. Try again in (59|60) minutes/);
  });

  it('counts exactly 5 tries on a code under 50 parallel wrong codes', async () => {
    const { browser, email, page, code } = await codePage();
    const action = new URL(formAction(page.html, '/code'), s.baseUrl);
    const statuses = await Promise.all(Array.from({ length: 50 }, () => browser.post(action, { code: wrong(code) }).then((r) => r.status)));
    expect(
      statuses.every((st) => st === 400 || st === 429),
      String(statuses),
    ).to.equal(true);
    const [stored] = await mongoose.connection.db!.collection('oidc_payloads').find({ org: t.org._id, 'otp.email': email }).toArray();
    expect(Object.values(stored!.otpTries as Record<string, number>)).to.deep.equal([5]);
    expect((await submitCode(s, browser, page, code)).html).to.contain('Too many wrong tries');
  });

  it('accepts a code only in the browser interaction that asked for it', async () => {
    const a = await codePage();
    const other = new Browser();
    const page = await openSignIn(s, other, await authorizationRequest(app));
    await passCooldown(t.org._id, a.email);
    const { page: otherPage } = await requestCode(s, other, page, a.email);
    const res = await submitCode(s, other, otherPage, a.code);
    expect(res.status).to.equal(400);
    // and the code cannot be posted to the first interaction from another browser (no interaction cookie)
    const stolen = await new Browser().post(new URL(formAction(a.page.html, '/code'), s.baseUrl), { code: a.code });
    expect(stolen.status).to.be.within(400, 499);
  });

  it('answers the same whether or not the address has an account, and mails only existing customers when sign-up is closed', async () => {
    const closed = await makeOrg(s, { selfSignUp: false });
    const closedApp = await makeClient(s, closed);
    const known = uniqueEmail('known');
    await recordSignIn(closed.org._id, known, true); // an existing customer (e.g. imported by the business)

    const answer = async (email: string) => {
      const browser = new Browser();
      const page = await openSignIn(s, browser, await authorizationRequest(closedApp));
      const res = await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email });
      const next = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
      return {
        status: res.status,
        html: (await next.res!.text())
          .replaceAll(email, 'EMAIL')
          .replace(/interaction\/[\w-]+/g, 'interaction/UID')
          .replace(/nonce="[^"]+"/g, 'nonce="N"'),
      }; // a nonce is per answer
    };
    const unknown = uniqueEmail('unknown');
    const before = Date.now();
    const [forKnown, forUnknown] = await Promise.all([answer(known), answer(unknown)]);
    expect(forKnown).to.deep.equal(forUnknown);
    await s.mailbox.next(known, before);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.mailbox.to(unknown)).to.have.length(0);
  });

  describe('bad input gets a clear 4xx, never a 500', () => {
    let browser: Browser;
    let action: URL;
    before(async () => {
      browser = new Browser();
      const page = await openSignIn(s, browser, await authorizationRequest(app));
      action = new URL(formAction(page.html, '/email'), s.baseUrl);
    });

    for (const [label, body] of [
      ['an address with CR/LF', { form: { email: 'a@example.com\r\nBcc: victim@example.com' } }],
      ['an operator in a form field (email[$ne]=)', { body: 'email[$ne]=', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['an operator in JSON', { json: { email: { $ne: '' } } }],
      ['not an address', { form: { email: 'not-an-email' } }],
      ['malformed JSON', { body: '{"email":', headers: { 'content-type': 'application/json' } }],
    ] as const) {
      it(`rejects ${label}`, async () => {
        const res = await browser.request(action, {
          method: 'POST',
          ...body,
          headers: { accept: 'application/json', ...('headers' in body ? body.headers : {}) },
        });
        expect(res.status).to.equal(400);
        const answer = await json(res);
        expect(answer.error).to.equal('invalid_request');
        expect(answer.error_description).to.be.a('string').and.not.empty;
      });
    }

    it('shows people the form again with the error', async () => {
      const res = await browser.post(action, { email: 'not-an-email' });
      expect(res.status).to.equal(400);
      const html = await res.text();
      expect(html).to.contain('Enter a valid email address.');
      expect(html).to.contain('value="not-an-email"');
    });

    it('rejects an oversized body with 413', async () => {
      const res = await browser.request(action, { method: 'POST', form: { email: 'x'.repeat(70_000) }, headers: { accept: 'application/json' } });
      expect(res.status).to.equal(413);
    });

    it('rejects a code that is not 6 digits without counting it', async () => {
      const { browser: b, page } = await codePage();
      const res = await submitCode(s, b, page, '12ab');
      expect(res.status).to.equal(400);
      expect(res.html).to.contain('Enter the 6-digit code');
    });

    it('answers an unknown interaction with a 4xx page', async () => {
      const res = await browser.get(`${t.issuer}/interaction/does-not-exist`);
      expect(res.status).to.be.within(400, 499);
      expect(await res.text()).to.contain('<h1>');
    });
  });
});
