// OIDC Back-Channel Logout 1.0, relying-party side, for the first-party apps' servers: the identity provider posts a
// signed logout token when a sign-in session ends (sign-out anywhere), and every session of this app that came from
// it ends at once, on every instance (sessions are read from the database on each request).
import type Router from '@koa/router';
import { jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import mongoose from 'mongoose';
import { isDuplicateKey } from '../../lib/db.ts';
import { BadRequest, ServiceUnavailable } from '../../lib/errors.ts';
import { BACKCHANNEL_LOGOUT_PATH } from '../../lib/first-party.ts';
import { readBody } from '../../lib/http.ts';
import { issuerKeys, type KeySet } from '../../lib/issuer-keys.ts';
import { orgScopedSchema } from '../../lib/tenancy.ts';
import type { Tenant } from '../../lib/tenants.ts';
import type { Sessions } from './session.ts';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Logout tokens already acted on, kept until they expire: a replayed one is refused (spec 2.6, step 8). */
type SeenToken = { _id: string; org: string; expiresAt: Date };
const SeenTokenModel = mongoose.model<SeenToken>(
  'LogoutToken',
  orgScopedSchema<SeenToken>({ _id: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { versionKey: false }).index({
    expiresAt: 1,
  }),
  'logout_tokens',
);

/** How old a logout token may be (its iat); oidc-provider gives them two minutes. */
const MAX_AGE = '5 minutes';

/**
 * Verifies a logout token as the spec's section 2.6 says: signed by the tenant's issuer (its published keys), for
 * this client, typed logout+jwt, recent and unexpired, with a jti, the back-channel logout event, sid or sub, and no nonce.
 */
async function verifyLogoutToken(token: string, keys: KeySet, t: Tenant, clientId: string): Promise<JWTPayload & { sid?: string }> {
  const { payload } = await jwtVerify(token, keys, {
    issuer: t.issuer,
    audience: clientId,
    typ: 'logout+jwt',
    algorithms: ['ES256', 'RS256'],
    requiredClaims: ['iat', 'exp', 'jti', 'events'],
    maxTokenAge: MAX_AGE,
    clockTolerance: 30,
  }).catch((err: unknown) => {
    // The issuer's keys could not be read: not the token's fault, and oidc-provider does not send it again, so the
    // answer says so (503) and the log names it, rather than a 400 that reads as a forged token.
    if (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError))
      throw new ServiceUnavailable('The issuer’s keys could not be read.');
    throw new BadRequest(`logout_token: ${err.message}`);
  });
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events && typeof events === 'object' ? events[LOGOUT_EVENT] : undefined;
  if (!event || typeof event !== 'object') throw new BadRequest('logout_token: it does not carry the back-channel logout event');
  if ('nonce' in payload) throw new BadRequest('logout_token: a logout token must not carry a nonce');
  const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
  if (!sid && typeof payload.sub !== 'string') throw new BadRequest('logout_token: it names neither a session (sid) nor a subject (sub)');
  return { ...payload, sid };
}

/** `POST <app>/backchannel-logout` (form field `logout_token`): 200 once the sessions it names have ended, 400 otherwise. */
export function backchannelLogoutRoute(router: Router, deps: { internalUrl: string; clientIdOf: (t: Tenant) => string; sessions: Sessions }): void {
  const keysOf = issuerKeys(deps.internalUrl);
  router.post(BACKCHANNEL_LOGOUT_PATH, async (ctx) => {
    const t = ctx.state.tenant as Tenant;
    ctx.set('Cache-Control', 'no-store');
    const { logout_token: token } = await readBody(ctx);
    if (typeof token !== 'string' || !token) throw new BadRequest('logout_token: send the logout token as a form field');
    const claims = await verifyLogoutToken(token, keysOf(t), t, deps.clientIdOf(t));
    await SeenTokenModel.create({
      _id: `${t.id}|${deps.clientIdOf(t)}|${claims.jti}`,
      org: t.id,
      expiresAt: new Date((Number(claims.exp ?? claims.iat) + 10 * 60) * 1000),
    }).catch((err: unknown) => {
      if (isDuplicateKey(err)) throw new BadRequest('logout_token: this logout token was already used');
      throw err;
    });
    await deps.sessions.endIdpSession(t.id, { sid: claims.sid, sub: claims.sub });
    ctx.status = 200;
    ctx.body = '';
  });
}
