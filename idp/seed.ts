// The demo organisation `npm start` creates on an empty database, so the product can be tried at once.
import type { Config } from '../config/index.ts';
import { createClient } from './clients/service.ts';
import { listOrganisations, createOrganisation } from './organisations/service.ts';
import type { Secrets } from './secrets.ts';

export const DEMO_SLUG = 'demo';

export async function seedDemo(config: Config, secrets: Secrets): Promise<{ created: boolean; clientId?: string }> {
  if ((await listOrganisations()).length > 0) return { created: false };
  const org = await createOrganisation(secrets, { slug: DEMO_SLUG, name: 'Harbour Day Spa (demo)' });
  const client = await createClient(secrets, org._id, {
    name: 'Demo customer portal',
    kind: 'web',
    firstParty: true,
    redirectUris: [`${config.publicUrl}/${DEMO_SLUG}/portal/callback`],
    postLogoutRedirectUris: [`${config.publicUrl}/${DEMO_SLUG}/portal`],
  });
  return { created: true, clientId: client.clientId };
}
