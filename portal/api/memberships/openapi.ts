// The memberships paths of the Client API and the Admin API.
import { body, ok, op, pathParam, query, type Paths } from '../../../lib/openapi.ts';
import * as inputs from './inputs.ts';

const id = pathParam('id');
const customer = pathParam('customer');
const credits = (whose: string): Paths => ({
  '/credits': { get: op(`${whose} open credits per entitlement or pack: granted, remaining, when they start and expire`) },
  '/credits/history': {
    get: op(`Every change to ${whose.toLowerCase()} credits, newest first: grants, uses (with the booking), returns, expiry, carry-over`, {
      parameters: query(inputs.historyQuery),
    }),
  },
});
const prefixed = (prefix: string, paths: Paths, parameters: object[]): Paths =>
  Object.fromEntries(
    Object.entries(paths).map(([p, ops]) => [
      `${prefix}${p}`,
      Object.fromEntries(
        Object.entries(ops).map(([m, o]) => [
          m,
          { ...(o as object), parameters: [...parameters, ...((o as { parameters?: object[] }).parameters ?? [])] },
        ]),
      ),
    ]),
  );

/** Freeze, cancel and change plan: each a preview that changes nothing, and a confirmation that does what it said. */
const changes = (staff: boolean): Paths => {
  const extra = staff ? ' Staff may send `override: true` with a `reason` (kept in the audit log) to set the rules aside.' : '';
  const pair = (what: string, schema: Parameters<typeof body>[0], preview: string, confirm: string): Paths => ({
    [`/memberships/{id}/${what}/preview`]: { post: op(`${preview} Nothing changes.${extra}`, { parameters: [id], requestBody: body(schema) }) },
    [`/memberships/{id}/${what}`]: { post: op(`${confirm}${extra}`, { parameters: [id], requestBody: body(schema) }) },
  });
  return {
    ...pair(
      'freeze',
      staff ? inputs.staffFreezeInput : inputs.freezeInput,
      'What freezing from a local date (within the coming year) for some days would do: until when, the fee, the charges skipped, the next charge, and what happens to credits.',
      'Freeze as previewed; 409 when the plan does not allow it or the yearly days are used up.',
    ),
    ...pair(
      'cancel',
      staff ? inputs.staffCancelInput : inputs.cancelInput,
      'When cancelling now would take effect (notice, minimum term) and why, the charges still to come, the last one, and the credits forfeited then.',
      'Cancel as previewed.',
    ),
    ...pair(
      'change',
      staff ? inputs.staffChangeInput : inputs.changeInput,
      'What moving to another plan (same interval and currency) now would cost or credit (prorated to the second, as Stripe does), and the credits forfeited and granted. Pass its `at` to the confirmation.',
      'Change plan as previewed at `at` (409 preview_expired after an hour).',
    ),
  };
};

export const membershipClientPaths: Paths = {
  '/membership-plans': { get: op('Plans a customer can join: price, interval, perks, entitlements, discounts, terms') },
  '/packs': { get: op('Class packs for sale') },
  '/packs/{id}/buy': {
    post: op(
      'Buy a class pack: a tab to pay (its credits are granted when it is paid); scope `memberships:write`',
      { parameters: [id] },
      ok('A tab to pay', 201),
    ),
  },
  '/memberships': {
    get: op("The customer's memberships, newest first, with their status in plain words; scope `memberships`"),
    post: op(
      'Join a plan, paid by a Stripe subscription on a saved card (the default one unless named): `payment.state` is `succeeded`, `requires_action` (confirm `clientSecret` with Stripe.js, then `refresh`) or `failed`; 422 payment_required without a card; 409 already_member; scope `memberships:write`',
      { requestBody: body(inputs.joinInput) },
      ok('Joined', 201),
    ),
  },
  '/memberships/{id}': { get: op('One of the customer’s memberships', { parameters: [id] }) },
  '/memberships/{id}/refresh': { post: op('After 3-D Secure: ask Stripe where the first payment stands', { parameters: [id] }) },
  ...changes(false),
  ...credits("The customer's"),
  '/credits/for': {
    get: op(
      'Which credit booking this service at this time would use ("uses 1 of your 8 classes"), and what happens without one (`whenOut`); 404 for a service the organisation does not have',
      {
        parameters: query(inputs.creditForQuery),
      },
    ),
  },
};

export const membershipAdminPaths: Paths = {
  '/memberships': {
    get: op("The organisation's memberships, newest first, by status or customer", { parameters: query(inputs.listQuery) }),
    post: op('Enrol a customer on a plan, paid by their saved card', { requestBody: body(inputs.enrolInput) }, ok('Enrolled', 201)),
  },
  '/memberships/{id}': { get: op('One membership, with the customer', { parameters: [id] }) },
  ...changes(true),
  ...prefixed('/customers/{customer}', credits("A customer's"), [customer]),
};
