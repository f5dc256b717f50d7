// The portal's server calls the Client API from this server itself: per-client limits must still see the customer.
// A second instance runs without TRUST_PROXY (as a server reached directly would), and requests are sent from
// loopback addresses of their own (127.0.0.x), so the address each one comes from is real, not a header.
import { request } from 'node:http';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { clientAddressHeaders, clientAddressKey } from '../../lib/client-address.ts';
import { customerToken } from '../support/api.ts';
import { Browser, formAction } from '../support/browser.ts';
import { authorizationRequest, makeClient, makeOrg, openSignIn, uniqueEmail, type TestOrg } from '../support/oidc.ts';
import { portalSignIn } from '../support/portal.ts';
import { secondInstance, stack, type Stack } from '../support/stack.ts';

type Sent = { status: number; body: string };

describe("the portal server passes the customer's address to the API, also without TRUST_PROXY", () => {
  let s: Stack;
  let direct: Awaited<ReturnType<typeof secondInstance>>;
  let alpha: TestOrg;
  let bravo: TestOrg;
  before(async () => {
    s = await stack();
    direct = await secondInstance(s, { TRUST_PROXY: 'false' });
    [alpha, bravo] = [await makeOrg(s), await makeOrg(s)];
  });
  after(() => direct?.stop());

  /** A request to the instance without TRUST_PROXY from the loopback address `from`, with the browser's cookies. */
  async function send(
    from: string,
    path: string,
    init: { browser?: Browser; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Sent> {
    const url = new URL(path, direct.baseUrl);
    const cookie = init.browser ? await init.browser.jar.getCookieString(url.href) : '';
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined
        ? {
            'content-type': init.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded',
            'sec-fetch-site': 'same-origin',
            'x-portico-csrf': '1',
          }
        : {}),
      ...init.headers,
    };
    return new Promise((resolve, reject) => {
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: body !== undefined ? 'POST' : 'GET',
          localAddress: from,
          headers,
        },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (d) => (text += d))
            .on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject).end(body);
    });
  }

  const emailChange =
    (t: TestOrg, browser: Browser, from = '127.0.0.1') =>
    (email: string) =>
      send(from, `/${t.org.slug}/portal/bff/api/profile/email-change`, { browser, json: { email } });
  /** The per-client email-change counters the API keeps for a network (platform-wide). */
  const countedFor = (network: string) => mongoose.connection.db!.collection('limits').findOne({ _id: `*|email-change-ip:${network}` as never });

  it("lets one customer spend only their own budget: others' email changes and sign-in still work", async () => {
    const a = await portalSignIn(s, alpha.issuer);
    const b = await portalSignIn(s, bravo.issuer);
    const target = uniqueEmail('new-a');
    const answers: number[] = [];
    for (let i = 0; i < 31; i++) answers.push((await emailChange(alpha, a.browser)(target)).status);
    expect(answers[0]).to.equal(202);
    expect(
      answers.slice(1).every((status) => status === 429),
      String(answers),
    ).to.equal(true);

    // Another organisation's customer, from the same address, to another address.
    const other = await emailChange(bravo, b.browser)(uniqueEmail('new-b'));
    expect(other.status, other.body).to.equal(202);
    // And someone signing in from that address.
    const browser = new Browser();
    const page = await openSignIn(s, browser, await authorizationRequest(await makeClient(s, bravo)));
    const signIn = await send('127.0.0.1', formAction(page.html, '/email'), {
      browser,
      form: { email: uniqueEmail('demo') },
      headers: { accept: 'text/html' },
    });
    expect(signIn.status, signIn.body).to.equal(303);
  });

  it("counts the browser's own address, not the portal server's nor one in X-Forwarded-For", async () => {
    const a = await portalSignIn(s, alpha.issuer);
    const res = await send('127.0.0.2', `/${alpha.org.slug}/portal/bff/api/profile/email-change`, {
      browser: a.browser,
      json: { email: uniqueEmail('moved') },
      headers: { 'x-forwarded-for': '198.51.100.7' },
    });
    expect(res.status, res.body).to.equal(202);
    expect(await countedFor('127.0.0.2')).to.not.equal(null);
    expect(await countedFor('198.51.100.7')).to.equal(null);
  });

  it('believes an address header only with a MAC made for the same bearer token', async () => {
    const app = await makeClient(s, alpha);
    const [mine, yours, theirs] = [await customerToken(s, app), await customerToken(s, app), await customerToken(s, app)];
    const key = clientAddressKey(s.env.MASTER_SECRET);
    const change = (from: string, token: string, headers: Record<string, string>) =>
      send(from, `/${alpha.org.slug}/api/v1/profile/email-change`, {
        json: { email: uniqueEmail('moved') },
        headers: { authorization: `Bearer ${token}`, ...headers },
      });

    const forged = await change('127.0.0.3', mine.token, {
      'x-portico-client-address': '203.0.113.9',
      'x-portico-client-address-mac': 'A'.repeat(43),
    });
    expect(forged.status, forged.body).to.equal(202);
    const replayed = await change('127.0.0.3', yours.token, clientAddressHeaders(key, '203.0.113.10', `Bearer ${theirs.token}`));
    expect(replayed.status, replayed.body).to.equal(202);
    expect(await countedFor('203.0.113.9')).to.equal(null);
    expect(await countedFor('203.0.113.10')).to.equal(null);
    expect((await countedFor('127.0.0.3'))?.hits).to.have.length(2);

    const genuine = await change('127.0.0.3', theirs.token, clientAddressHeaders(key, '203.0.113.11', `Bearer ${theirs.token}`));
    expect(genuine.status, genuine.body).to.equal(202);
    expect(await countedFor('203.0.113.11')).to.not.equal(null);
  });
});
