// Connecting an organisation's Stripe account (Admin API), against stripe-mock: keys sealed and never shown again,
// owner-only changes, a connection test in plain words, and nothing of one organisation visible to another.
import { expect } from 'chai';
import mongoose from 'mongoose';
import { adminToken, adminUrl, call } from '../support/api.ts';
import { makeOrg, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

const SECRET = 'sk_test_51PorticoSecretKeyForTestsOnly0123456789';
const PUBLISHABLE = 'pk_test_51PorticoPublishableKeyForTests0123456789';
const WEBHOOK = 'whsec_PorticoWebhookSigningSecret0123456789';

describe('Payments: connecting Stripe (Admin API, against stripe-mock)', function () {
  this.timeout(60_000);
  let s: Stack;
  let t: TestOrg;
  let owner: string;
  let admin: string;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    [owner, admin] = [await adminToken(s, t, 'owner'), await adminToken(s, t, 'admin')];
  });
  const settings = (org = t) => `${adminUrl(org)}/payments/settings`;

  it('keeps the keys sealed: shown again only as a hint, not in the database, the audit log or the logs', async () => {
    const put = await call('PUT', settings(), owner, {
      secretKey: SECRET,
      publishableKey: PUBLISHABLE,
      webhookSecret: WEBHOOK,
      currency: 'EUR',
      taxInclusive: false,
      taxRates: [{ name: 'VAT 20%', percent: 20 }],
    });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    expect(put.body).to.deep.include({
      connected: true,
      mode: 'test',
      secretKey: 'sk_test_…6789',
      publishableKey: PUBLISHABLE,
      webhookSecretSet: true,
      currency: 'EUR',
      taxInclusive: false,
    });
    expect(put.body.taxRates).to.deep.equal([{ id: 'tax_1', name: 'VAT 20%', percent: 20 }]);
    const read = await call('GET', settings(), admin);
    expect(read.body).to.deep.equal(put.body);
    const stored = JSON.stringify(await mongoose.connection.db!.collection('payment_settings').find({ org: t.org._id }).toArray());
    const audit = JSON.stringify((await call('GET', `${adminUrl(t)}/audit`, owner)).body);
    for (const [where, text] of [
      ['database', stored],
      ['audit log', audit],
      ['logs', s.logs.join('\n')],
      ['answer', JSON.stringify(read.body)],
    ]) {
      expect(text, where).to.not.contain(SECRET.slice(8, 30));
      expect(text, where).to.not.contain(WEBHOOK.slice(6, 30));
    }
    // Keys not sent are kept; the rest changes.
    const again = await call('PUT', settings(), owner, { currency: 'JPY' });
    expect(again.body).to.deep.include({ connected: true, secretKey: 'sk_test_…6789', webhookSecretSet: true, currency: 'JPY' });
  });

  it('tests the connection against Stripe and says what is wrong in plain words', async () => {
    const ok = await call('POST', `${settings()}/test`, admin);
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body).to.deep.equal({ ok: true, mode: 'test' });
    // stripe-mock, like Stripe in test mode, refuses a live key: the answer says what to check, not Stripe's raw text.
    const live = await makeOrg(s);
    const liveOwner = await adminToken(s, live, 'owner');
    await call('PUT', settings(live), liveOwner, { secretKey: 'sk_live_51PorticoLiveKeyForTests0123456789' });
    const refused = await call('POST', `${settings(live)}/test`, liveOwner);
    expect(refused.status).to.equal(422);
    expect(refused.body).to.include({ error: 'stripe_refused' });
    expect(refused.body.error_description).to.contain('did not accept the secret key');
    const none = await makeOrg(s);
    const noneOwner = await adminToken(s, none, 'owner');
    expect((await call('POST', `${settings(none)}/test`, noneOwner)).status, 'nothing connected yet').to.equal(409);
  });

  it('lets only owners change it, staff read it (hints only, for the till), and shows each organisation only its own', async () => {
    expect((await call('PUT', settings(), admin, { currency: 'USD' })).status).to.equal(403);
    const staff = await adminToken(s, t, 'staff');
    const read = await call('GET', settings(), staff);
    expect(read.status).to.equal(200);
    expect(read.body.webhook).to.deep.include({ url: `${t.issuer}/stripe/webhook` });
    expect(read.body.webhook.events).to.include('setup_intent.succeeded');
    expect(JSON.stringify(read.body)).to.not.contain(SECRET);
    expect((await call('POST', `${settings()}/test`, staff)).status).to.equal(403);
    expect((await call('PUT', settings(), staff, { currency: 'USD' })).status).to.equal(403);
    const other = await makeOrg(s);
    const otherOwner = await adminToken(s, other, 'owner');
    const theirs = await call('GET', settings(other), otherOwner);
    expect(theirs.body).to.deep.include({ connected: false, webhookSecretSet: false, currency: 'GBP' });
    expect((await call('GET', settings(), otherOwner)).status, "another organisation's token").to.be.oneOf([401, 403]);
  });

  it('refuses bad input with the field named, changing nothing', async () => {
    const before = (await call('GET', settings(), owner)).body;
    const cases: [object, string][] = [
      [{ secretKey: PUBLISHABLE }, 'secretKey'],
      [{ secretKey: SECRET, publishableKey: 'pk_live_51PorticoPublishableKeyForTests0123456789' }, 'publishableKey'],
      [{ publishableKey: 'pk_live_51PorticoPublishableKeyForTests0123456789' }, 'publishableKey'],
      [{ currency: 'XXQ' }, 'currency'],
      [{ taxRates: [{ name: 'Too much', percent: 120 }] }, 'taxRates.0.percent'],
      [{ taxRates: Array.from({ length: 21 }, (_, i) => ({ name: `Rate ${i}`, percent: 1 })) }, 'taxRates'],
      [{ secretKey: SECRET, extra: true }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await call('PUT', settings(), owner, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      if (field)
        expect(
          res.body.details.map((d: { field: string }) => d.field),
          JSON.stringify(body),
        ).to.include(field);
    }
    expect((await call('GET', settings(), owner)).body).to.deep.equal(before);
  });
});
