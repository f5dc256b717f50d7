// The security headers of every answer, set in one place before anything answers, so a page kind nobody thought of
// (an error page, a redirect, oidc-provider's own pages, a PDF) still gets them. Routes that need more loosen them
// for themselves: the apps' shells (their scripts and Stripe.js), the hashed assets (cached for a year).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';

/** HSTS for a year; not includeSubDomains: a business's other hosts are not ours to force onto HTTPS. */
const HSTS = 'max-age=31536000';

/**
 * Every answer's policy: nothing loads but images and the page's own nonced `<style>`; never framed. No script: the
 * only inline ones are oidc-provider's self-submitting forms, whose hashes it adds to script-src itself (beside a
 * hash, 'none' has no effect: CSP3). No form-action: after a form post the browser follows our redirect to the
 * client's redirect_uri, which form-action would block.
 */
export const defaultPolicy = (nonce: string) =>
  `default-src 'none'; script-src 'none'; style-src 'nonce-${nonce}'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'`;

const nonces = new AsyncLocalStorage<string>();

/** The nonce of the request being answered (for a page's `<style nonce>`): the one its Content-Security-Policy names. */
export const pageNonce = (): string | undefined => nonces.getStore();

/**
 * Sets, on every answer: a Content-Security-Policy with a fresh nonce, no framing, no sniffing, no referrer, and no
 * caching (personal pages and API answers are the rule; what is public and unchanging says so itself). HSTS when the
 * browser reached us over HTTPS: directly, through a trusted proxy (X-Forwarded-Proto), or because the public URL is
 * HTTPS (a proxy terminates TLS, even one we were not told to trust; over plain HTTP browsers ignore the header).
 */
export function securityHeaders(publicUrl: string): Middleware {
  const publicTls = new URL(publicUrl).protocol === 'https:';
  return (ctx, next) => {
    const nonce = randomBytes(16).toString('base64url');
    ctx.set({
      'Content-Security-Policy': defaultPolicy(nonce),
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    if (publicTls || ctx.secure) ctx.set('Strict-Transport-Security', HSTS);
    return nonces.run(nonce, next);
  };
}
