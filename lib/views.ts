// Handlebars templates from views/, overridable per organisation by files in <var>/views/<org-slug>/.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { pageNonce } from './security-headers.ts';

export type Render = (name: string, data: Record<string, unknown>, orgSlug?: string) => string;

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

export function createViews(dir: string, overrideDir: string): Render {
  const cache = new Map<string, { mtimeMs: number; template: Handlebars.TemplateDelegate }>();

  const load = (name: string, orgSlug?: string): Handlebars.TemplateDelegate => {
    const candidates = orgSlug ? [join(overrideDir, orgSlug, `${name}.hbs`), join(dir, `${name}.hbs`)] : [join(dir, `${name}.hbs`)];
    for (const file of candidates) {
      let mtimeMs: number;
      try {
        mtimeMs = statSync(file).mtimeMs;
      } catch {
        continue;
      }
      const hit = cache.get(file);
      if (hit && hit.mtimeMs === mtimeMs) return hit.template;
      const template = hbs.compile(readFileSync(file, 'utf8'), { strict: false });
      cache.set(file, { mtimeMs, template });
      return template;
    }
    throw new Error(`template not found: ${name}`);
  };

  return (name, data, orgSlug) => {
    const body = load(name, orgSlug)(data);
    if (name.startsWith('emails/') || name.startsWith('documents/')) return body; // whole documents, not pages in the layout
    return load('layout', orgSlug)({ nonce: pageNonce(), ...data, body }); // the nonce the page's policy allows its <style> by
  };
}
