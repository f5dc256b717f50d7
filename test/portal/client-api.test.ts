import { expect } from 'chai';
import * as oidc from 'openid-client';
import { apiUrl, call, customerToken } from '../support/api.ts';
import { passCooldown } from '../support/clock.ts';
import { codeFrom } from '../support/mailbox.ts';
import { makeClient, makeOrg, uniqueEmail, type TestClient, type TestOrg } from '../support/oidc.ts';
import { stack, type Stack } from '../support/stack.ts';

describe('Client API: profile, company, portal configuration', () => {
  let s: Stack;
  let t: TestOrg;
  let app: TestClient;
  before(async () => {
    s = await stack();
    t = await makeOrg(s);
    app = await makeClient(s, t);
  });

  it('reads and edits the profile; the ID token name follows', async () => {
    const { token, email } = await customerToken(s, app);
    const before = await call('GET', `${apiUrl(t)}/profile`, token);
    expect(before.status).to.equal(200);
    expect(before.body).to.include({ email, emailVerified: true });
    expect(before.body.preferences).to.deep.equal({ emailMarketing: false, smsMarketing: false, bookingReminders: true });
    const patch = {
      givenName: 'Ada',
      familyName: 'Lovelace',
      phoneNumber: '+44 7700 900-123',
      address: { line1: '12 Quay Street', city: 'Falmouth', postalCode: 'TR11 3HH', country: 'gb' },
      dateOfBirth: '1990-12-10',
      preferences: { emailMarketing: true },
    };
    const after = await call('PATCH', `${apiUrl(t)}/profile`, token, patch);
    expect(after.status, JSON.stringify(after.body)).to.equal(200);
    expect(after.body).to.include({
      givenName: 'Ada',
      familyName: 'Lovelace',
      name: 'Ada Lovelace',
      phoneNumber: '+447700900123',
      dateOfBirth: '1990-12-10',
    });
    expect(after.body.address).to.deep.equal({ line1: '12 Quay Street', city: 'Falmouth', postalCode: 'TR11 3HH', country: 'GB' });
    expect(after.body.preferences).to.include({ emailMarketing: true, bookingReminders: true });
    const cleared = await call('PATCH', `${apiUrl(t)}/profile`, token, { address: null, phoneNumber: null });
    expect(cleared.body).to.not.have.property('address');
    expect(cleared.body).to.not.have.property('phoneNumber');
    await passCooldown(t.org._id, email);
    const { tokens } = await customerToken(s, app, { email, scope: 'profile' });
    expect(tokens.claims()!.name).to.equal('Ada Lovelace');
  });

  it('rejects invalid profile input field by field, changing nothing', async () => {
    const { token } = await customerToken(s, app);
    const bad = await call('PATCH', `${apiUrl(t)}/profile`, token, {
      givenName: 'Ok',
      phoneNumber: '07700 900123',
      dateOfBirth: '2999-01-01',
      address: { line1: 'x', city: 'y', postalCode: '<script>', country: 'ZZ' },
      isAdmin: true,
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.equal('invalid_request');
    const fields = bad.body.details.map((d: { field: string }) => d.field);
    expect(fields).to.include.members(['phoneNumber', 'dateOfBirth', 'address.postalCode', 'address.country', 'isAdmin']);
    expect((await call('GET', `${apiUrl(t)}/profile`, token)).body).to.not.have.property('givenName');
    expect((await call('PATCH', `${apiUrl(t)}/profile`, token, { dateOfBirth: '2001-02-30' })).status).to.equal(400);
    expect((await call('PATCH', `${apiUrl(t)}/profile`, token, '{"givenName":')).status).to.equal(400);
  });

  it('changes the email address only with the code sent to the new address', async () => {
    const { token, email } = await customerToken(s, app);
    const next = uniqueEmail('new');
    const sentAfter = Date.now();
    const asked = await call('POST', `${apiUrl(t)}/profile/email-change`, token, { email: next.toUpperCase() });
    expect(asked.status).to.equal(202);
    expect(asked.body).to.deep.equal({ sentTo: next });
    const mail = await s.mailbox.next(next, sentAfter);
    expect(mail.subject).to.contain('confirms your new');
    const code = codeFrom(mail);
    const wrong = await call('POST', `${apiUrl(t)}/profile/email-change/verify`, token, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error_description).to.contain('4 tries left');
    expect((await call('GET', `${apiUrl(t)}/profile`, token)).body.email).to.equal(email);
    const right = await call('POST', `${apiUrl(t)}/profile/email-change/verify`, token, { code });
    expect(right.status).to.equal(200);
    expect(right.body).to.include({ email: next, emailVerified: true });
    expect((await call('POST', `${apiUrl(t)}/profile/email-change/verify`, token, { code })).status).to.equal(400);
    // The old address no longer signs in to this account; the new one does.
    await passCooldown(t.org._id, next);
    const again = await customerToken(s, app, { email: next });
    expect(again.tokens.claims()!.sub).to.equal(right.body.sub);
  });

  it('will not move an address that another account uses', async () => {
    const taken = await customerToken(s, app);
    const { token } = await customerToken(s, app);
    await passCooldown(t.org._id, taken.email);
    const sentAfter = Date.now();
    expect((await call('POST', `${apiUrl(t)}/profile/email-change`, token, { email: taken.email })).status).to.equal(202);
    const code = codeFrom(await s.mailbox.next(taken.email, sentAfter));
    const res = await call('POST', `${apiUrl(t)}/profile/email-change/verify`, token, { code });
    expect(res.status).to.equal(409);
  });

  it('enforces scopes: profile to read, profile:write to change, and a customer behind the token', async () => {
    const readOnly = await customerToken(s, app, { scope: 'profile' });
    expect((await call('GET', `${apiUrl(t)}/profile`, readOnly.token)).status).to.equal(200);
    const denied = await call('PATCH', `${apiUrl(t)}/profile`, readOnly.token, { givenName: 'X' });
    expect(denied.status).to.equal(403);
    expect(denied.headers.get('www-authenticate')).to.contain('scope="profile:write"');
    const machine = await makeClient(s, t, { kind: 'machine' });
    const m = await oidc.clientCredentialsGrant(machine.config, { resource: `${t.issuer}/api`, scope: 'profile' });
    expect((await call('GET', `${apiUrl(t)}/profile`, m.access_token)).status).to.equal(403);
    expect((await call('GET', `${apiUrl(t)}/company`, m.access_token)).status).to.equal(200);
  });

  it("rejects organisation A's token at organisation B's API, and tokens for other audiences", async () => {
    const { token } = await customerToken(s, app);
    const other = await makeOrg(s);
    const atB = await call('GET', `${apiUrl(other)}/profile`, token);
    expect(atB.status).to.equal(401);
    expect(atB.body.error).to.equal('invalid_token');
    const { tokens } = await customerToken(s, app, { scope: 'profile' });
    const idTokenAsBearer = await call('GET', `${apiUrl(t)}/profile`, tokens.id_token);
    expect(idTokenAsBearer.status).to.equal(401);
    expect((await call('GET', `${apiUrl(t)}/profile`, undefined)).status).to.equal(401);
  });

  it('serves company information, policies and the portal configuration', async () => {
    const { token } = await customerToken(s, app);
    const company = await call('GET', `${apiUrl(t)}/company`, token);
    expect(company.body).to.deep.equal({ name: t.org.name, policies: [] });
    expect((await call('GET', `${apiUrl(t)}/policies/refund`, token)).status).to.equal(404);
    expect((await call('GET', `${apiUrl(t)}/portal`, token)).status).to.equal(404);
  });
});
