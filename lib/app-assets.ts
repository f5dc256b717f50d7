// A built browser app (scripts/build-apps.ts writes <dir>/dist): content-hashed files served under
// /assets/<name>/, cached for a year.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

export type AppAssets = { files(): { js: string; css: string }; middleware: Middleware };

/** `dir` is the app's folder relative to the repository root, e.g. `portal/web`. */
export function appAssets(name: string, dir: string): AppAssets {
  const dist = fileURLToPath(new URL(`../${dir}/dist`, import.meta.url));
  const prefix = `/assets/${name}/`;
  let manifest: { js: string; css: string } | undefined;
  const load = () => (manifest ??= JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as { js: string; css: string });
  return {
    /** URLs of the current build (read once: a new build comes with a restart). */
    files: () => ({ js: `${prefix}${load().js}`, css: `${prefix}${load().css}` }),
    middleware: (async (ctx, next) => {
      if (!ctx.path.startsWith(prefix)) return next();
      const file = ctx.path.slice(prefix.length);
      const ext = /\.[a-z]+$/.exec(file)?.[0] ?? '';
      if (!/^[\w.-]+$/.test(file) || !TYPES[ext] || file === 'manifest.json') return next();
      try {
        ctx.body = readFileSync(join(dist, file));
      } catch {
        return next();
      }
      ctx.type = TYPES[ext]!;
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    }) as Middleware,
  };
}
