// How every sign-in page is sent: never cached. Its security headers are every idp page's (../page-headers.ts).
import type { Context } from 'koa';
import { PAGE_POLICY } from '../page-headers.ts';

/** `nonce`: the page's one script (a challenge's solver) may run; without it, none may. */
export function sendPage(ctx: Context, html: string, status = 200, nonce?: string): void {
  if (nonce) ctx.set('Content-Security-Policy', PAGE_POLICY.replace("script-src 'none'", `script-src 'nonce-${nonce}'`));
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}
