// The Client API and Admin API paths idp/ serves (profile, connected apps; apps, consents, staff), described for
// the APIs' OpenAPI documents (lib/openapi.ts).
import { z } from 'zod';
import { body, ok, op, pathParam, type Paths } from '../lib/openapi.ts';
import { createClientInput, updateClientInput } from './clients/service.ts';
import { profileUpdate } from './customers/profile.ts';
import { networkLimitsInput } from './organisations/network-limits.ts';
import { inviteInput, roleInput } from './organisations/staff.ts';
import { FREE_CODES_MAX } from './otp/budgets.ts';
import { emailAddress, typedCode } from './otp/service.ts';

const clientId = pathParam('id');
const email = pathParam('email', { type: 'string', format: 'email' });

export const idpClientPaths: Paths = {
  '/profile': {
    get: op("The signed-in customer's profile (scope profile)"),
    patch: op('Edit the profile; null clears a field (scope profile:write)', { requestBody: body(profileUpdate) }),
  },
  '/profile/email-change': {
    post: op('Send a one-time code to a new email address', { requestBody: body(z.object({ email: emailAddress })) }, ok('Code sent', 202)),
  },
  '/profile/email-change/verify': { post: op('Confirm the new address with the code', { requestBody: body(z.object({ code: typedCode })) }) },
  '/connected-apps': { get: op('Third-party apps the customer allowed, with what they may do (scope connected_apps, first-party apps only)') },
  '/connected-apps/{clientId}': {
    delete: op("Remove an app's access: its consent and tokens are revoked", { parameters: [pathParam('clientId')] }, ok('Removed', 204)),
  },
};

export const idpAdminPaths: Paths = {
  '/scopes': { get: op('Scopes an app may be allowed, with the words customers see') },
  '/clients': {
    get: op('Registered apps (OIDC clients); secrets are never listed'),
    post: op('Register an app; the answer carries its secret, once', { requestBody: body(createClientInput) }, ok('Registered', 201)),
  },
  '/clients/{id}': {
    get: op('One app', { parameters: [clientId] }),
    patch: op('Edit an app; takes effect at once', { parameters: [clientId], requestBody: body(updateClientInput) }),
    delete: op('Delete an app with its consents and tokens', { parameters: [clientId] }, ok('Deleted', 204)),
  },
  '/clients/{id}/secret': {
    post: op('Rotate the secret: the new one is in the answer, once; the old one stops working', { parameters: [clientId] }),
  },
  '/clients/{id}/grants': { get: op('Customers who connected this app', { parameters: [clientId] }) },
  '/clients/{id}/grants/{accountId}': {
    delete: op(
      "Revoke a customer's consent to this app (admin; owner for a first-party app)",
      { parameters: [clientId, pathParam('accountId')] },
      ok('Revoked', 204),
    ),
  },
  '/customers': {
    get: op('The customer with this exact email address, if any (`items` holds 0 or 1): staff find whom to open a tab or book for', {
      parameters: [{ name: 'email', in: 'query', required: true, schema: { type: 'string', format: 'email' } }],
    }),
  },
  '/staff': {
    get: op('Staff and their roles'),
    post: op('Invite someone by email (admin; owner to invite an owner)', { requestBody: body(inviteInput) }, ok('Invited', 201)),
  },
  '/staff/{email}': {
    patch: op("Change someone's role (the last owner cannot be demoted)", { parameters: [email], requestBody: body(roleInput) }),
    delete: op('Remove someone (the last owner cannot be removed)', { parameters: [email] }, ok('Removed', 204)),
  },
  '/sign-in-limits': {
    get: op(
      'Sign-in codes an hour to one network (a shared Wi-Fi, a NAT) for browsers not remembered: the first `challengeAfter` freely, then each after a proof of work, none past `codesPerHour`; `platformPerHour` caps all organisations together',
    ),
    patch: op(
      `Change them (admin); \`codesPerHour\` at most \`platformPerHour\`, \`challengeAfter\` at most \`codesPerHour\` and ${FREE_CODES_MAX}`,
      {
        requestBody: body(networkLimitsInput),
      },
    ),
  },
};
