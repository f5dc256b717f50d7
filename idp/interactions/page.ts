// How every sign-in page is sent. Its security headers (no caching among them) are every answer's (lib/security-headers.ts).
import type { Context } from 'koa';

export function sendPage(ctx: Context, html: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}
