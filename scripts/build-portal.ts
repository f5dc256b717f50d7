// Builds the customer portal SPA (portal/web/src → portal/web/dist) with content-hashed names and a manifest.
// Run: node scripts/build-portal.ts
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const webDir = fileURLToPath(new URL('../portal/web/', import.meta.url));
const outDir = join(webDir, 'dist');

export type PortalBuild = { js: string; css: string; jsGzipBytes: number; cssGzipBytes: number };

export async function buildPortal(): Promise<PortalBuild> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: webDir,
    entryPoints: [join(webDir, 'src/main.tsx')],
    outdir: outDir,
    entryNames: 'app-[hash]',
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
  if (!jsPath || !cssPath) throw new Error(`portal build: expected a .js and a .css output, got ${outputs.join(', ')}`);
  const js = basename(jsPath);
  const css = basename(cssPath);
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify({ js, css }) + '\n');
  const [jsBuf, cssBuf] = await Promise.all([readFile(join(outDir, js)), readFile(join(outDir, css))]);
  return {
    js,
    css,
    jsGzipBytes: gzipSync(jsBuf, { level: 9 }).length,
    cssGzipBytes: gzipSync(cssBuf, { level: 9 }).length,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  buildPortal().then(
    (r) => {
      const kb = (n: number) => (n / 1024).toFixed(1) + ' KB';
      console.log(
        `portal: ${r.js} ${kb(r.jsGzipBytes)} gz, ${r.css} ${kb(r.cssGzipBytes)} gz (${Math.round(performance.now() - started)} ms)`,
      );
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
