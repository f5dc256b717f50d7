import { expect } from 'chai';
import { json } from '../support/http.ts';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { relyingParty, uniqueSlug } from '../support/oidc.ts';
import { portico as runPortico, porticoWith } from '../support/cli.ts';
import { TEST_KEYS } from '../support/stripe.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('portico CLI', () => {
  let s: Stack;
  let slug: string;
  const portico = (...args: string[]) => runPortico(s, ...args);
  const cli = async (...args: string[]) => {
    const res = await portico(...args, '--json');
    expect(res.code, res.stderr).to.equal(0);
    return JSON.parse(res.stdout);
  };

  before(async () => {
    s = await stack();
    slug = uniqueSlug('cli');
  });

  it('creates an organisation whose issuer works at once on the running server', async () => {
    const org = await cli('org', 'create', '--slug', slug, '--name', 'Studio Nine', '--admin', 'owner@example.com');
    expect(org.issuer).to.equal(`${s.baseUrl}/${slug}`);
    const meta = await json(fetch(`${org.issuer}/.well-known/openid-configuration`));
    expect(meta.issuer).to.equal(org.issuer);
    const list = await cli('org', 'list');
    expect(list.map((o: { slug: string }) => o.slug)).to.include(slug);
  });

  it('refuses a duplicate slug and a bad one with a clear message', async () => {
    const dup = await portico('org', 'create', '--slug', slug, '--name', 'Again');
    expect(dup.code).to.equal(2);
    expect(dup.stderr).to.contain(`slug "${slug}" already exists`);
    const bad = await portico('org', 'create', '--slug', 'Bad Slug!', '--name', 'x');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('slug: use 1-40 lower-case letters');
  });

  it('registers clients: the secret once, redirect URIs validated', async () => {
    const web = await cli('client', 'create', '--org', slug, '--name', 'Portal', '--redirect-uri', 'https://portal.example/cb', '--first-party');
    expect(web.clientSecret).to.be.a('string').with.length.greaterThan(30);
    const pub = await cli('client', 'create', '--org', slug, '--name', 'Mobile', '--public', '--redirect-uri', 'http://127.0.0.1:7777/cb');
    expect(pub).to.not.have.property('clientSecret');
    const listed = await portico('client', 'list', '--org', slug, '--json');
    expect(listed.stdout).to.contain(web.clientId).and.not.contain(web.clientSecret);
    const bad = await portico('client', 'create', '--org', slug, '--name', 'Bad', '--redirect-uri', 'http://example.com/cb');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('use https (plain http only for localhost)');
  });

  it('rotates keys: the published next key starts signing, the old one stays published', async () => {
    const machine = await cli('client', 'create', '--org', slug, '--name', 'Sync', '--grant', 'client_credentials');
    const issuer = `${s.baseUrl}/${slug}`;
    const rp = await relyingParty(issuer, machine.clientId, machine.clientSecret);
    const kidNow = async () => decodeProtectedHeader((await oidc.clientCredentialsGrant(rp, { resource: `${issuer}/api` })).access_token).kid;
    const jwks = async () => ((await json(fetch(`${issuer}/jwks`))).keys as { kid: string; alg: string }[]).map((k) => k.kid);

    const before = await kidNow();
    const published = await jwks();
    const rotated = await cli('keys', 'rotate', '--org', slug);
    const promoted = rotated.keys.find((k: { status: string; alg: string }) => k.status === 'current' && k.alg === 'ES256').kid;
    expect(published).to.include(promoted); // it was in JWKS before it signed anything

    let after = before;
    for (let i = 0; i < 40 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await kidNow();
    }
    expect(after).to.equal(promoted);
    expect(await jwks()).to.include(before);
  });

  it('connects Stripe from the environment: keys sealed, tested against Stripe, the webhook set-up printed', async () => {
    const org = await cli('org create', '--slug', uniqueSlug('cli-stripe'), '--name', 'Stripe CLI Spa');
    const keys = {
      STRIPE_SECRET_KEY: TEST_KEYS.secretKey,
      STRIPE_PUBLISHABLE_KEY: TEST_KEYS.publishableKey,
      STRIPE_WEBHOOK_SECRET: TEST_KEYS.webhookSecret,
    };
    const res = await porticoWith(s, keys, 'stripe connect', '--org', org.slug, '--currency', 'EUR', '--invoice-prefix', 'SPA', '--json');
    expect(res.code, res.stderr).to.equal(0);
    const out = JSON.parse(res.stdout);
    expect(out).to.include({
      connected: true,
      mode: 'test',
      currency: 'EUR',
      invoicePrefix: 'SPA',
      webhookSecret: 'set',
      webhookUrl: `${org.issuer}/stripe/webhook`,
    });
    expect(out.secretKey).to.match(/…6789$/);
    expect(res.stdout).to.not.contain(TEST_KEYS.secretKey);
    expect(out.webhookEvents).to.include('payment_intent.succeeded');
    const bad = await porticoWith(s, { STRIPE_SECRET_KEY: 'pk_test_notASecretKey0' }, 'stripe connect', '--org', org.slug);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/secretKey: use a secret key/);
  });

  it('doctor checks what an operator must, and says what to fix', async () => {
    await cli('org create', '--slug', uniqueSlug('doctor'), '--name', 'Doctor Spa');
    const ok = await portico('doctor', '--json');
    expect(ok.code, ok.stderr + ok.stdout).to.equal(0);
    const findings = JSON.parse(ok.stdout) as { check: string; ok: boolean; says: string }[];
    expect(findings.map((f) => f.check)).to.include.members(['configuration', 'database', 'clock', 'smtp']);
    expect(findings.filter((f) => f.check.startsWith('keys ')).length).to.be.greaterThan(0);
    expect(findings.find((f) => f.check === 'smtp')!.says).to.match(/accepts mail/);
    // Another master secret cannot open the signing keys, and no SMTP server answers at port 9: both named, exit 1.
    const wrong = await porticoWith(s, { MASTER_SECRET: 'another-master-secret-another-master-secret', SMTP_URL: 'smtp://127.0.0.1:9' }, 'doctor');
    expect(wrong.code).to.equal(1);
    expect(wrong.stdout).to.match(/✘ keys \S+ +the signing keys do not open with this MASTER_SECRET/);
    expect(wrong.stdout).to.match(/✘ smtp .*\n +fix: check SMTP_URL/);
  });

  it('prints usage for unknown commands', async () => {
    const res = await portico('frobnicate');
    expect(res.code).to.equal(2);
    expect(res.stderr).to.contain('Usage: portico');
  });
});
