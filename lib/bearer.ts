// Resource-server side of OAuth (RFC 6750, RFC 9068): verifies the JWT access tokens of a tenant's issuer. Keys come
// from the issuer's published JWKS (cached by jose, refetched on an unknown kid), exactly as an outside resource
// server would, so the APIs trust the identity provider only through what it publishes.
import { decodeJwt, jwtVerify, errors as joseErrors } from 'jose';
import type { Context, Middleware } from 'koa';
import { HttpError } from './errors.ts';
import { callerOf, checkShare, takeShare } from './fair-use.ts';
import { issuerKeys } from './issuer-keys.ts';
import { STAFF_ROLES, type StaffRole } from './resources.ts';
import type { Tenant } from './tenants.ts';

export type Principal = {
  sub: string;
  clientId: string;
  scopes: Set<string>;
  /** Staff role on Admin API tokens (added by the identity provider), absent otherwise. */
  role?: StaffRole;
  /** Admin API tokens of a person: the verified email their staff role is held by. */
  email?: string;
  /** When the token expires (ms since the epoch): long-lived responses such as event streams end then. */
  expiresAt: number;
  /** True when the token acts for a customer (authorization code), false for a client acting for itself. */
  customer: boolean;
  /** A customer's token: the grant (consent) it was issued under, named by the identity provider (`gid`). */
  grantId?: string;
};

/**
 * Whether what a verified token was issued under still stands: a customer's token its grant (revoked with the
 * consent, the app, or the sign-in session it came from), an app's own token its registration. idp/ owns both and
 * answers, at most a short while late (idp/grants/standing.ts), so a revoked token stops well within a minute.
 */
export type TokenStanding = (org: string, token: Pick<Principal, 'clientId' | 'customer' | 'grantId'>) => Promise<boolean>;

export class InvalidToken extends HttpError {
  constructor(message: string) {
    super(401, 'invalid_token', message);
  }
}

export class InsufficientScope extends HttpError {
  constructor(message: string) {
    super(403, 'insufficient_scope', message);
  }
}

/** `stands`: whether what the token was issued under still stands (for answers that outlive the request: streams). */
export type BearerState = { tenant: Tenant; principal: Principal; stands: () => Promise<boolean> };

/**
 * Verifies `Authorization: Bearer` for the tenant in ctx.state and sets ctx.state.principal. The JWKS is read from
 * `internalUrl` (this server, reached without its proxy); tokens must still name the public issuer, and what they
 * were issued under must still stand.
 */
export function bearerAuth(internalUrl: string, audienceOf: (tenant: Tenant) => string, standing: TokenStanding): Middleware {
  const keysOf = issuerKeys(internalUrl);
  return async (ctx, next) => {
    const { tenant } = ctx.state as BearerState;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
    try {
      if (!match) throw new InvalidToken('Send an access token: Authorization: Bearer <token>.');
      // A caller past its share is refused before the signature costs anything (it is only read here, not trusted).
      const claimed = (() => {
        try {
          return decodeJwt(match[1]!);
        } catch {
          return undefined;
        }
      })();
      if (claimed) checkShare(tenant.id, callerOf(claimed));
      const { payload } = await jwtVerify(match[1]!, keysOf(tenant), {
        issuer: tenant.issuer,
        audience: audienceOf(tenant),
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
      }).catch((err: unknown) => {
        if (err instanceof joseErrors.JOSEError) throw new InvalidToken('The access token is invalid, expired, or not for this API.');
        throw err;
      });
      const clientId = String(payload.client_id ?? '');
      (ctx.state as BearerState).principal = {
        sub: String(payload.sub),
        clientId,
        scopes: new Set(
          String(payload.scope ?? '')
            .split(' ')
            .filter(Boolean),
        ),
        role: (STAFF_ROLES as readonly unknown[]).includes(payload.role) ? (payload.role as StaffRole) : undefined,
        email: typeof payload.email === 'string' ? payload.email : undefined,
        expiresAt: Number(payload.exp) * 1000,
        customer: payload.sub !== clientId,
        grantId: typeof payload.gid === 'string' ? payload.gid : undefined,
      };
      const state = ctx.state as BearerState;
      state.stands = () => standing(tenant.id, state.principal);
      if (!(await state.stands())) throw new InvalidToken('The access token was revoked.');
    } catch (err) {
      if (err instanceof InvalidToken) ctx.set('WWW-Authenticate', `Bearer realm="${tenant.issuer}", error="invalid_token"`);
      throw err;
    }
    const { principal } = ctx.state as BearerState;
    takeShare(tenant.id, callerOf({ sub: principal.sub, client_id: principal.clientId }));
    await next();
  };
}

/** Route guard: the token must carry `scope`, or one of several (and, with `customer`, act for a signed-in customer). */
export function requireScope(scope: string | string[], options: { customer?: boolean } = {}): Middleware {
  const anyOf = [scope].flat();
  return async (ctx: Context, next) => {
    const { principal } = ctx.state as BearerState;
    if (!anyOf.some((s) => principal.scopes.has(s))) {
      ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${anyOf.join(' ')}"`);
      throw new InsufficientScope(`This needs the ${anyOf.map((s) => `"${s}"`).join(' or ')} scope.`);
    }
    if (options.customer && !principal.customer) throw new InsufficientScope('This needs a token issued to a signed-in customer.');
    await next();
  };
}
