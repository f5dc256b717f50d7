// Sign-in limits for shared networks (idp/otp/budgets.ts, idp/otp/challenge.ts): hundreds of customers behind one
// address sign in, a script there gets no more codes than the budget even when it solves every challenge, and past
// the free codes nothing is sent without a proof of work that is fresh, genuine and not used before.
import { createHash, randomInt } from 'node:crypto';
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { CHALLENGE_RULES, difficulty, challenge as mintChallenge } from '../../idp/otp/challenge.ts';
import { OrganisationModel } from '../../idp/organisations/model.ts';
import { FREE_CODES_MAX, NETWORK_DEFAULTS } from '../../idp/otp/budgets.ts';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { Browser, formAction } from '../support/browser.ts';
import { portico } from '../support/cli.ts';
import { passCooldown } from '../support/clock.ts';
import { codeFrom } from '../support/mailbox.ts';
import {
  authorizationRequest,
  makeClient,
  makeOrg,
  openSignIn,
  orgWithClient,
  submitCode,
  uniqueEmail,
  type TestClient,
  type TestOrg,
} from '../support/oidc.ts';
import { secondInstance, type Stack } from '../support/stack.ts';

/** An address of a carrier-grade NAT (100.64.0.0/10), fresh for each test: a network nobody else's tests use. */
const sharedAddress = () => `100.${randomInt(64, 128)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** Whether SHA-256(`${token}.${n}`) starts with the number of zero bits the token's first field asks for. */
function solves(token: string, n: number): boolean {
  const bits = Number(token.split('.')[0]);
  const digest = createHash('sha256').update(`${token}.${n}`).digest();
  const whole = bits >> 3;
  return digest.subarray(0, whole).every((b) => b === 0) && (bits % 8 === 0 || digest[whole]! >> (8 - (bits % 8)) === 0);
}

/**
 * What a solving script (or the sign-in page's own) sends along with the form. It yields now and then: the server
 * runs in this process, and a loop blocked for seconds makes its kept-alive connections race their timeouts.
 */
async function solve(token: string): Promise<{ challenge: string; solution: string }> {
  for (let n = 0; ; n++) {
    if (solves(token, n)) return { challenge: token, solution: String(n) };
    if (n % 1000 === 999) await new Promise(setImmediate);
  }
}

const challengeIn = (html: string) => /data-challenge="([^"]+)"/.exec(html)?.[1];
const bitsOf = (token: string) => Number(token.split('.')[0]);
/** The sign-in (interaction) a page belongs to. */
const uidOf = (page: { url: string }) => new URL(page.url).pathname.split('/').pop()!;

type Asked = { status: number; html: string; challenge?: string; headers: Headers };

describe('sign-in limits for shared networks', () => {
  let s: Stack;
  before(async () => {
    ({ s } = await orgWithClient());
  });

  /** Posts the email form of a fresh sign-in at `app` from `browser`, with `extra` fields. */
  async function ask(
    app: TestClient,
    browser: Browser,
    email: string,
    extra: Record<string, string> = {},
  ): Promise<Asked & { page: { url: string; html: string } }> {
    const page = await openSignIn(s, browser, await authorizationRequest(app));
    return { ...(await post(browser, page, email, extra)), page };
  }

  async function post(browser: Browser, page: { html: string }, email: string, extra: Record<string, string> = {}): Promise<Asked> {
    const res = await browser.post(new URL(formAction(page.html, '/email'), s.baseUrl), { email, ...extra });
    const html = await res.text();
    return { status: res.status, html, challenge: challengeIn(html), headers: res.headers };
  }

  /** A customer (or a script) that does what the page does: asks, and if challenged, solves and asks again. */
  async function askSolving(app: TestClient, browser: Browser, email: string) {
    const first = await ask(app, browser, email);
    if (!first.challenge) return { ...first, challenged: undefined };
    const bits = Number(first.challenge.split('.')[0]);
    return { ...(await post(browser, first.page, email, await solve(first.challenge))), challenged: bits, page: first.page };
  }

  async function setLimits(t: TestOrg, limits: { codesPerHour?: number; challengeAfter?: number }) {
    const res = await call('PATCH', `${adminUrl(t)}/sign-in-limits`, await adminToken(s, t), limits);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }

  it('signs in 200 customers of 5 organisations behind one address within the hour; past 30 per organisation, after a check', async function () {
    this.timeout(600_000);
    const ip = sharedAddress();
    const orgs = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const t = await makeOrg(s, { name: `Gym ${i}` });
        return { t, app: await makeClient(s, t) };
      }),
    );
    const customers = orgs.flatMap(({ app }) => Array.from({ length: 40 }, () => ({ app, email: uniqueEmail('member') })));
    const outcomes: { email: string; signedIn?: string; challenged?: number }[] = [];
    // Ten at a time, as people arrive at the desk; each on their own phone (cookies), all on the gym's Wi-Fi.
    for (let i = 0; i < customers.length; i += 10) {
      outcomes.push(
        ...(await Promise.all(
          customers.slice(i, i + 10).map(async ({ app, email }) => {
            const browser = new Browser({ ip });
            const auth = await authorizationRequest(app);
            const page = await openSignIn(s, browser, auth);
            const sentAfter = Date.now();
            let asked = await post(browser, page, email);
            const challenged = asked.challenge ? Number(asked.challenge.split('.')[0]) : undefined;
            if (asked.challenge) asked = await post(browser, page, email, await solve(asked.challenge));
            expect(asked.status, asked.html).to.equal(303);
            const codePage = await browser.follow(new URL(asked.headers.get('location')!, s.baseUrl), s.baseUrl);
            const code = codeFrom(await s.mailbox.next(email, sentAfter));
            const done = await submitCode(s, browser, { url: codePage.url, html: await codePage.res!.text() }, code);
            const tokens = await oidc.authorizationCodeGrant(app.config, new URL(done.url!), {
              pkceCodeVerifier: auth.verifier,
              expectedState: auth.state,
            });
            return { email, signedIn: tokens.claims()?.email as string | undefined, challenged };
          }),
        )),
      );
    }
    expect(
      outcomes.filter((o) => o.signedIn === o.email),
      'signed in',
    ).to.have.length(200);
    const checked = outcomes.filter((o) => o.challenged !== undefined);
    console.log(
      `      200 sign-ins from ${ip}: ${200 - checked.length} codes sent at once, ${checked.length} after a check of 2^${Math.max(...checked.map((o) => o.challenged!))} hashes at most`,
    );
    expect(checked, 'past the free 30 of each organisation').to.have.length(5 * (40 - NETWORK_DEFAULTS.challengeAfter));
  });

  it('sends a script that solves every challenge no more codes than the budget, even all at once, and refuses it kindly', async function () {
    this.timeout(120_000);
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    expect(await setLimits(t, { challengeAfter: 2, codesPerHour: 10 })).to.include({ challengeAfter: 2, codesPerHour: 10, platformPerHour: 1000 });
    const ip = sharedAddress();
    const victims = Array.from({ length: 30 }, () => uniqueEmail('victim'));
    const free = [await ask(app, new Browser({ ip }), victims[0]!), await ask(app, new Browser({ ip }), victims[1]!)];
    expect(free.map((a) => a.status)).to.deep.equal([303, 303]);
    // Challenges are free to get: the script collects 20, solves them all, then sends them at once; those made too
    // easy by the codes sent meanwhile come back harder, and it solves those too, until it is refused.
    const ready = await Promise.all(
      victims.slice(2, 22).map(async (email) => {
        const browser = new Browser({ ip });
        const asked = await ask(app, browser, email);
        expect(asked.status).to.equal(429);
        expect(asked.html).to.contain('your browser first does a short security check');
        return { browser, email, page: asked.page, answer: await solve(asked.challenge!) };
      }),
    );
    const sent = await Promise.all(
      ready.map(async ({ browser, email, page, answer }) => {
        let asked = await post(browser, page, email, answer);
        while (asked.challenge) {
          expect(asked.html).to.contain('Your network got busier while your browser was checking');
          asked = await post(browser, page, email, await solve(asked.challenge));
        }
        return asked;
      }),
    );
    expect(
      sent.filter((a) => a.status === 303),
      'sent after a check',
    ).to.have.length(8);
    const refused = sent.filter((a) => a.status !== 303);
    expect(refused.map((a) => a.status)).to.deep.equal(Array(12).fill(429));
    expect(refused[0]!.html).to.match(
      /Too many sign-in codes have been asked for from your network \(a shared Wi-Fi, say\) in the last hour\. Try again in (59|60) minutes, or from another connection, such as mobile data\./,
    );
    expect(Number(refused[0]!.headers.get('retry-after'))).to.be.within(3500, 3600);
    // Spent: no challenge any more (no work for nothing), the same answer.
    const after = await ask(app, new Browser({ ip }), victims[29]!);
    expect(after.status).to.equal(429);
    expect(after.challenge).to.equal(undefined);
    expect(after.html).to.contain('Too many sign-in codes have been asked for from your network');
    // Another network, and the same network at another organisation, are untouched.
    expect((await ask(app, new Browser(), uniqueEmail())).status).to.equal(303);
    const other = await makeOrg(s);
    expect((await ask(await makeClient(s, other), new Browser({ ip }), uniqueEmail())).status).to.equal(303);
  });

  it('makes the check harder as the network gets busier, and refuses one made when it was quieter', async () => {
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    await setLimits(t, { challengeAfter: 2, codesPerHour: 20 });
    const ip = sharedAddress();
    const bits: (number | undefined)[] = [];
    let stockpiled:
      | { browser: Browser; email: string; page: { url: string; html: string }; answer: { challenge: string; solution: string } }
      | undefined;
    for (let i = 0; i < 9; i++) {
      if (i === 2) {
        // A script collects an easy check while the network is quiet, to spend it later.
        const browser = new Browser({ ip });
        const email = uniqueEmail();
        const asked = await ask(app, browser, email);
        expect(bitsOf(asked.challenge!)).to.equal(14);
        stockpiled = { browser, email, page: asked.page, answer: await solve(asked.challenge!) };
      }
      const asked = await askSolving(app, new Browser({ ip }), uniqueEmail());
      expect(asked.status).to.equal(303);
      bits.push(asked.challenged);
    }
    // Free twice, then 2^14 hashes, one bit more for each further 2 codes (the free ones' number).
    expect(bits).to.deep.equal([undefined, undefined, 14, 14, 15, 15, 16, 16, 17]);
    const { browser, email, page, answer } = stockpiled!;
    const late = await post(browser, page, email, answer);
    expect(late.status).to.equal(429);
    expect(late.html).to.contain('Your network got busier while your browser was checking');
    expect(bitsOf(late.challenge!), 'a fresh one, as hard as the network is busy now').to.equal(17);
    expect((await post(browser, page, email, await solve(late.challenge!))).status).to.equal(303);
  });

  it('asks at most 2^21 hashes, however busy the network', () => {
    expect(CHALLENGE_RULES.maxBits).to.equal(21);
    const curve = [30, 59, 60, 210, 239, 240, 299, 10_000].map((used) => difficulty(used, NETWORK_DEFAULTS.challengeAfter));
    expect(curve).to.deep.equal([14, 14, 15, 20, 20, 21, 21, 21]);
  });

  it('sends nothing past the free codes without a genuine, fresh, unused solution, and says why', async () => {
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    await setLimits(t, { challengeAfter: 2 });
    const ip = sharedAddress();
    for (let i = 0; i < 2; i++) expect((await ask(app, new Browser({ ip }), uniqueEmail())).status).to.equal(303);

    const browser = new Browser({ ip });
    const email = uniqueEmail();
    const needed = await ask(app, browser, email);
    expect(needed.status).to.equal(429);
    expect(needed.html).to.contain('Many sign-in codes have been asked for from your network in the last hour');
    expect(needed.html).to.contain('<noscript>');
    // The page runs its one script, allowed by nonce, and nothing else.
    const nonce = /<script nonce="([^"]+)">/.exec(needed.html)?.[1];
    expect(nonce).to.be.a('string');
    expect(needed.headers.get('content-security-policy'), String(needed.headers.get('content-security-policy'))).to.contain(
      `script-src 'nonce-${nonce}'`,
    );
    const token = needed.challenge!;
    const page = needed.page;

    const again = (extra: Record<string, string>) => post(browser, page, email, extra);
    const unsolved = await again({ challenge: token, solution: String([...Array(1000).keys()].find((n) => !solves(token, n))) });
    expect([unsolved.status, unsolved.challenge !== undefined]).to.deep.equal([429, true]);
    expect(unsolved.html).to.contain('The security check did not pass');
    const [bits, expires, salt, mac] = token.split('.');
    const easier = `1.${expires}.${salt}.${mac}`;
    expect((await again(await solve(easier))).html, 'a lowered difficulty').to.contain('The security check did not pass');
    const longer = `${bits}.${Number(expires) + 3_600_000}.${salt}.${mac}`;
    expect((await again(await solve(longer))).html, 'a later expiry').to.contain('The security check did not pass');
    // Made for this sign-in, but on another network, or at another organisation: not this one's.
    const minted = async (org: string, at: string, when = Date.now()) => {
      const network = { limits: NETWORK_DEFAULTS, platformPerHour: 1000, challengeKey: s.app.secrets.challenges };
      return (await mintChallenge(org, { purpose: 'sign-in', ip: at, interaction: uidOf(page), network }, 'needed', when)).challenge.token;
    };
    const elsewhere = await minted(t.org._id, sharedAddress());
    expect((await again(await solve(elsewhere))).html, "another network's").to.contain('The security check did not pass');
    const theirs = await minted((await makeOrg(s)).org._id, ip);
    expect((await again(await solve(theirs))).html, "another organisation's").to.contain('The security check did not pass');
    // Made right, but 11 minutes ago (which shows the two above fail for what they were made for, not how).
    const late = await again(await solve(await minted(t.org._id, ip, Date.now() - 11 * 60_000)));
    expect(late.status).to.equal(429);
    expect(late.html).to.contain('The security check took too long and expired');

    // Solved for another sign-in, on the same network: not this one's.
    const otherSignIn = (await ask(app, new Browser({ ip }), uniqueEmail())).challenge!;
    expect((await again(await solve(otherSignIn))).html, "another sign-in's").to.contain('The security check did not pass');

    // Solved: the code is sent; the same solution again is refused, for any address.
    const answer = await solve(token);
    const solved = await again(answer);
    expect(solved.status, solved.html).to.equal(303);
    const replay = await post(browser, page, uniqueEmail(), answer);
    expect(replay.status).to.equal(429);
    expect(replay.html).to.contain('That security check was already used');
    expect(replay.challenge, 'with a fresh one to solve').to.be.a('string').and.not.equal(token);
  });

  it('caps all organisations together at SIGN_IN_CODES_PER_NETWORK, counted across instances', async () => {
    const second = await secondInstance(s, { SIGN_IN_CODES_PER_NETWORK: '3' });
    try {
      const ip = sharedAddress();
      const answers: { status: number; text: string }[] = [];
      for (let i = 0; i < 4; i++) {
        const t = await makeOrg(s);
        const browser = new Browser({ ip });
        const page = await openSignIn(s, browser, await authorizationRequest(await makeClient(s, t)));
        // The sign-in page from this instance, the form sent to the other (one database, one master secret).
        const res = await browser.post(new URL(formAction(page.html, '/email'), second.baseUrl), { email: uniqueEmail() });
        answers.push({ status: res.status, text: await res.text() });
      }
      expect(answers.map((a) => a.status)).to.deep.equal([303, 303, 303, 429]);
      expect(answers[3]!.text).to.contain('Too many sign-in codes have been asked for from your network');
    } finally {
      await second.stop();
    }
  });

  it('asks for the check before a resend too, on the code page', async () => {
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    await setLimits(t, { challengeAfter: 1 });
    const browser = new Browser({ ip: sharedAddress() });
    const email = uniqueEmail();
    const asked = await ask(app, browser, email);
    expect(asked.status).to.equal(303);
    const codePage = await browser.follow(new URL(asked.headers.get('location')!, s.baseUrl), s.baseUrl);
    const html = await codePage.res!.text();
    await passCooldown(t.org._id, email);
    const resend = (extra: Record<string, string>) => browser.post(new URL(formAction(html, '/resend'), s.baseUrl), extra);
    const challenged = await resend({});
    const page = await challenged.text();
    expect(challenged.status).to.equal(429);
    expect(page).to.contain('Check your email').and.contain('your browser first does a short security check');
    const token = /action="[^"]*\/resend" data-challenge="([^"]+)"/.exec(page)?.[1];
    expect(token, 'on the resend form').to.be.a('string');
    const sent = await resend(await solve(token!));
    expect(sent.status).to.equal(303);
    expect(sent.headers.get('location')).to.match(/\?sent=1$/);
  });

  it("spends none of the network's codes on resends the address's own limits refuse", async () => {
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    await setLimits(t, { challengeAfter: 6, codesPerHour: 8 });
    const ip = sharedAddress();
    const browser = new Browser({ ip });
    const email = uniqueEmail('victim');
    const asked = await ask(app, browser, email);
    expect(asked.status).to.equal(303);
    const codePage = await browser.follow(new URL(asked.headers.get('location')!, s.baseUrl), s.baseUrl);
    const html = await codePage.res!.text();
    const resend = async () => {
      const res = await browser.post(new URL(formAction(html, '/resend'), s.baseUrl), {});
      return { status: res.status, html: await res.text() };
    };
    // A script hammers resend within the cool-down: refused by it, not challenged (nothing of the network's spent).
    const cooling = await Promise.all(Array.from({ length: 20 }, resend));
    expect(cooling.map((a) => a.status)).to.deep.equal(Array(20).fill(429));
    for (const a of cooling) expect(a.html).to.contain('Please wait').and.not.contain('data-challenge=');
    // Then past it, up to the address's 5 an hour, and on past those.
    for (let i = 0; i < 4; i++) {
      await passCooldown(t.org._id, email);
      expect((await resend()).status, `resend ${i + 1}`).to.equal(303);
    }
    for (let i = 0; i < 10; i++) {
      await passCooldown(t.org._id, email);
      const over = await resend();
      expect(over.status).to.equal(429);
      expect(over.html).to.contain('Too many codes requested').and.not.contain('data-challenge=');
    }
    // The network spent 5 of its 6 free codes, the 5 sent: one is left, then 2 more with a check, then none.
    expect((await ask(app, new Browser({ ip }), uniqueEmail())).status, 'the last free code').to.equal(303);
    for (let i = 0; i < 2; i++) {
      const checked = await askSolving(app, new Browser({ ip }), uniqueEmail());
      expect([checked.status, checked.challenged]).to.deep.equal([303, 14]);
    }
    const spent = await ask(app, new Browser({ ip }), uniqueEmail());
    expect(spent.status).to.equal(429);
    expect(spent.html).to.contain('Too many sign-in codes have been asked for from your network');
  });

  it('answers API callers with the challenge in JSON', async () => {
    const t = await makeOrg(s);
    const app = await makeClient(s, t);
    await setLimits(t, { challengeAfter: 1 });
    const ip = sharedAddress();
    await ask(app, new Browser({ ip }), uniqueEmail());
    const browser = new Browser({ ip });
    const page = await openSignIn(s, browser, await authorizationRequest(app));
    const json = await browser.request(new URL(formAction(page.html, '/email'), s.baseUrl), {
      json: { email: uniqueEmail() },
      headers: { accept: 'application/json' },
    });
    expect(json.status).to.equal(429);
    const body = (await json.json()) as { error: string; details: { token: string; bits: number } };
    expect(body).to.include({ error: 'challenge_required' });
    expect(body.details).to.have.keys('token', 'bits');
    const email = uniqueEmail();
    const solved = await browser.request(new URL(formAction(page.html, '/email'), s.baseUrl), {
      json: { email, ...(await solve(body.details.token)) },
      headers: { accept: 'application/json' },
    });
    expect(solved.status).to.equal(303);
  });

  describe('the organisation sets its limits', () => {
    let t: TestOrg;
    before(async () => {
      t = await makeOrg(s);
    });

    it('shows the defaults and the platform cap, and checks what it is given', async () => {
      const token = await adminToken(s, t);
      const url = `${adminUrl(t)}/sign-in-limits`;
      expect((await call('GET', url, token)).body).to.deep.equal({ ...NETWORK_DEFAULTS, platformPerHour: 1000, defaults: NETWORK_DEFAULTS });
      const over = await call('PATCH', url, token, { codesPerHour: 5000 });
      expect(over.status).to.equal(400);
      expect(over.body.error_description).to.equal("codesPerHour: at most 1000, the platform's limit for one network (SIGN_IN_CODES_PER_NETWORK)");
      const inverted = await call('PATCH', url, token, { codesPerHour: 50, challengeAfter: 60 });
      expect(inverted.status).to.equal(400);
      expect(inverted.body.error_description).to.contain('challengeAfter: at most codesPerHour (50)');
      // Every code counts against the platform's cap, which other organisations share: only so many go unchecked.
      const unchecked = await call('PATCH', url, token, { codesPerHour: 1000, challengeAfter: FREE_CODES_MAX + 1 });
      expect(unchecked.status).to.equal(400);
      expect(unchecked.body.error_description).to.contain(`challengeAfter: at most ${FREE_CODES_MAX}:`);
      for (const bad of [{ codesPerHour: 0 }, { codesPerHour: 2.5 }, { codesPerHour: '10' }, { challengeAfter: { $gt: 1 } }, { extra: 1 }]) {
        expect((await call('PATCH', url, token, bad)).status, JSON.stringify(bad)).to.equal(400);
      }
      const staff = await call('PATCH', url, await adminToken(s, t, 'staff'), { codesPerHour: 10 });
      expect(staff.status, 'staff may only read').to.equal(403);
      expect((await call('GET', url, token)).body).to.include(NETWORK_DEFAULTS);
    });

    it('gives no more than 100 free codes, also where more were set before that cap', async () => {
      const old = await makeOrg(s);
      const settings = { 'settings.networkLimits': { codesPerHour: 1000, challengeAfter: 1000 } };
      await OrganisationModel.updateOne({ _id: old.org._id }, { $set: settings });
      const shown = (await call('GET', `${adminUrl(old)}/sign-in-limits`, await adminToken(s, old))).body;
      expect(shown).to.include({ codesPerHour: 1000, challengeAfter: FREE_CODES_MAX });
    });

    it('lets the operator see and change them: portico sign-in limits', async () => {
      const cli = async (...args: string[]) => {
        const res = await portico(s, 'sign-in', 'limits', '--org', t.org.slug, ...args, '--json');
        return { ...res, json: res.code === 0 ? JSON.parse(res.stdout) : undefined };
      };
      expect((await cli('--codes-per-hour', '50', '--challenge-after', '5')).json).to.include({
        codesPerHour: 50,
        challengeAfter: 5,
        platformPerHour: 1000,
      });
      expect((await cli()).json).to.include({ codesPerHour: 50, challengeAfter: 5 });
      const wrong = await cli('--codes-per-hour', 'many');
      expect(wrong.code).to.equal(2);
      expect(wrong.stderr).to.contain('--codes-per-hour must be a whole number');
      expect((await call('GET', `${adminUrl(t)}/sign-in-limits`, await adminToken(s, t))).body).to.include({ codesPerHour: 50, challengeAfter: 5 });
    });
  });
});
