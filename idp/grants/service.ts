// Consents (oidc-provider Grants) as customers and staff see them: which app may do what for whom, and revoking
// that. Revoking a grant deletes it with every token issued under it, so the app's refresh tokens stop working at
// once and the next sign-in asks for consent again.
import { OidcPayloadModel, payloadKey, remember, type StoredPayload } from '../provider/adapter.ts';

export type GrantView = { grantId: string; clientId: string; accountId: string; scopes: string[]; grantedAt: Date };

type GrantPayload = { clientId: string; accountId: string; openid?: { scope?: string }; resources?: Record<string, string>; iat?: number };

function view(doc: { _id: string; payload: string; expiresAt?: Date }): GrantView {
  const g = JSON.parse(doc.payload) as GrantPayload;
  const scopes = [g.openid?.scope ?? '', ...Object.values(g.resources ?? {})].join(' ').split(' ').filter(Boolean);
  return {
    grantId: doc._id.split('/').pop()!,
    clientId: g.clientId,
    accountId: g.accountId,
    scopes: [...new Set(scopes)],
    grantedAt: new Date((g.iat ?? 0) * 1000),
  };
}

/** Live grants of one customer, of one app, or of one customer for one app, newest first. */
export async function listGrants(org: string, by: { accountId: string; clientId?: string } | { clientId: string }): Promise<GrantView[]> {
  const docs = await OidcPayloadModel.find({ org, model: 'Grant', ...by, expiresAt: { $gt: new Date() } }).lean<StoredPayload[]>();
  remember(docs); // oidc-provider reads the grant it picks next
  return docs.map(view).sort((a, b) => b.grantedAt.getTime() - a.grantedAt.getTime());
}

/** The newest live grant of a customer for an app: consent is remembered per app, not per browser session. */
export async function latestGrantId(org: string, accountId: string, clientId: string): Promise<string | undefined> {
  return (await listGrants(org, { accountId, clientId }))[0]?.grantId;
}

/** Revokes every grant matching (a customer's grants for one app, or all of an app's) with their tokens; returns how many. */
export async function revokeGrants(org: string, by: { accountId: string; clientId: string } | { clientId: string }): Promise<GrantView[]> {
  const grants = await listGrants(org, by);
  if (grants.length) await OidcPayloadModel.deleteMany({ org, grantId: { $in: grants.map((g) => g.grantId) } });
  return grants;
}

/** Whether a grant still lives (not revoked, destroyed at sign-out, or expired): one read by _id. */
export async function grantIsLive(org: string, grantId: string): Promise<boolean> {
  const doc = await OidcPayloadModel.findOne(payloadKey(org, 'Grant', grantId), { expiresAt: 1 }).lean<Pick<StoredPayload, 'expiresAt'>>();
  return Boolean(doc && (!doc.expiresAt || doc.expiresAt.getTime() > Date.now()));
}
