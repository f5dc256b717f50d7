// The Admin API paths of Customer Flows: drafts, published versions, and the forms on customers' records; the Client
// API's: a customer's own forms.
import { body, ok, op, pathParam, query, type Paths } from '../../../lib/openapi.ts';
import * as flows from './service.ts';

const slug = pathParam('slug');
const page = query(flows.formsQuery, { before: 'the `next` of the previous page' });
const formsSummary = 'sent through flows (answers, consent signatures, the booking made), newest first, a page at a time';

export const flowAdminPaths: Paths = {
  '/flows': {
    get: op('List flows, each with its draft steps and newest published version (0: never published)'),
    post: op(
      'Create a flow: slug (its address, `/<org>/flows/<slug>`), title, the portal whose branding it wears (default: the primary), and draft steps of kinds service, time, sign-in, questions, consent, confirmation',
      { requestBody: body(flows.createFlowInput) },
      ok('Created', 201),
    ),
  },
  '/flows/{slug}': {
    get: op('One flow, with its draft', { parameters: [slug] }),
    patch: op('Edit the draft (fields not sent are kept; portal null: the primary). Customers see it once published', {
      parameters: [slug],
      requestBody: body(flows.updateFlowInput),
    }),
    delete: op("Delete a flow and its versions (forms on customers' records stay)", { parameters: [slug] }, ok('Deleted', 204)),
  },
  '/flows/{slug}/versions': {
    post: op(
      'Publish the draft as the next immutable version; customers who started an earlier one finish it. 422 `not_publishable` says which journey rule the draft breaks (the confirmation last, a sign-in step, a time step after a service step)',
      { parameters: [slug] },
      ok('Published', 201),
    ),
  },
  '/flows/{slug}/preview': {
    post: op(
      "A step of the draft as customers would see it, without saving: `{ html }`, the flow page rendered with the portal's branding and sample answers where the step needs earlier ones (a time step: the first service offered). Read-only, so any staff role",
      { parameters: [slug], requestBody: body(flows.previewInput) },
    ),
  },
  '/flows/{slug}/versions/{version}': {
    get: op('One published version', { parameters: [slug, pathParam('version', { type: 'integer', minimum: 1 })] }),
  },
  '/customers/{id}/forms': {
    get: op(`The forms a customer ${formsSummary}`, { parameters: [pathParam('id'), ...page] }),
  },
};

export const flowClientPaths: Paths = {
  '/forms': { get: op(`The forms the customer ${formsSummary}; scope \`forms\` (first-party apps only)`, { parameters: page }) },
  '/forms/{id}': {
    get: op("One of the customer's forms (another's is not found); scope `forms` (first-party apps only)", { parameters: [pathParam('id')] }),
  },
};
