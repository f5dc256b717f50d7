// How every sign-in page is sent. Its security headers (no caching among them) are every answer's (lib/security-headers.ts).
import type { Context } from 'koa';
import { defaultPolicy, pageNonce } from '../../lib/security-headers.ts';

/** `script`: the page's one script (a challenge's solver), nonced like its style, may run; without it, none may. */
export function sendPage(ctx: Context, html: string, status = 200, script = false): void {
  const nonce = pageNonce();
  if (script && nonce) ctx.set('Content-Security-Policy', defaultPolicy(nonce).replace("script-src 'none'", `script-src 'nonce-${nonce}'`));
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}
