// Builds the browser apps (Preact, esbuild) with content-hashed names and a manifest each:
// the Customer Portal (portal/web/src → portal/web/dist) and the admin console (portal/admin/src → portal/admin/dist).
// Run: node scripts/build-apps.ts
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const APPS = { portal: 'portal/web', admin: 'portal/admin' } as const;
export type AppName = keyof typeof APPS;
export type AppBuild = { app: AppName; js: string; css: string; jsGzipBytes: number; cssGzipBytes: number };

export async function buildApp(app: AppName): Promise<AppBuild> {
  const dir = fileURLToPath(new URL(`../${APPS[app]}/`, import.meta.url));
  const outDir = join(dir, 'dist');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: dir,
    entryPoints: [join(dir, 'src/main.tsx')],
    outdir: outDir,
    entryNames: `${app}-[hash]`,
    assetNames: 'asset-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    charset: 'utf8',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs);
  const jsPath = outputs.find((f) => f.endsWith('.js'));
  const cssPath = outputs.find((f) => f.endsWith('.css'));
  if (!jsPath || !cssPath) throw new Error(`${app} build: expected a .js and a .css output, got ${outputs.join(', ')}`);
  const js = basename(jsPath);
  const css = basename(cssPath);
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify({ js, css }) + '\n');
  const [jsBuf, cssBuf] = await Promise.all([readFile(join(outDir, js)), readFile(join(outDir, css))]);
  return { app, js, css, jsGzipBytes: gzipSync(jsBuf, { level: 9 }).length, cssGzipBytes: gzipSync(cssBuf, { level: 9 }).length };
}

export const buildApps = () => Promise.all((Object.keys(APPS) as AppName[]).map(buildApp));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  buildApps().then(
    (builds) => {
      const kb = (n: number) => (n / 1024).toFixed(1) + ' KB';
      for (const r of builds) console.log(`${r.app}: ${r.js} ${kb(r.jsGzipBytes)} gz, ${r.css} ${kb(r.cssGzipBytes)} gz`);
      console.log(`built in ${Math.round(performance.now() - started)} ms`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
