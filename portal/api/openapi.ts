// The Client API and Admin API paths portal/ serves, and the two OpenAPI documents (joined with those of idp/).
import { body, document, ok, op, pathParam, query, type Paths } from '../../lib/openapi.ts';
import * as availability from './availability/service.ts';
import * as bookings from './bookings/service.ts';
import * as catalogue from './catalogue/service.ts';
import * as company from './company/service.ts';
import { flowAdminPaths, flowClientPaths } from './flows/openapi.ts';
import { membershipAdminPaths, membershipClientPaths } from './memberships/openapi.ts';
import * as plans from './memberships/plans.ts';
import { moneyAdminPaths, moneyClientPaths } from './money/openapi.ts';
import * as payments from './payments/settings.ts';
import * as portals from './portals/service.ts';

const slug = pathParam('slug');
const id = pathParam('id');
const availabilityOp = op(
  "Free start times of a service per local date, in its location's time zone (at most 31 days). Each start says how many resources can take it (`resourceCount`) and their seats left; ask with `resource` for one staff member's or resource's own times. An answer holds at most 3,000 starts: when it stops early, `to` is its last date and `next` the `from` to ask next.",
  {
    parameters: query(availability.availabilityQuery, {
      from: 'first local date, YYYY-MM-DD',
      to: 'last local date (inclusive)',
      resource: 'only this staff member or resource',
    }),
  },
);
const eventsOp = (who: string) =>
  op(
    `Live updates as server-sent events (text/event-stream): ${who}. Send Last-Event-ID to resume; the stream ends when the access token expires.`,
    {},
    ok('An event stream'),
  );
const slot = { requestBody: body(bookings.slotInput) };

/** List, read, create, edit and delete one kind of catalogue entry. */
const crudPaths = (path: string, what: string, input: Parameters<typeof body>[0], patch: Parameters<typeof body>[0]): Paths => ({
  [`/${path}`]: { get: op(`List ${path}`), post: op(`Create a ${what}`, { requestBody: body(input) }, ok('Created', 201)) },
  [`/${path}/{id}`]: {
    get: op(`One ${what}`, { parameters: [id] }),
    patch: op(`Edit a ${what} (fields not sent are kept; null clears)`, { parameters: [id], requestBody: body(patch) }),
    delete: op(`Delete a ${what}`, { parameters: [id] }, ok('Deleted', 204)),
  },
});
const kind = pathParam('kind', { type: 'string', enum: company.policyKind.options });

const clientPaths: Paths = {
  '/portal': { get: op('Configuration of the primary portal (branding, sections in order)') },
  '/portals/{slug}': { get: op('Configuration of one portal', { parameters: [slug] }) },
  '/company': { get: op('Company information and the published policies') },
  '/policies/{kind}': { get: op('One policy, as markdown and sanitised HTML', { parameters: [kind] }) },
  '/services': { get: op('Bookable services, with their location and who delivers them') },
  '/services/{id}': { get: op('One bookable service', { parameters: [id] }) },
  '/availability': { get: availabilityOp },
  '/bookings': {
    get: op("The customer's bookings: upcoming (soonest first) or history (latest first); scope `bookings`", {
      parameters: query(bookings.listQuery),
    }),
    post: op(
      'Book an offered start (409 slot_taken when someone was faster, 422 slot_not_offered); scope `bookings:write`',
      { requestBody: body(bookings.createInput) },
      ok('Booked', 201),
    ),
  },
  '/bookings/{id}': { get: op("One of the customer's bookings", { parameters: [id] }) },
  '/bookings/{id}/calendar.ics': { get: op('The booking as an iCalendar file', { parameters: [id] }) },
  '/bookings/{id}/cancel': { post: op('Cancel, within the cancellation window (409 cancellation_closed after it)', { parameters: [id] }) },
  '/bookings/{id}/reschedule': { post: op('Move to another offered start, keeping the booking id', { parameters: [id], ...slot }) },
  '/events': {
    get: eventsOp(
      "the customer's own bookings (`booking`) and, of everyone else's, only that some time was taken or freed (`availability`), with scope `bookings`; their tabs (`tab`), invoices, credit notes and receipts (`document`) and changes to their cards (`payment-method`), with scope `payments`; their memberships (`membership`) and credits (`credit`), with scope `memberships`; the forms they send through flows (`form`), with scope `forms` (first-party apps only)",
    ),
  },
  ...moneyClientPaths,
  ...membershipClientPaths,
  ...flowClientPaths,
};

const adminPaths: Paths = {
  '/me': { get: op('Who is calling, with their current staff role') },
  '/payments/settings': {
    get: op('The Stripe connection (keys only as hints), currency and tax settings; admin'),
    put: op('Connect Stripe and set currency, taxes and the invoice number prefix; keys not sent are kept; owner only', {
      requestBody: body(payments.settingsInput),
    }),
  },
  '/payments/settings/test': { post: op('Call Stripe with the stored key; 422 `stripe_refused` says what is wrong in plain words; admin') },
  '/audit': {
    get: op('The audit log, newest first', {
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        { name: 'before', in: 'query', schema: { type: 'string' }, description: 'the `next` cursor of the previous page' },
      ],
    }),
  },
  '/portals': {
    get: op('List portals'),
    post: op('Create a portal (the first one becomes primary)', { requestBody: body(portals.createPortalInput) }, ok('Created', 201)),
  },
  '/portals/{slug}': {
    get: op('One portal', { parameters: [slug] }),
    patch: op('Rename or rebrand (colours failing WCAG AA contrast are adjusted, with warnings)', {
      parameters: [slug],
      requestBody: body(portals.updatePortalInput),
    }),
    delete: op('Delete a portal that is not the primary', { parameters: [slug] }, ok('Deleted', 204)),
  },
  '/portals/{slug}/primary': { put: op('Make this the primary portal', { parameters: [slug] }) },
  '/portals/{slug}/sections': {
    put: op('Set the order and state of all sections', { parameters: [slug], requestBody: body(portals.sectionsInput) }),
  },
  '/portals/{slug}/sections/{key}': {
    patch: op("Change one section's state or label", { parameters: [slug, pathParam('key')], requestBody: body(portals.sectionPatch) }),
  },
  '/company': {
    get: op('Company information'),
    put: op('Edit company information (null clears a field)', { requestBody: body(company.companyInput) }),
  },
  '/policies/{kind}': {
    get: op('One policy', { parameters: [kind] }),
    put: op('Publish a policy in markdown (empty withdraws it)', { parameters: [kind], requestBody: body(company.policyInput) }),
  },
  ...crudPaths('locations', 'location', catalogue.locationInput, catalogue.locationPatch),
  ...crudPaths('resources', 'staff member or resource, with weekly hours and date exceptions', catalogue.resourceInput, catalogue.resourcePatch),
  ...crudPaths('services', 'service', catalogue.serviceInput, catalogue.servicePatch),
  '/availability': { get: availabilityOp },
  '/bookings': {
    get: op("The organisation's bookings starting in [from, to), by start", { parameters: query(bookings.staffListQuery) }),
    post: op('Book for a customer (staff may book inactive services)', { requestBody: body(bookings.staffCreateInput) }, ok('Booked', 201)),
  },
  '/bookings/{id}': { get: op('One booking, with the customer', { parameters: [id] }) },
  '/bookings/{id}/calendar.ics': { get: op('The booking as an iCalendar file', { parameters: [id] }) },
  '/bookings/{id}/cancel': { post: op('Cancel (staff are not bound by the cancellation window)', { parameters: [id] }) },
  '/bookings/{id}/reschedule': { post: op('Move to another offered start, keeping the booking id', { parameters: [id], ...slot }) },
  '/events': {
    get: eventsOp(
      'every booking (`booking`), tab (`tab`), document (`document`), saved-card (`payment-method`), membership (`membership`), credit (`credit`) and form (`form`: a customer finished a flow) change of the organisation',
    ),
  },
  ...moneyAdminPaths,
  ...flowAdminPaths,
  ...crudPaths('plans', 'membership plan (members keep the terms they joined on)', plans.planInput, plans.planPatch),
  ...crudPaths('packs', 'class pack', plans.packInput, plans.packPatch),
  ...membershipAdminPaths,
};

export const clientOpenApi = (server: string, served: Paths) =>
  document(
    'Client API',
    server,
    "For customers' apps. Access tokens must have this API as audience (resource indicator `<issuer>/api`). Profile needs the `profile` scope to read and `profile:write` to change.",
    { ...clientPaths, ...served },
  );

export const adminOpenApi = (server: string, served: Paths) =>
  document(
    'Admin API',
    server,
    'For staff and back-office integrations. Tokens must have this API as audience (`<issuer>/admin`), the `admin` scope and a staff role (owner, admin or staff); staff may read, admin and owner may also write, and only owners may give or take the owner role. Every change is recorded in the audit log.',
    { ...adminPaths, ...served },
  );
