// The sign-in page's own security check (idp/otp/challenge.ts, views/layout.hbs) in headless Chromium: on a busy
// network the page says what is happening, solves the challenge with WebCrypto under its CSP nonce, and sends the code.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { setNetworkLimits } from '../../idp/organisations/network-limits.ts';
import { Browser as Scripted, formAction } from '../support/browser.ts';
import { launch, skipWithoutChromium } from '../support/chromium.ts';
import { codeFrom } from '../support/mailbox.ts';
import { authorizationRequest, openSignIn, orgWithClient, uniqueEmail, type TestClient, type TestOrg } from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';

describe('the security check of a busy network, in headless Chromium', function () {
  this.timeout(120_000);
  const ip = '192.0.2.77'; // the office's one address, as the proxy reports it
  let s: Stack;
  let app: TestClient;
  let browser: Browser;
  let page: Page;

  before(async function () {
    skipWithoutChromium(this);
    let t: TestOrg;
    ({ s, t, app } = await orgWithClient());
    await setNetworkLimits(t.org.slug, { challengeAfter: 1 }, s.config.signInCodesPerNetwork);
    // A colleague already had the network's one free code this hour.
    const colleague = new Scripted({ ip });
    const first = await openSignIn(s, colleague, await authorizationRequest(app));
    expect((await colleague.post(new URL(formAction(first.html, '/email'), s.baseUrl), { email: uniqueEmail() })).status).to.equal(303);
    browser = await launch();
    page = await (await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': ip } })).newPage();
  });

  after(async () => {
    await browser?.close();
  });

  it('says what is happening, solves it by itself and sends the code', async () => {
    const email = uniqueEmail('office');
    // The form's answers, read on their way to the page (it moves on by itself as soon as it has solved).
    const answers: { status: number; body: string }[] = [];
    await page.route('**/email', async (route) => {
      const res = await route.fetch({ maxRedirects: 0 });
      const body = await res.text();
      answers.push({ status: res.status(), body });
      await route.fulfill({ response: res, body });
    });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && scriptErrors.push(m.text()));
    await page.goto(String((await authorizationRequest(app)).url));
    await page.getByLabel('Email address').fill(email);
    const sentAfter = Date.now();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(
      answers.map((a) => a.status),
      'challenged, then sent',
    ).to.deep.equal([429, 303]);
    expect(scriptErrors, 'no CSP or script error').to.deep.equal([]);
    expect(answers[0]!.body).to.contain('your browser first does a short security check').and.contain(email);
    expect(codeFrom(await s.mailbox.next(email, sentAfter))).to.match(/^\d{6}$/);
  });
});
