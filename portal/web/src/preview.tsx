// Live preview for the admin console's portal editor: the page runs in the console's same-origin iframe
// (boot.preview), tells its parent it is ready, and applies the portal configurations the parent posts, without
// reloading. Only used when boot.preview is true.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Boot, Portal, SectionInfo, SectionKey } from './boot.ts';
import { registry } from './sections/index.ts';
import { App } from './app.tsx';

const COLOUR = /^#[0-9a-fA-F]{6}$/;
const FONT = /^[\w\s,'"-]{1,100}$/;
const STATES = ['enabled', 'disabled', 'hidden_when_empty'];

const valid = (v: unknown, re: RegExp, previous: string): string => (typeof v === 'string' && re.test(v) ? v : previous);
const text = (v: unknown, previous: string): string => (typeof v === 'string' ? v : previous);
const url = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
/** A posted object's fields, each still to check; undefined for anything else. */
const fields = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);

/** The posted portal, checked field by field against the current one; null = ignore the message. */
export function sanitize(posted: unknown, current: Portal): Portal | null {
  const p = fields(posted);
  const b = fields(p?.branding);
  if (!p || !b || !Array.isArray(p.sections)) return null;
  const was = current.branding;
  const seen = new Set<string>();
  const sections: SectionInfo[] = [];
  for (const s of p.sections.map(fields)) {
    if (!s || typeof s.key !== 'string' || typeof s.label !== 'string' || typeof s.state !== 'string' || !STATES.includes(s.state)) continue;
    if (seen.has(s.key) || !Object.keys(registry).includes(s.key)) continue;
    seen.add(s.key);
    sections.push({ key: s.key as SectionKey, label: s.label, state: s.state as SectionInfo['state'], available: s.available !== false });
  }
  return {
    slug: text(p.slug, current.slug),
    name: text(p.name, current.name),
    primary: typeof p.primary === 'boolean' ? p.primary : current.primary,
    branding: {
      logoUrl: url(b.logoUrl),
      faviconUrl: url(b.faviconUrl),
      primaryColor: valid(b.primaryColor, COLOUR, was.primaryColor),
      accentColor: valid(b.accentColor, COLOUR, was.accentColor),
      fontFamily: valid(b.fontFamily, FONT, was.fontFamily),
      theme: b.theme === 'light' || b.theme === 'dark' ? b.theme : was.theme,
    },
    sections,
  };
}

/** The same CSS variables the shell's <style> sets, plus the theme and favicon. */
function applyBranding(b: Portal['branding']): void {
  const root = document.documentElement;
  root.style.setProperty('--brand', b.primaryColor);
  root.style.setProperty('--accent', b.accentColor);
  root.style.setProperty('--font', b.fontFamily);
  root.dataset.theme = b.theme;
  const icon = document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
  if (icon && b.faviconUrl) icon.href = b.faviconUrl;
  else if (icon) icon.remove();
  else if (b.faviconUrl) {
    const l = document.createElement('link');
    l.rel = 'icon';
    l.href = b.faviconUrl;
    document.head.appendChild(l);
  }
}

export function Preview({ boot }: { boot: Boot }) {
  const [portal, setPortal] = useState(boot.portal);
  const current = useRef(portal);

  useEffect(() => {
    const on = (e: MessageEvent) => {
      if (e.origin !== location.origin || e.source !== window.parent || e.data?.type !== 'portico:preview') return;
      const next = sanitize(e.data.portal, current.current);
      if (!next) return;
      current.current = next;
      applyBranding(next.branding);
      setPortal(next);
    };
    addEventListener('message', on);
    // Listening first, so a reply to "ready" cannot be missed.
    window.parent.postMessage({ type: 'portico:preview-ready' }, location.origin);
    return () => removeEventListener('message', on);
  }, []);

  return <App boot={{ ...boot, portal }} />;
}
