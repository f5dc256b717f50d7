// Access tokens for the Client API and the Admin API, obtained the way real apps do (openid-client), and a small
// JSON client for calling those APIs with them.
import * as oidc from 'openid-client';
import { createClient } from '../../idp/clients/service.ts';
import { setStaffRole } from '../../idp/organisations/staff.ts';
import type { StaffRole } from '../../lib/resources.ts';
import { makeOrg, relyingParty, signIn, type TestClient, type TestOrg } from './oidc.ts';
import type { Stack } from './stack.ts';

export const apiUrl = (t: TestOrg) => `${t.issuer}/api/v1`;
export const adminUrl = (t: TestOrg) => `${t.issuer}/admin/v1`;

/** A machine client with a staff role, and a fresh Admin API token of it. */
export async function adminToken(s: Stack, t: TestOrg, role: StaffRole = 'admin'): Promise<string> {
  const created = await createClient(s.app.secrets, t.org._id, { name: `Back office (${role})`, kind: 'machine', adminRole: role });
  const rp = await relyingParty(t.issuer, created.clientId, created.clientSecret);
  return (await oidc.clientCredentialsGrant(rp, { resource: `${t.issuer}/admin`, scope: 'admin' })).access_token;
}

/** An organisation whose owner is `owner` (an email, who signs in to the console), and an owner's Admin API token to set it up. */
export async function ownedOrg(s: Stack, owner: string, name = 'Harbour Day Spa'): Promise<{ t: TestOrg; api: string }> {
  const t = await makeOrg(s, { name });
  await setStaffRole(t.org.slug, owner, 'owner', undefined);
  return { t, api: await adminToken(s, t, 'owner') };
}

/** A customer signs in with an emailed code; returns a Client API token with the given scopes. */
export async function customerToken(s: Stack, app: TestClient, options: { email?: string; scope?: string } = {}) {
  const signedIn = await signIn(s, app, {
    email: options.email,
    params: { scope: `openid email ${options.scope ?? 'profile profile:write'}`, resource: `${app.config.serverMetadata().issuer}/api` },
  });
  return { ...signedIn, token: signedIn.tokens.access_token };
}

/** A customer who is also staff: their Admin API token carries the role from the organisation's staff list. */
export async function staffToken(s: Stack, t: TestOrg, app: TestClient, email: string, role: StaffRole): Promise<string> {
  await setStaffRole(t.org.slug, email, role, undefined);
  const { tokens } = await signIn(s, app, { email, params: { scope: 'openid email admin', resource: `${t.issuer}/admin` } });
  return tokens.access_token;
}

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON for assertions: tests check shapes with chai, not with the compiler
export type Reply = { status: number; body: any; headers: Headers };

/** Calls a JSON API; `body` is sent as JSON (a string as it is). */
export async function call(method: string, url: string, token: string | undefined, body?: unknown): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
