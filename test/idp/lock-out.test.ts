// Brute-force limits that are no lock-out weapon (idp/otp/budgets.ts): browsers not remembered for an address share
// its budget of codes, a browser that has signed in as the address keeps one of its own, a lock-out also stops the
// codes already sent, and the operator has a way in for the owner.
import { expect } from 'chai';
import mongoose from 'mongoose';
import { setNetworkLimits } from '../../idp/organisations/network-limits.ts';
import { NETWORK_DEFAULTS } from '../../idp/otp/budgets.ts';
import { Browser, formAction } from '../support/browser.ts';
import { portico } from '../support/cli.ts';
import { passCheckHour, passCooldown } from '../support/clock.ts';
import {
  authorizationRequest,
  openSignIn,
  orgWithClient,
  requestCode,
  signIn,
  submitCode,
  uniqueEmail,
  type TestClient,
  type TestOrg,
} from '../support/oidc.ts';
import type { Stack } from '../support/stack.ts';

describe('sign-in limits that cannot lock a person out', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  before(async () => {
    ({ s, t, app } = await orgWithClient());
  });

  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  /** The sign-in page, also for a browser already signed in (as after signing out of the app). */
  const signInPage = async (browser: Browser) => openSignIn(s, browser, await authorizationRequest(app, { prompt: 'login' }));

  /** Asks for a code for `email` from `browser`; the answer to the email form. */
  async function ask(browser: Browser, email: string) {
    const res = await browser.post(new URL(formAction((await signInPage(browser)).html, '/email'), s.baseUrl), { email });
    return { status: res.status, text: await res.text() };
  }

  /** Someone on another browser and network, at the code page for `email`. */
  async function stranger(email: string) {
    const browser = new Browser();
    const sent = await requestCode(s, browser, await signInPage(browser), email);
    await passCooldown(t.org._id, email);
    return { browser, ...sent };
  }

  /** The person on their usual browser: it has signed in as `email` before. */
  async function usualBrowser(email: string) {
    const { browser } = await signIn(s, app, { email });
    await passCooldown(t.org._id, email);
    return browser;
  }

  /** Signs in again on `browser` (code from the mailbox), as the person would. */
  async function signInAgain(browser: Browser, email: string) {
    const { page, code } = await requestCode(s, browser, await signInPage(browser), email);
    return submitCode(s, browser, page, code);
  }

  /** Strangers type wrong codes until the address's checks are spent (10 an hour, whoever typed them). */
  async function spendChecks(email: string) {
    for (;;) {
      const next = await stranger(email).catch((err: Error) => (/answered 429/.test(err.message) ? undefined : Promise.reject(err)));
      if (!next) return; // no code is sent to a stranger any more
      for (let i = 0; i < 5; i++) if ((await submitCode(s, next.browser, next.page, wrong(next.code))).status === 429) return;
    }
  }

  it('lets a browser that has signed in as the address get a code after strangers spent its sends', async () => {
    const email = uniqueEmail('owner');
    const usual = await usualBrowser(email); // spent 1 of the 5 sends strangers share
    const strangers = [];
    for (let i = 0; i < 5; i++) {
      strangers.push((await ask(new Browser(), email)).status);
      await passCooldown(t.org._id, email);
    }
    expect(strangers).to.deep.equal([303, 303, 303, 303, 429]);
    const done = await signInAgain(usual, email);
    expect(done.url?.startsWith(app.redirectUri), done.html).to.equal(true);
  });

  it('lets a browser that has signed in as the address sign in after strangers typed 10 wrong codes', async () => {
    const email = uniqueEmail('owner');
    const usual = await usualBrowser(email);
    await spendChecks(email);
    const done = await signInAgain(usual, email);
    expect(done.url?.startsWith(app.redirectUri), done.html).to.equal(true);
    const newcomer = await ask(new Browser(), email);
    expect(newcomer.status).to.equal(429);
    expect(newcomer.text).to.match(/Too many wrong codes for this address\. Try again in (59|60) minutes/);
  });

  it("lets a browser that has signed in as the address get a code after others on its network spent the network's", async () => {
    const email = uniqueEmail('owner');
    const usual = await usualBrowser(email);
    // The network's budget here made small enough to spend (idp/organisations/network-limits.ts); its first sign-in
    // spent one of them.
    await setNetworkLimits(t.org.slug, { codesPerHour: 5, challengeAfter: 5 }, s.config.signInCodesPerNetwork);
    try {
      const neighbour = new Browser({ ip: usual.ip });
      for (let i = 0; i < 4; i++) expect((await ask(neighbour, uniqueEmail('spam'))).status).to.equal(303);
      const spent = await ask(neighbour, uniqueEmail('spam'));
      expect(spent.status).to.equal(429);
      expect(spent.text).to.contain('Too many sign-in codes have been asked for from your network');
      const done = await signInAgain(usual, email);
      expect(done.url?.startsWith(app.redirectUri), done.html).to.equal(true);
    } finally {
      await setNetworkLimits(t.org.slug, NETWORK_DEFAULTS, s.config.signInCodesPerNetwork);
    }
  });

  it('counts wrong codes per address across sign-ins, and voids the codes already sent when they run out', async () => {
    const email = uniqueEmail('target');
    const [a, b, c] = [await stranger(email), await stranger(email), await stranger(email)];
    for (const { browser, page, code } of [a, b]) {
      for (let i = 0; i < 5; i++) expect((await submitCode(s, browser, page, wrong(code))).status).to.equal(400);
    }
    // The third sign-in's code was sent before the lock: neither a guess nor the right code is checked any more.
    const guess = await submitCode(s, c.browser, c.page, wrong(c.code));
    expect(guess.status).to.equal(429);
    expect(guess.html).to.contain('Too many wrong codes for this address');
    expect((await submitCode(s, c.browser, c.page, c.code)).status).to.equal(429);
    // Not even once the hour has passed: it was void from the moment the address locked.
    await passCheckHour(t.org._id, email);
    const late = await submitCode(s, c.browser, c.page, c.code);
    expect(late.status).to.equal(400);
    expect(late.html).to.contain('expired');
    // A code sent after that works.
    const fresh = await stranger(email);
    expect((await submitCode(s, fresh.browser, fresh.page, fresh.code)).url?.startsWith(app.redirectUri)).to.equal(true);
  });

  it('checks exactly 10 of 50 parallel wrong codes for one address over 5 sign-ins, and no right code after them', async () => {
    const email = uniqueEmail('parallel');
    const signIns: Awaited<ReturnType<typeof stranger>>[] = [];
    for (let i = 0; i < 5; i++) signIns.push(await stranger(email));
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const { browser, page, code } = signIns[i % 5]!;
        return browser.post(new URL(formAction(page.html, '/code'), s.baseUrl), { code: wrong(code) }).then((r) => r.status);
      }),
    );
    expect(
      guesses.filter((status) => status === 400),
      'checked',
    ).to.have.length(10);
    expect(
      guesses.filter((status) => status === 429),
      'refused unchecked',
    ).to.have.length(40);
    for (const { browser, page, code } of signIns) expect((await submitCode(s, browser, page, code)).status).to.be.within(400, 429);
  });

  it("keeps the remembered browser's own code working through the strangers' lock-out, within its own 10 checks", async () => {
    const email = uniqueEmail('owner');
    const usual = await usualBrowser(email);
    const { page, code } = await requestCode(s, usual, await signInPage(usual), email);
    await spendChecks(email);
    for (let i = 0; i < 4; i++) expect((await submitCode(s, usual, page, wrong(code))).status).to.equal(400);
    const done = await submitCode(s, usual, page, code);
    expect(done.url?.startsWith(app.redirectUri), done.html).to.equal(true);
    // Its own budget is bounded like any other: 10 checks an hour (5 spent above).
    await passCooldown(t.org._id, email);
    const next = await requestCode(s, usual, await signInPage(usual), email);
    for (let i = 0; i < 5; i++) expect((await submitCode(s, usual, next.page, wrong(next.code))).status).to.equal(400);
    await passCooldown(t.org._id, email);
    const spent = await ask(usual, email);
    expect(spent.status).to.equal(429);
    expect(spent.text).to.contain('Too many wrong codes for this address');
  });

  it('remembers a browser in a cookie of its own, bound to the address and worth nothing altered; the server stores nothing of it', async () => {
    const [email, other] = [uniqueEmail('remembered'), uniqueEmail('other')];
    const collections = async () => (await mongoose.connection.db!.listCollections().toArray()).map((c) => c.name).sort();
    const before = await collections();
    const usual = await usualBrowser(email);
    const url = `${t.issuer}/interaction/x`;
    const known = (await usual.jar.getCookies(url)).find((c) => c.key === 'portico_known')!;
    expect(known, 'set on sign-in').to.include({ httpOnly: true, sameSite: 'lax', path: `/${t.org.slug}/` });
    expect(new Date(known.expires as Date).getTime() - Date.now()).to.be.greaterThan(300 * 86_400_000);
    expect(await collections(), 'no collection of browsers').to.deep.equal(before);
    // The same entry with its expiry pushed on, in another browser on the same network.
    const altered = new Browser({ ip: usual.ip });
    const [tag, expires, mac] = known.value.split('.');
    await altered.jar.setCookie(`portico_known=${tag}.${(parseInt(expires!, 36) + 86_400_000).toString(36)}.${mac}; Path=/${t.org.slug}/`, url);
    await spendChecks(email);
    await spendChecks(other);
    expect((await ask(usual, email)).status, 'the usual browser, for its address').to.equal(303);
    expect((await ask(usual, other)).status, 'the usual browser, for another address').to.equal(429);
    expect((await ask(altered, email)).status, 'an altered cookie').to.equal(429);
  });

  describe('the operator, for an owner locked out on a new browser', () => {
    const cli = async (...args: string[]) => {
      const res = await portico(s, ...args, '--json');
      expect(res.code, res.stderr).to.equal(0);
      return JSON.parse(res.stdout);
    };

    it('lifts the lock for an address: portico sign-in unlock', async () => {
      const email = uniqueEmail('owner');
      await spendChecks(email);
      expect((await ask(new Browser(), email)).status).to.equal(429);
      expect(await cli('sign-in', 'unlock', '--org', t.org.slug, '--email', email.toUpperCase())).to.include({ email, lifted: true });
      const { tokens } = await signIn(s, app, { email });
      expect(tokens.claims()!.email).to.equal(email);
    });

    it('hands out a one-time link that gives a browser its own budget: portico sign-in trust-browser', async () => {
      const email = uniqueEmail('owner');
      await spendChecks(email);
      const { link, expiresAt } = await cli('sign-in', 'trust-browser', '--org', t.org.slug, '--email', email);
      expect(new Date(expiresAt).getTime()).to.be.greaterThan(Date.now());
      const browser = new Browser();
      const asked = await browser.get(link);
      const html = await asked.text();
      expect(asked.status).to.equal(200);
      expect(html).to.contain(email).and.contain('Remember this browser');
      const confirm = () =>
        browser.post(new URL(formAction(html, '/interaction/trust-browser'), s.baseUrl), { token: /name="token" value="([^"]+)"/.exec(html)![1]! });
      const confirmed = await confirm();
      expect(confirmed.status).to.equal(200);
      expect(await confirmed.text()).to.contain('This browser is remembered');
      expect((await confirm()).status, 'a link works once').to.equal(400);
      const { tokens } = await signIn(s, app, { browser, email });
      expect(tokens.claims()!.email).to.equal(email);
      expect((await ask(new Browser(), email)).status, 'other browsers are still refused').to.equal(429);
    });

    it('refuses a link that is not one with a page, not a 500', async () => {
      const res = await new Browser().get(`${t.issuer}/interaction/trust-browser?token=${'x'.repeat(43)}`);
      expect(res.status).to.equal(400);
      expect(await res.text()).to.contain('This link does not work');
    });
  });
});
