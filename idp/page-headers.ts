// The security headers of every page the identity provider serves, its own (sign-in, consent, errors) and
// oidc-provider's (sign-out, signed out, its error pages): set once, on every response of the issuer.
import type { Middleware } from 'koa';

/**
 * Never framed (clickjacking); no script but the inline ones oidc-provider writes (the self-submitting sign-out
 * form), whose hashes it adds to script-src itself (beside a hash, 'none' has no effect: CSP3). No form-action:
 * after a form post the browser follows our redirect to the client's redirect_uri, which form-action would block.
 */
export const PAGE_POLICY = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'";

/**
 * Set before anything answers: oidc-provider writes to the same response, and the error middleware's page for an idp
 * path keeps them. JSON answers carry them too, harmlessly.
 */
export const pageHeaders: Middleware = (ctx, next) => {
  ctx.set('Content-Security-Policy', PAGE_POLICY);
  ctx.set('X-Frame-Options', 'DENY');
  return next();
};
