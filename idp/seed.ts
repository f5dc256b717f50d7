// The demo organisation `npm start` creates on an empty database, so the product can be tried at once.
import { createClient } from './clients/service.ts';
import { listOrganisations, createOrganisation } from './organisations/service.ts';
import type { Secrets } from './secrets.ts';

export const DEMO_SLUG = 'demo';
export const DEMO_OWNER = 'owner@demo.example';

/** Creates the demo organisation (with an owner and an example third-party app) on an empty database. */
export async function seedDemo(secrets: Secrets): Promise<{ created: false } | { created: true; orgId: string; orgName: string; clientId: string }> {
  if ((await listOrganisations()).length > 0) return { created: false };
  const org = await createOrganisation(secrets, { slug: DEMO_SLUG, name: 'Harbour Day Spa (demo)', admin: DEMO_OWNER });
  // The customer portal is a built-in client (lib/first-party.ts); this is an example "Sign in with" app.
  const client = await createClient(secrets, org._id, {
    name: 'Example booking app',
    kind: 'public',
    redirectUris: ['http://localhost:8080/callback'],
    postLogoutRedirectUris: ['http://localhost:8080/'],
  });
  return { created: true, orgId: org._id, orgName: org.name, clientId: client.clientId };
}
