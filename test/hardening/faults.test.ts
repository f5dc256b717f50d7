// Real faults, injected into real processes: the database stopped in the middle of a sign-in and started again, the
// mail server down, an instance killed (SIGKILL) while bookings are being made, event streams cut. Each test says
// what a customer sees meanwhile and checks that nothing is lost or doubled afterwards. Every fault runs against
// processes of its own (./fault-rig.ts), so the shared stack never notices.
import { expect } from 'chai';
import * as oidc from 'openid-client';
import { Browser, formAction } from '../support/browser.ts';
import { Mailbox } from '../support/mailbox.ts';
import { authorizationRequest, openSignIn, relyingParty, requestCode, submitCode, uniqueEmail } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';
import { cleanUpRig, fault, faults, instance, ownDatabase, porticoJson, uniqueSlug, until } from './fault-rig.ts';

/** What a person must never see on a page: a stack trace or an engine's error name. */
const NO_INTERNALS = /\bat [\w.<>]+ \(|node_modules|Mongo\w*Error|ECONNREFUSED|server_error/;

describe('Faults: injected into real processes, survived', function () {
  this.timeout(240_000);
  let s: Stack;

  before(async () => {
    s = await stack();
  });

  after(async () => {
    await cleanUpRig();
    console.log(`      faults injected: ${faults.injected}, survived: ${faults.survived} (${faults.kinds.join(', ')})`);
  });

  it('the database stopped mid-sign-in: 503 with Retry-After meanwhile, unready, and the customer finishes once it is back', async () => {
    const db = await ownDatabase();
    const mailbox = new Mailbox();
    await mailbox.start();
    try {
      const server = await instance(s, { MONGODB_URI: db.uri, SMTP_URL: `smtp://127.0.0.1:${mailbox.port}` });
      const slug = uniqueSlug();
      await porticoJson(server.env, 'org', 'create', '--slug', slug, '--name', 'Harbour Day Spa');
      const registered = await porticoJson<{ clientId: string; clientSecret: string }>(server.env, 'client', 'create', '--org', slug, '--name', 'Spa app', '--redirect-uri', 'http://localhost:8080/callback', '--first-party');
      const issuer = `${server.baseUrl}/${slug}`;
      const client = { clientId: registered.clientId, clientSecret: registered.clientSecret, redirectUri: 'http://localhost:8080/callback', config: await relyingParty(issuer, registered.clientId, registered.clientSecret) };
      const site = { baseUrl: server.baseUrl, mailbox };
      const browser = new Browser();
      const email = uniqueEmail('dbdown');
      const auth = await authorizationRequest(client);
      const { page: codePage, code } = await requestCode(site, browser, await openSignIn(site, browser, auth), email);

      await fault('database stopped mid-sign-in', async () => {
        await db.stop();
        // A load balancer stops sending traffic here...
        const ready = await until('/readyz to say unavailable', async () => {
          const res = await fetch(`${server.baseUrl}/readyz`);
          return res.status === 503 && res.json();
        });
        expect(ready).to.deep.equal({ status: 'unavailable', database: 'down' });
        // ...and whoever still arrives is told to come back: the code form (our pages), a new sign-in (oidc-provider's
        // pages) and a token request (oidc-provider's JSON), each a 503 with Retry-After, never a 500.
        const [codeRes, again, token] = await Promise.all([
          browser.post(new URL(formAction(codePage.html, '/code'), server.baseUrl), { code }),
          new Browser().get((await authorizationRequest(client)).url),
          fetch(`${issuer}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, accept: 'application/json' },
            body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: client.redirectUri, code_verifier: auth.verifier }),
          }),
        ]);
        for (const [res, what] of [[codeRes, 'the code form'], [again, 'a new sign-in']] as const) {
          const html = await res.text();
          expect(res.status, `${what}: ${html}`).to.equal(503);
          expect(res.headers.get('retry-after'), what).to.match(/^\d+$/);
          expect(html, what).to.contain('Temporarily unavailable').and.contain('try again in a moment').and.not.match(NO_INTERNALS);
        }
        expect(token.status).to.equal(503);
        expect(token.headers.get('retry-after')).to.match(/^\d+$/);
        expect(await token.json()).to.include({ error: 'temporarily_unavailable' });

        // The database comes back on the same files and port; the same process recovers on its own.
        await db.start();
        await until('/readyz to say ready', async () => (await fetch(`${server.baseUrl}/readyz`)).ok);
        // The customer sends the same code again from the same page, and is signed in: nothing to start over.
        const done = await until('the code to be accepted', async () => {
          const r = await submitCode(site, browser, codePage, code);
          if (r.status === 503) return undefined; // still coming back (the pool reconnecting): ask again
          return r;
        });
        expect(done.url, done.html).to.match(/^http:\/\/localhost:8080\/callback\?/);
        const tokens = await oidc.authorizationCodeGrant(client.config, new URL(done.url!), { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
        expect(tokens.claims()!.email).to.equal(email);
      });
      expect(server.output()).to.not.match(/"level":"error"/);
    } finally {
      await mailbox.stop();
    }
  });
});
