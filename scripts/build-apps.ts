// Builds the browser apps (Preact, esbuild) with content-hashed names and a manifest each:
// the Customer Portal (portal/web/src → portal/web/dist) and the admin console (portal/admin/src → portal/admin/dist);
// and the DOM package businesses embed (packages/dom/src → packages/dom/dist), an ES module and a script-tag build.
// Code an app loads with import() becomes chunks of its own, fetched when used: the budget counts what a first
// visit downloads, the entry and the chunks it imports statically.
// Run: node scripts/build-apps.ts
import { build, type BuildOptions } from 'esbuild';
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
    chunkNames: `${app}-chunk-[hash]`,
    assetNames: 'asset-[hash]',
    bundle: true,
    splitting: true,
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
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint);
  const cssPath = entry && outputs[entry]!.cssBundle;
  if (!entry || !cssPath) throw new Error(`${app} build: expected an entry with its CSS, got ${Object.keys(outputs).join(', ')}`);
  // The first visit's JavaScript: the entry and, transitively, the chunks it imports statically.
  const initial = new Set<string>();
  const visit = (f: string) => {
    if (initial.has(f)) return;
    initial.add(f);
    for (const i of outputs[f]!.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  const js = basename(entry);
  const css = basename(cssPath);
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify({ js, css })}\n`);
  const gz = async (files: string[]) =>
    (await Promise.all(files.map((f) => readFile(join(dir, f))))).reduce((n, buf) => n + gzipSync(buf, { level: 9 }).length, 0);
  return { app, js, css, jsGzipBytes: await gz([...initial]), cssGzipBytes: await gz([cssPath]) };
}

export const buildApps = () => Promise.all((Object.keys(APPS) as AppName[]).map(buildApp));

/** The DOM package's budget: its whole core, gzipped. */
export const DOM_BUDGET_BYTES = 10 * 1024;
export type DomBuild = { esm: string; iife: string; gzipBytes: number };

/** Builds packages/dom into dist/portico.js (ES module) and dist/portico.iife.js (global `Portico`), no hashes: businesses link to them. */
export async function buildDom(): Promise<DomBuild> {
  const dir = fileURLToPath(new URL('../packages/dom/', import.meta.url));
  const outDir = join(dir, 'dist');
  await rm(outDir, { recursive: true, force: true });
  const common: BuildOptions = {
    absWorkingDir: dir,
    entryPoints: [join(dir, 'src/index.ts')],
    bundle: true,
    minify: true,
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  };
  const esm = join(outDir, 'portico.js');
  const iife = join(outDir, 'portico.iife.js');
  await Promise.all([build({ ...common, format: 'esm', outfile: esm }), build({ ...common, format: 'iife', globalName: 'Portico', outfile: iife })]);
  return { esm, iife, gzipBytes: gzipSync(await readFile(esm), { level: 9 }).length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  Promise.all([buildApps(), buildDom()]).then(
    ([builds, dom]) => {
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      for (const r of builds) console.log(`${r.app}: ${r.js} ${kb(r.jsGzipBytes)} gz, ${r.css} ${kb(r.cssGzipBytes)} gz`);
      console.log(`dom: ${basename(dom.esm)} ${kb(dom.gzipBytes)} gz (budget ${kb(DOM_BUDGET_BYTES)}), ${basename(dom.iife)}`);
      console.log(`built in ${Math.round(performance.now() - started)} ms`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
