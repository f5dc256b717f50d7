// The boundaries ARCHITECTURE.md draws, checked on the real import statements (static, re-exports, type-only,
// dynamic import() and require(), read by TypeScript's own pre-processor, so comments and strings never count):
// portal/ learns who the customer is only through OIDC, so it never imports idp/; lib/ and config/ are the floor
// everything stands on, so they import no feature and not the composition root (server/).
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Top-level folder → the top-level folders it must not import from. */
const FORBIDDEN: Record<string, string[]> = {
  portal: ['idp'],
  lib: ['idp', 'portal', 'server'],
  config: ['idp', 'portal', 'server'],
};

type Violation = { file: string; imports: string; from: string };

/** The forbidden imports in `sources` (repository-relative path → text). */
function violations(sources: Record<string, string>): Violation[] {
  const found: Violation[] = [];
  for (const [file, text] of Object.entries(sources)) {
    const forbidden = FORBIDDEN[file.split('/')[0]!] ?? [];
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!specifier.startsWith('.')) continue; // packages and node: built-ins
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(sep);
      if (forbidden.includes(target[0]!)) found.push({ file, imports: specifier, from: target[0]! });
    }
  }
  return found;
}

function sourcesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(ts|tsx|js|mjs)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.split(sep).includes('node_modules') || path.split(sep).includes('dist')) continue;
    out[relative(ROOT, path).split(sep).join('/')] = readFileSync(path, 'utf8');
  }
  return out;
}

describe('architecture: who may import whom', () => {
  it('finds a forbidden import in every form, and ignores comments, strings and allowed ones (the check can fail)', () => {
    const found = violations({
      'lib/a.ts': `import { x } from '../idp/app.ts';\nexport * from '../portal/seed.ts';\nconst m = await import('../server/app.ts');`,
      'lib/b.ts': `import type { Organisation } from "../idp/organisations/model.ts";\nimport '../portal/api/events.ts';`,
      'portal/web/c.ts': `const { y } = require('../../idp/seed.ts');\nimport { z } from '../../lib/db.ts';`,
      'lib/d.ts': `// import { x } from '../idp/app.ts'\nconst s = "import('../portal/x.ts')";\nimport { y } from './db.ts';\nimport z from 'koa';`,
      'server/e.ts': `import { x } from '../idp/app.ts';\nimport { y } from '../portal/seed.ts';`,
    });
    expect(found.map((v) => `${v.file} → ${v.imports}`)).to.have.members([
      'lib/a.ts → ../idp/app.ts',
      'lib/a.ts → ../portal/seed.ts',
      'lib/a.ts → ../server/app.ts',
      'lib/b.ts → ../idp/organisations/model.ts',
      'lib/b.ts → ../portal/api/events.ts',
      'portal/web/c.ts → ../../idp/seed.ts',
    ]);
  });

  for (const [dir, forbidden] of Object.entries(FORBIDDEN)) {
    it(`${dir}/ imports nothing from ${forbidden.map((f) => `${f}/`).join(', ')}`, () => {
      const sources = sourcesUnder(dir);
      expect(Object.keys(sources).length, `files under ${dir}/`).to.be.greaterThan(0);
      expect(violations(sources).map((v) => `${v.file} imports ${v.imports}`)).to.deep.equal([]);
    });
  }
});
