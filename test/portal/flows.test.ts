// Customer Flows: staff design and publish flows through the Admin API; a customer goes through one at
// /<org>/flows/<slug>, a relying party of its own, signed in without a code when the portal already signed them in;
// finishing it books and leaves the answers on their record, for staff, live; another organisation sees none of it.
import { expect } from 'chai';
import { adminToken, adminUrl, apiUrl, call, customerToken } from '../support/api.ts';
import { type Browser, formAction } from '../support/browser.ts';
import { FlowModel, FlowProgressModel } from '../../portal/api/flows/model.ts';
import { RUN_KEPT_MS } from '../../portal/api/flows/runner.ts';
import { seedCatalogue } from '../support/catalogue.ts';
import { eventually } from '../support/chromium.ts';
import { leaveFlowRuns, passCooldown } from '../support/clock.ts';
import { firstValue, flowUrl, openFlow, passSignIn, postStep } from '../support/flows.ts';
import { makeClient, makeOrg, type TestOrg } from '../support/oidc.ts';
import { portalSignIn } from '../support/portal.ts';
import { openStream } from '../support/sse.ts';
import { stack, type Stack } from '../support/stack.ts';
import { connectStripe } from '../support/stripe.ts';

/** A first massage: choose service → time → sign in → intake questions → waiver → confirm. */
const firstMassage = (serviceId: string) => ({
  slug: 'first-massage',
  title: 'Book a first massage',
  steps: [
    { kind: 'service', serviceIds: [serviceId] },
    { kind: 'time', days: 7 },
    { kind: 'sign-in' },
    {
      kind: 'questions',
      title: 'About you',
      questions: [
        { id: 'injuries', label: 'Any injuries we should know of?', type: 'text', required: true, maxLength: 500 },
        { id: 'pressure', label: 'Pressure', type: 'choice', options: ['Light', 'Medium', 'Firm'], required: true },
        { id: 'areas', label: 'Areas to focus on', type: 'checkbox', options: ['Back', 'Neck', 'Legs'] },
        { id: 'born', label: 'Date of birth', type: 'date' },
      ],
    },
    { kind: 'consent', title: 'Waiver', text: 'I take part at my own risk.' },
    { kind: 'confirmation' },
  ],
});

describe('Customer Flows', () => {
  let s: Stack;
  let t: TestOrg;
  let admin: string;
  let massage: { id: string };
  before(async () => {
    s = await stack();
    t = await makeOrg(s, { name: 'Harbour Spa' });
    admin = await adminToken(s, t);
    ({ massage } = await seedCatalogue(t, admin));
  });

  /** A customer's id, as staff look it up by email. */
  const subOf = async (email: string) => (await call('GET', `${adminUrl(t)}/customers?email=${encodeURIComponent(email)}`, admin)).body.items[0].id;

  const open = (browser: Browser, slug: string) => openFlow(s, browser, t.issuer, slug);
  const post = (browser: Browser, html: string, fields: [string, string][]) => postStep(s, browser, html, fields);

  describe('Admin API', () => {
    it('creates a draft, refuses bad steps with 400 and a broken journey with 422, and publishes immutable versions', async () => {
      const bad = await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'x', title: 'X', steps: [{ kind: 'payment' }] });
      expect(bad.status).to.equal(400);
      const badQuestion = await call('POST', `${adminUrl(t)}/flows`, admin, {
        slug: 'x',
        title: 'X',
        steps: [{ kind: 'questions', title: 'Q', questions: [{ id: 'a', label: 'A', type: 'choice' }] }],
      });
      expect(badQuestion.status).to.equal(400);
      expect(badQuestion.body.error_description).to.contain('a choice needs options');
      expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'login', title: 'X' })).status).to.equal(400);

      const created = await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'intake', title: 'Intake', steps: [{ kind: 'sign-in' }] });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body).to.include({ slug: 'intake', version: 0 });
      expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'intake', title: 'Again' })).status).to.equal(409);
      const broken = await call('POST', `${adminUrl(t)}/flows/intake/versions`, admin);
      expect(broken.status).to.equal(422);
      expect(broken.body.error).to.equal('not_publishable');
      expect(broken.body.error_description).to.contain('the last step is the confirmation');

      const steps = [
        { kind: 'sign-in' },
        { kind: 'questions', title: 'Q', questions: [{ id: 'why', label: 'Why?', type: 'text' }] },
        { kind: 'confirmation' },
      ];
      expect((await call('PATCH', `${adminUrl(t)}/flows/intake`, admin, { steps })).status).to.equal(200);
      const v1 = await call('POST', `${adminUrl(t)}/flows/intake/versions`, admin);
      expect(v1.status, JSON.stringify(v1.body)).to.equal(201);
      expect(v1.body).to.include({ slug: 'intake', version: 1 });
      await call('PATCH', `${adminUrl(t)}/flows/intake`, admin, { title: 'Intake v2' });
      expect((await call('POST', `${adminUrl(t)}/flows/intake/versions`, admin)).body.version).to.equal(2);
      const kept = await call('GET', `${adminUrl(t)}/flows/intake/versions/1`, admin);
      expect(kept.body).to.include({ title: 'Intake', version: 1 });
      expect((await call('GET', `${adminUrl(t)}/flows/intake/versions/3`, admin)).status).to.equal(404);
      expect((await call('GET', `${adminUrl(t)}/flows/intake/versions/zero`, admin)).status).to.equal(400);
      expect((await call('GET', `${adminUrl(t)}/flows`, admin)).body.items.map((f: { slug: string }) => f.slug)).to.include('intake');
    });

    it("previews a draft's step as customers will see it, in the draft's portal's branding, without saving the draft", async () => {
      const staff = await adminToken(s, t, 'staff');
      expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'preview-me', title: 'Saved title' })).status).to.equal(201);
      const plum = { slug: 'plum', name: 'Plum', branding: { primaryColor: '#6b2d5c' } };
      expect((await call('POST', `${adminUrl(t)}/portals`, admin, plum)).status).to.equal(201);
      const steps = [
        { kind: 'service', serviceIds: [massage.id] },
        { kind: 'time', days: 7 },
        { kind: 'questions', title: 'About you', questions: [{ id: 'why', label: 'Why now?', type: 'text' }] },
      ];
      const preview = (index: number, more: Record<string, unknown> = {}, token = staff, slug = 'preview-me') =>
        call('POST', `${adminUrl(t)}/flows/${slug}/preview`, token, { steps, index, ...more });

      const questions = await preview(2, { title: 'Unsaved title', portal: 'plum', nonce: 'console-page-nonce-1' });
      expect(questions.status, JSON.stringify(questions.body)).to.equal(200);
      expect(questions.body.html)
        .to.contain('Unsaved title · Step 3 of 3')
        .and.contain('<label for="q-why">Why now?')
        .and.contain('--brand: #6b2d5c')
        .and.contain('<style nonce="console-page-nonce-1">');
      // A time step offers the times of the service the step before it offers.
      const times = await preview(1);
      expect(times.body.html).to.contain('Saved title · Step 2 of 3').and.contain('Deep tissue massage: times are in');
      expect(times.body.html).to.match(/name="start" value="[^"]+Z"/);

      expect((await preview(3)).status, 'no such step').to.equal(400);
      expect((await preview(0, { nonce: '"><script>' })).status, 'not a nonce').to.equal(400);
      expect((await preview(0, {}, staff, 'no-such-flow')).status).to.equal(404);
      const saved = (await call('GET', `${adminUrl(t)}/flows/preview-me`, admin)).body;
      expect(saved).to.include({ title: 'Saved title', portal: null });
      expect(saved.steps).to.deep.equal([]);
    });

    it('lets staff read but not change flows', async () => {
      const staff = await adminToken(s, t, 'staff');
      expect((await call('GET', `${adminUrl(t)}/flows`, staff)).status).to.equal(200);
      expect((await call('POST', `${adminUrl(t)}/flows`, staff, { slug: 'nope', title: 'Nope' })).status).to.equal(403);
    });
  });

  describe('a customer signed in to the portal', () => {
    let portal: Awaited<ReturnType<typeof portalSignIn>>;
    let sub: string;
    before(async () => {
      const res = await call('POST', `${adminUrl(t)}/flows`, admin, firstMassage(massage.id));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect((await call('POST', `${adminUrl(t)}/flows/first-massage/versions`, admin)).status).to.equal(201);
      portal = await portalSignIn(s, t.issuer);
      sub = await subOf(portal.email);
    });

    it('goes through the flow without a code, books, and staff see the answers live', async () => {
      const { browser, email } = portal;
      const events = await openStream(`${adminUrl(t)}/events`, { authorization: `Bearer ${admin}` });
      const mails = s.mailbox.messages.length;

      let page = await open(browser, 'first-massage');
      expect(page.status).to.equal(200);
      expect(page.html).to.contain('Choose a service').and.contain('Step 1 of 6');
      page = await post(browser, page.html, [['service', massage.id]]);
      expect(page.html).to.contain('Choose a time');
      const start = firstValue(page.html, 'start')!;
      expect(start).to.match(/Z$/);
      page = await post(browser, page.html, [['start', start]]);
      expect(page.html).to.contain('Sign in to continue');

      // The sign-in step's form goes to the flows app's own sign-in: the identity provider's session answers at once.
      page = await passSignIn(s, browser, page.html);
      expect(page.url).to.equal(flowUrl(t.issuer, 'first-massage'));
      expect(s.mailbox.messages.length, 'no code was sent').to.equal(mails);
      expect(page.html).to.contain('About you');

      const refused = await post(browser, page.html, [['pressure', 'Brutal']]);
      expect(refused.status).to.equal(422);
      expect(refused.html).to.contain('role="alert"').and.contain('This is required.').and.contain('Choose from the options given.');
      page = await post(browser, page.html, [
        ['injuries', 'A stiff left shoulder'],
        ['pressure', 'Firm'],
        ['areas', 'Back'],
        ['areas', 'Neck'],
        ['born', '1990-04-01'],
      ]);
      expect(page.html).to.contain('Waiver');
      const unsigned = await post(browser, page.html, [['signature', '']]);
      expect(unsigned.status).to.equal(422);
      expect(unsigned.html).to.contain('Tick the box to agree.');
      page = await post(browser, page.html, [
        ['agree', 'yes'],
        ['signature', 'Alex Example'],
      ]);
      expect(page.html).to.contain('Deep tissue massage').and.contain('Firm').and.contain('Signed by Alex Example');
      page = await post(browser, page.html, []);
      expect(page.url).to.match(/\/flows\/first-massage\/done\/fm_/);
      expect(page.html).to.contain('Your booking is confirmed');

      const forms = await call('GET', `${adminUrl(t)}/customers/${sub}/forms`, admin);
      expect(forms.status).to.equal(200);
      const [form] = forms.body.items;
      expect(form).to.include({ flow: 'first-massage', title: 'Book a first massage', version: 1 });
      const questions = form.steps.find((x: { kind: string }) => x.kind === 'questions').questions;
      expect(questions).to.deep.include({ id: 'areas', label: 'Areas to focus on', answer: ['Back', 'Neck'] });
      expect(form.steps.find((x: { kind: string }) => x.kind === 'consent').answer).to.include({ signature: 'Alex Example' });
      const booking = await call('GET', `${adminUrl(t)}/bookings/${form.bookingId}`, admin);
      expect(booking.status).to.equal(200);
      expect(booking.body).to.include({ start, status: 'confirmed' });
      expect(booking.body.service.name).to.equal('Deep tissue massage');
      expect(booking.body.customer).to.deep.equal({ id: sub, email });
      // The portal, the customer's other app, shows the booking too.
      const inPortal = await browser.request(`${t.issuer}/portal/bff/api/bookings`, { headers: { accept: 'application/json' } });
      expect(((await inPortal.json()) as { items: { id: string }[] }).items.map((b) => b.id)).to.include(form.bookingId);

      const live = await events.next((e) => e.event === 'form').finally(() => events.close());
      expect(live.data).to.include({ type: 'form.submitted', customer: sub });
    });

    it("gives the customer their own forms on the Client API, live and a page at a time, and no one else's", async () => {
      const app = await makeClient(s, t);
      await passCooldown(t.org._id, portal.email); // the portal's sign-in sent them a code a moment ago
      const own = (await customerToken(s, app, { email: portal.email, scope: 'forms' })).token;
      const [first] = (await call('GET', `${apiUrl(t)}/forms`, own)).body.items;
      expect(first).to.include({ flow: 'first-massage', title: 'Book a first massage' });
      expect(first.bookingId).to.match(/^bk_/);
      expect(first).to.not.have.property('customer');
      expect(first.steps.find((x: { kind: string }) => x.kind === 'consent').answer).to.include({ signature: 'Alex Example' });
      expect((await call('GET', `${apiUrl(t)}/forms/${first.id}`, own)).body).to.deep.equal(first);
      // The portal's own API, the one its pages read, says the same.
      const inPortal = await portal.browser.request(`${t.issuer}/portal/bff/api/forms/${first.id}`, { headers: { accept: 'application/json' } });
      expect(((await inPortal.json()) as { id: string }).id).to.equal(first.id);

      // A second form, sent while the customer's own stream is open: it arrives as their `form` event.
      const steps = [
        { kind: 'sign-in' },
        { kind: 'questions', title: 'Goals', questions: [{ id: 'goal', label: 'Your goal', type: 'text' }] },
        { kind: 'confirmation' },
      ];
      expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'goals', title: 'Goals', steps })).status).to.equal(201);
      expect((await call('POST', `${adminUrl(t)}/flows/goals/versions`, admin)).status).to.equal(201);
      const events = await openStream(`${apiUrl(t)}/events`, { authorization: `Bearer ${own}` });
      let page = await open(portal.browser, 'goals');
      if (page.html.includes('Sign in to continue')) page = await passSignIn(s, portal.browser, page.html);
      page = await post(portal.browser, page.html, [['goal', 'Sleep better']]);
      page = await post(portal.browser, page.html, []);
      expect(page.url).to.match(/\/flows\/goals\/done\/fm_/);
      const live = await events.next((e) => e.event === 'form').finally(() => events.close());
      expect(live.data).to.include({ type: 'form.submitted' }).and.not.have.property('customer');
      expect(live.data.form).to.include({ flow: 'goals', bookingId: null });

      const one = await call('GET', `${apiUrl(t)}/forms?limit=1`, own);
      expect(one.body.items.map((f: { flow: string }) => f.flow)).to.deep.equal(['goals']);
      const rest = await call('GET', `${apiUrl(t)}/forms?limit=1&before=${encodeURIComponent(one.body.next)}`, own);
      expect(rest.body.items.map((f: { id: string }) => f.id)).to.deep.equal([first.id]);
      expect(rest.body).to.not.have.property('next');
      expect((await call('GET', `${apiUrl(t)}/forms?before=yesterday`, own)).status).to.equal(400);
      expect((await call('GET', `${apiUrl(t)}/forms/not-a-form`, own)).status).to.equal(400);

      // Another customer: their list is empty and this customer's form is "not found"; no `forms` scope, no forms.
      const stranger = (await customerToken(s, app, { scope: 'forms' })).token;
      expect((await call('GET', `${apiUrl(t)}/forms`, stranger)).body.items).to.deep.equal([]);
      expect((await call('GET', `${apiUrl(t)}/forms/${first.id}`, stranger)).status).to.equal(404);
      await passCooldown(t.org._id, portal.email);
      const bookingsOnly = (await customerToken(s, app, { email: portal.email, scope: 'bookings' })).token;
      expect((await call('GET', `${apiUrl(t)}/forms`, bookingsOnly)).status).to.equal(403);
      // Answers may be about health: a third-party app is never granted the scope, even when it asks.
      const third = await makeClient(s, t, { firstParty: false });
      const asked = await customerToken(s, third, { email: portal.email, scope: 'profile forms' }).catch(() => undefined);
      if (asked) expect((await call('GET', `${apiUrl(t)}/forms`, asked.token)).status).to.equal(403);
    });

    it('sends the customer back to choose another time when theirs was taken meanwhile, and books once', async () => {
      const { browser, email } = await portalSignIn(s, t.issuer);
      const other = await portalSignIn(s, t.issuer);
      let page = await open(browser, 'first-massage');
      page = await post(browser, page.html, [['service', massage.id]]);
      const starts = [...page.html.matchAll(/name="start" value="([^"]+)"/g)].map((m) => m[1]!);
      const start = starts[starts.length - 1]!; // the last offered: no one else in this file books it
      page = await post(browser, page.html, [['start', start]]);
      page = await passSignIn(s, browser, page.html);
      page = await post(browser, page.html, [
        ['injuries', 'None'],
        ['pressure', 'Light'],
      ]);
      page = await post(browser, page.html, [
        ['agree', 'yes'],
        ['signature', 'Sam Example'],
      ]);
      expect(page.html).to.contain('Confirm and book');
      // Both therapists are booked at that time for someone else.
      const customerId = await subOf(other.email);
      for (let i = 0; i < 2; i++)
        expect((await call('POST', `${adminUrl(t)}/bookings`, admin, { customerId, serviceId: massage.id, start })).status).to.equal(201);
      const refused = await post(browser, page.html, []);
      expect(refused.status).to.be.oneOf([409, 422]);
      expect(refused.html).to.contain('Choose a time').and.contain('role="alert"');
      expect(refused.html).to.not.contain(`value="${start}"`);

      // Another time, and its confirmation sent twice at once (a double click): one booking, one form.
      const later = starts[starts.length - 4]!; // clear of the taken time and its buffer
      page = await post(browser, refused.html, [['start', later]]);
      expect(page.html).to.contain('About you').and.contain('>None</textarea>'); // what they said is kept
      page = await post(browser, page.html, [
        ['injuries', 'None'],
        ['pressure', 'Light'],
      ]);
      page = await post(browser, page.html, [
        ['agree', 'yes'],
        ['signature', 'Sam Example'],
      ]);
      const twice = await Promise.all([post(browser, page.html, []), post(browser, page.html, [])]);
      expect(twice.map((r) => r.status).sort()).to.deep.equal([200, 409]);
      const forms = (await call('GET', `${adminUrl(t)}/customers/${await subOf(email)}/forms`, admin)).body.items;
      expect(forms).to.have.length(1);
      const booked = await call('GET', `${adminUrl(t)}/bookings/${forms[0].bookingId}`, admin);
      expect(booked.body.start).to.equal(later);
    });

    it('hands a booking that asks for payment to the portal to pay, signed in already', async () => {
      const owner = await adminToken(s, t, 'owner');
      await connectStripe(t, owner, { currency: 'GBP' });
      const base = (await call('GET', `${adminUrl(t)}/services/${massage.id}`, admin)).body;
      const paid = await call('POST', `${adminUrl(t)}/services`, admin, {
        name: 'Paid massage',
        durationMinutes: 60,
        price: { amount: 5500, currency: 'GBP' },
        resourceIds: base.resourceIds,
        locationId: base.locationId,
        minNoticeMinutes: 0,
        payment: { mode: 'prepay' },
      });
      expect(paid.status, JSON.stringify(paid.body)).to.equal(201);
      const steps = [{ kind: 'service', serviceIds: [paid.body.id] }, { kind: 'time', days: 7 }, { kind: 'sign-in' }, { kind: 'confirmation' }];
      expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'paid-massage', title: 'Paid massage', steps })).status).to.equal(201);
      expect((await call('POST', `${adminUrl(t)}/flows/paid-massage/versions`, admin)).status).to.equal(201);
      const { browser } = portal;
      let page = await open(browser, 'paid-massage');
      page = await post(browser, page.html, [['service', paid.body.id]]);
      page = await post(browser, page.html, [['start', firstValue(page.html, 'start')!]]);
      if (page.html.includes('Sign in to continue')) page = await passSignIn(s, browser, page.html);
      page = await post(browser, page.html, []);
      expect(page.url).to.match(/\/flows\/paid-massage\/done\/fm_/);
      const bookingId = /reference (bk_[A-Za-z0-9_-]+)/.exec(page.html)![1]!;
      expect(page.html).to.match(/pay £55\.00 within 1[345] minutes/);
      expect(page.html).to.contain(`href="${t.issuer}/portal#/pay/${bookingId}"`);
      // The portal's own API says the same booking is waiting for that payment.
      const booking = await call('GET', `${adminUrl(t)}/bookings/${bookingId}`, admin);
      expect(booking.body.payment).to.include({ mode: 'prepay', status: 'due', amount: 5500 });
    });

    it('keeps a customer who left mid-flow on the version they started', async () => {
      const { browser } = portal;
      let page = await open(browser, 'first-massage');
      page = await post(browser, page.html, [['service', massage.id]]);
      expect(page.html).to.contain('Step 2 of 6');
      const steps = firstMassage(massage.id).steps.filter((x) => x.kind !== 'consent');
      await call('PATCH', `${adminUrl(t)}/flows/first-massage`, admin, { title: 'Massage, shorter', steps });
      expect((await call('POST', `${adminUrl(t)}/flows/first-massage/versions`, admin)).body.version).to.equal(2);
      page = await open(browser, 'first-massage'); // came back later
      expect(page.html).to.contain('Book a first massage · Step 2 of 6');
      const newcomer = await portalSignIn(s, t.issuer);
      const fresh = await open(newcomer.browser, 'first-massage');
      expect(fresh.html).to.contain('Massage, shorter · Step 1 of 5');
    });
  });

  describe('a run left alone', () => {
    let flowId: string;
    before(async () => {
      const steps = [
        { kind: 'questions', title: 'Visit', questions: [{ id: 'reason', label: 'Reason for visit', type: 'text', required: true }] },
        { kind: 'sign-in' },
        { kind: 'confirmation' },
      ];
      const created = await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'check-in', title: 'Check-in', steps });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect((await call('POST', `${adminUrl(t)}/flows/check-in/versions`, admin)).status).to.equal(201);
      flowId = (await FlowModel.findOne({ org: t.org._id, slug: 'check-in' }).lean())!._id;
    });

    /** The flow's runs as stored: only this test goes through it. */
    const runs = () => FlowProgressModel.find({ org: t.org._id, flow: flowId }).lean();

    it('expires 30 days after its last step and starts over; a finished run stays', async () => {
      const { browser } = await portalSignIn(s, t.issuer);
      const first = await open(browser, 'check-in');
      expect(first.html).to.contain('Check-in · Step 1 of 3');
      let page = await post(browser, first.html, [['reason', 'A sore knee']]);
      expect(page.html).to.contain('Step 2 of 3');
      const [left] = await runs();
      expect(left!.expiresAt!.getTime() - left!.updatedAt.getTime(), 'a step pushes the expiry back').to.equal(RUN_KEPT_MS);

      await leaveFlowRuns(t.org._id, flowId);
      const late = await post(browser, first.html, [['reason', 'Still sore']]);
      expect(late.status, 'an expired run takes no more steps').to.equal(409);
      page = await open(browser, 'check-in');
      expect(page.html).to.contain('Step 1 of 3').and.not.contain('A sore knee');

      page = await post(browser, page.html, [['reason', 'A sore knee']]);
      page = await passSignIn(s, browser, page.html);
      expect(page.html).to.contain('Step 3 of 3');
      page = await post(browser, page.html, []);
      expect(page.url).to.match(/\/flows\/check-in\/done\/fm_/);
      const done = (await runs()).find((r) => r.status === 'done');
      expect(done, 'the finished run').to.not.equal(undefined);
      expect(done, 'a finished run does not expire').to.not.have.property('expiresAt');
      expect((await browser.follow(new URL(page.url, s.baseUrl), s.baseUrl)).res!.status, 'its confirmation page stays').to.equal(200);
    });
  });

  describe('signing out', () => {
    before(async () => {
      const steps = [
        { kind: 'sign-in' },
        { kind: 'questions', title: 'Notes', questions: [{ id: 'note', label: 'Note', type: 'text' }] },
        { kind: 'confirmation' },
      ];
      expect((await call('POST', `${adminUrl(t)}/flows`, admin, { slug: 'notes', title: 'Notes', steps })).status).to.equal(201);
      expect((await call('POST', `${adminUrl(t)}/flows/notes/versions`, admin)).status).to.equal(201);
    });

    /** Signed in to the portal, then to the flows app by single sign-on: the flow page says who is signed in. */
    async function inBoth() {
      const { browser, email } = await portalSignIn(s, t.issuer);
      const page = await passSignIn(s, browser, (await open(browser, 'notes')).html);
      expect(page.html).to.contain(`Sign out (${email})`);
      return browser;
    }
    /** RP-initiated logout from an app, confirmed at the identity provider ("sign me out"). */
    async function signOut(browser: Browser, app: 'portal' | 'flows') {
      const out = await browser.request(`${t.issuer}/${app}/logout`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } });
      expect(out.status).to.equal(303);
      const confirm = await browser.follow(out.headers.get('location')!, s.baseUrl);
      const html = await confirm.res!.text();
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
      await browser.post(new URL(formAction(html, '/session/end/confirm'), s.baseUrl), { xsrf, logout: 'yes' });
    }
    const portalApi = async (browser: Browser) => {
      const res = await browser.request(`${t.issuer}/portal/bff/api/profile`, { headers: { accept: 'application/json' } });
      await res.body?.cancel();
      return res.status;
    };

    it("in the flow ends the portal's session within 2 seconds", async () => {
      const browser = await inBoth();
      expect(await portalApi(browser)).to.equal(200);
      await signOut(browser, 'flows');
      await eventually(
        () => portalApi(browser),
        (status) => status === 401,
        "the portal's next request signed out",
        2000,
      );
      const home = await browser.request(`${t.issuer}/flows`);
      expect(home.headers.get('location'), 'the flows app has no index: its root is the portal').to.match(/\/portal$/);
    });

    it("in the portal ends the flow's session within 2 seconds", async () => {
      const browser = await inBoth();
      await signOut(browser, 'portal');
      await eventually(
        async () => (await open(browser, 'notes')).html,
        (html) => html.includes('Sign in to continue') && !html.includes('Sign out ('),
        'the flow signed out',
        2000,
      );
    });
  });

  describe('isolation', () => {
    it("shows another organisation neither this one's flows nor its customers' forms", async () => {
      const other = await makeOrg(s);
      const otherAdmin = await adminToken(s, other);
      const customer = await portalSignIn(s, t.issuer);
      const sub = await subOf(customer.email);
      expect((await call('GET', `${adminUrl(other)}/flows/first-massage`, otherAdmin)).status).to.equal(404);
      expect((await call('GET', `${adminUrl(other)}/flows`, otherAdmin)).body.items).to.deep.equal([]);
      expect((await call('GET', `${adminUrl(other)}/customers/${sub}/forms`, otherAdmin)).status).to.equal(404);
      expect((await call('GET', `${adminUrl(t)}/customers/${sub}/forms`, admin)).body.items).to.deep.equal([]);
      const page = await customer.browser.follow(flowUrl(other.issuer, 'first-massage'), s.baseUrl);
      expect(page.res!.status).to.equal(404);
      await page.res!.body?.cancel();
      expect((await call('GET', `${apiUrl(t)}/services`, otherAdmin)).status).to.equal(401);
    });
  });
});
