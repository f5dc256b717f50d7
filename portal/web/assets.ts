// The built portal app (scripts/build-portal.ts writes portal/web/dist): content-hashed files, cached for a year.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

const DIST = fileURLToPath(new URL('./dist', import.meta.url));
const PREFIX = '/assets/portal/';
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

export function portalAssets() {
  let manifest: { js: string; css: string } | undefined;
  const load = () => (manifest ??= JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as { js: string; css: string });
  return {
    /** URLs of the current build (read once: a new build comes with a restart). */
    files: () => ({ js: `${PREFIX}${load().js}`, css: `${PREFIX}${load().css}` }),
    middleware: (async (ctx, next) => {
      if (!ctx.path.startsWith(PREFIX)) return next();
      const name = ctx.path.slice(PREFIX.length);
      const ext = /\.[a-z]+$/.exec(name)?.[0] ?? '';
      if (!/^[\w.-]+$/.test(name) || !TYPES[ext] || name === 'manifest.json') return next();
      try {
        ctx.body = readFileSync(join(DIST, name));
      } catch {
        return next();
      }
      ctx.type = TYPES[ext]!;
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    }) as Middleware,
  };
}
