// The sign-in page's own security check (idp/otp/challenge.ts, views/layout.hbs) in headless Chromium: on a busy
// network the page says what is happening, solves the challenge with WebCrypto under its CSP nonce, and sends the code.
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { setNetworkLimits } from '../../idp/organisations/network-limits.ts';
import { Browser as Scripted, formAction } from '../support/browser.ts';
import { launch, skipWithoutChromium } from '../support/chromium.ts';
import { codeFrom } from '../support/mailbox.ts';
import { authorizationRequest, openSignIn, orgWithClient, uniqueEmail, type TestClient } from '../support/oidc.ts';
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
    let t;
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
    const statuses: number[] = [];
    let checking: Promise<string> | undefined;
    page.on('response', (res) => {
      if (res.request().method() !== 'POST' || !res.url().endsWith('/email')) return;
      statuses.push(res.status());
      if (res.status() === 429) checking = res.text();
    });
    const scriptErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && scriptErrors.push(m.text()));
    await page.goto(String((await authorizationRequest(app)).url));
    await page.getByLabel('Email address').fill(email);
    const sentAfter = Date.now();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(statuses, 'challenged, then sent').to.deep.equal([429, 303]);
    expect(scriptErrors, 'no CSP or script error').to.deep.equal([]);
    expect(await checking).to.contain('your browser first does a short security check').and.contain(email);
    expect(codeFrom(await s.mailbox.next(email, sentAfter))).to.match(/^\d{6}$/);
  });
});
