// The Client API and Admin API paths portal/ serves, and the two OpenAPI documents (joined with those of idp/).
import { body, document, ok, op, pathParam, type Paths } from '../../lib/openapi.ts';
import * as company from './company/service.ts';
import * as portals from './portals/service.ts';

const slug = pathParam('slug');
const kind = pathParam('kind', { type: 'string', enum: company.policyKind.options });

const clientPaths: Paths = {
  '/portal': { get: op('Configuration of the primary portal (branding, sections in order)') },
  '/portals/{slug}': { get: op('Configuration of one portal', { parameters: [slug] }) },
  '/company': { get: op('Company information and the published policies') },
  '/policies/{kind}': { get: op('One policy, as markdown and sanitised HTML', { parameters: [kind] }) },
};

const adminPaths: Paths = {
  '/me': { get: op('Who is calling, with their current staff role') },
  '/audit': {
    get: op('The audit log, newest first', {
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        { name: 'before', in: 'query', schema: { type: 'string' }, description: 'the `next` cursor of the previous page' },
      ],
    }),
  },
  '/portals': { get: op('List portals'), post: op('Create a portal (the first one becomes primary)', { requestBody: body(portals.createPortalInput) }, ok('Created', 201)) },
  '/portals/{slug}': {
    get: op('One portal', { parameters: [slug] }),
    patch: op('Rename or rebrand (colours failing WCAG AA contrast are adjusted, with warnings)', { parameters: [slug], requestBody: body(portals.updatePortalInput) }),
    delete: op('Delete a portal that is not the primary', { parameters: [slug] }, ok('Deleted', 204)),
  },
  '/portals/{slug}/primary': { put: op('Make this the primary portal', { parameters: [slug] }) },
  '/portals/{slug}/sections': { put: op('Set the order and state of all sections', { parameters: [slug], requestBody: body(portals.sectionsInput) }) },
  '/portals/{slug}/sections/{key}': { patch: op("Change one section's state or label", { parameters: [slug, pathParam('key')], requestBody: body(portals.sectionPatch) }) },
  '/company': { get: op('Company information'), put: op('Edit company information (null clears a field)', { requestBody: body(company.companyInput) }) },
  '/policies/{kind}': { get: op('One policy', { parameters: [kind] }), put: op('Publish a policy in markdown (empty withdraws it)', { parameters: [kind], requestBody: body(company.policyInput) }) },
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
