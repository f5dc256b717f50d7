// How every sign-in page is sent: never cached. Its security headers are every idp page's (../page-headers.ts).
import type { Context } from 'koa';

export function sendPage(ctx: Context, html: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}
