// OpenAPI 3.1 descriptions of the Client API and the Admin API. Request bodies are generated from the same zod
// schemas the routes validate with, so the description cannot drift from what is accepted.
import { z } from 'zod';
import * as company from './company/service.ts';
import * as portals from './portals/service.ts';

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });
const error = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { 400: error, 401: error, 403: error, 404: error };
const ok = (description: string, status = 200) => ({ [status]: { description }, ...errors });
const op = (summary: string, extra: object = {}, responses: object = ok(summary)) => ({ summary, responses, ...extra });
const slug = { name: 'slug', in: 'path', required: true, schema: { type: 'string' } };
const kind = { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: ['terms', 'privacy', 'refund'] } };

function document(title: string, server: string, description: string, paths: object) {
  return {
    openapi: '3.1.0',
    info: { title, version: '1.0.0', description },
    servers: [{ url: server }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RFC 9068) from the organisation issuer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: { error: { type: 'string' }, error_description: { type: 'string' }, details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } } },
        },
      },
    },
    paths,
  };
}

export function clientOpenApi(server: string) {
  const profile = {
    type: 'object',
    description: 'Any subset of: givenName, familyName, phoneNumber (E.164), address {line1, line2, city, postalCode, region, country (ISO 3166-1 alpha-2)}, dateOfBirth (YYYY-MM-DD), preferences {emailMarketing, smsMarketing, bookingReminders}, locale. null clears a field.',
  };
  return document(
    'Client API',
    server,
    'For customers\' apps. Access tokens must have this API as audience (resource indicator `<issuer>/api`). Profile needs the `profile` scope to read and `profile:write` to change.',
    {
      '/profile': {
        get: op('The signed-in customer\'s profile'),
        patch: op('Edit the profile', { requestBody: { required: true, content: { 'application/json': { schema: profile } } } }),
      },
      '/profile/email-change': {
        post: op('Send a one-time code to a new email address', { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } } } } } }, ok('Code sent', 202)),
      },
      '/profile/email-change/verify': {
        post: op('Confirm the new address with the code', { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^\\d{6}$' } } } } } } }),
      },
      '/portal': { get: op('Configuration of the primary portal (branding, sections in order)') },
      '/portals/{slug}': { get: op('Configuration of one portal', { parameters: [slug] }) },
      '/company': { get: op('Company information and the published policies') },
      '/policies/{kind}': { get: op('One policy, as markdown and sanitised HTML', { parameters: [kind] }) },
    },
  );
}

export function adminOpenApi(server: string) {
  return document(
    'Admin API',
    server,
    'For staff and back-office integrations. Tokens must have this API as audience (`<issuer>/admin`), the `admin` scope and a staff role (owner, admin or staff); staff may read, admin and owner may also write.',
    {
      '/portals': { get: op('List portals'), post: op('Create a portal (the first one becomes primary)', { requestBody: body(portals.createPortalInput) }, ok('Created', 201)) },
      '/portals/{slug}': {
        get: op('One portal', { parameters: [slug] }),
        patch: op('Rename or rebrand (colours failing WCAG AA contrast are adjusted, with warnings)', { parameters: [slug], requestBody: body(portals.updatePortalInput) }),
        delete: op('Delete a portal that is not the primary', { parameters: [slug] }, ok('Deleted', 204)),
      },
      '/portals/{slug}/primary': { put: op('Make this the primary portal', { parameters: [slug] }) },
      '/portals/{slug}/sections': { put: op('Set the order and state of all sections', { parameters: [slug], requestBody: body(portals.sectionsInput) }) },
      '/portals/{slug}/sections/{key}': {
        patch: op('Change one section\'s state or label', { parameters: [slug, { name: 'key', in: 'path', required: true, schema: { type: 'string' } }], requestBody: body(portals.sectionPatch) }),
      },
      '/company': { get: op('Company information'), put: op('Edit company information (null clears a field)', { requestBody: body(company.companyInput) }) },
      '/policies/{kind}': { get: op('One policy', { parameters: [kind] }), put: op('Publish a policy in markdown (empty withdraws it)', { parameters: [kind], requestBody: body(company.policyInput) }) },
    },
  );
}
