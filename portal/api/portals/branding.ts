// Branding is data: colours, font and logo become CSS custom properties. Colours are checked against WCAG 2.2
// (1.4.3, 4.5:1 for text) with white text on them, and darkened until they pass, with a warning saying so.
import { z } from 'zod';

const hex = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'use a #rrggbb colour')
  .transform((s) => s.toLowerCase());
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
// The refinement runs even when z.url() has refused the value, so it must not assume a parseable URL (new URL threw: a 500).
export const imageUrl = z.url().refine((v) => {
  const u = URL.parse(v);
  return !!u && (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname)));
}, 'use an https URL');

export const brandingInput = z.strictObject({
  logoUrl: imageUrl.nullable().optional(),
  faviconUrl: imageUrl.nullable().optional(),
  primaryColor: hex.optional(),
  accentColor: hex.optional(),
  // Goes into a stylesheet: letters, digits, spaces, commas, quotes and dashes only.
  fontFamily: z
    .string()
    .trim()
    .regex(/^[\w\s,"'-]{1,120}$/, 'use a font family list such as "Inter, sans-serif"')
    .optional(),
  theme: z.enum(['light', 'dark']).optional(),
});

export type Branding = {
  logoUrl?: string;
  faviconUrl?: string;
  primaryColor: string;
  accentColor: string;
  fontFamily: string;
  theme: 'light' | 'dark';
};

export const DEFAULT_BRANDING: Branding = {
  primaryColor: '#0f5cc0',
  accentColor: '#0b7a55',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  theme: 'light',
};

const MIN_CONTRAST = 4.5;

function channels(color: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance(color: string): number {
  const [r, g, b] = channels(color).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The colour itself when white text on it is readable, else the nearest darker shade that is. */
export function readableWithWhite(color: string): string {
  let [r, g, b] = channels(color);
  let out = color;
  while (contrast(out, '#ffffff') < MIN_CONTRAST) {
    [r, g, b] = [r, g, b].map((c) => Math.floor(c * 0.95)) as [number, number, number];
    out = `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  }
  return out;
}

/** Applies an update to branding, adjusting colours that fail contrast; returns what changed as warnings. */
export function applyBranding(current: Branding, update: z.infer<typeof brandingInput>): { branding: Branding; warnings: string[] } {
  const branding: Branding = { ...current };
  const warnings: string[] = [];
  for (const key of ['logoUrl', 'faviconUrl'] as const) {
    if (update[key] === null) delete branding[key];
    else if (update[key] !== undefined) branding[key] = update[key];
  }
  if (update.fontFamily) branding.fontFamily = update.fontFamily;
  if (update.theme) branding.theme = update.theme;
  for (const key of ['primaryColor', 'accentColor'] as const) {
    const chosen = update[key];
    if (!chosen) continue;
    const readable = readableWithWhite(chosen);
    if (readable !== chosen) {
      warnings.push(
        `${key} ${chosen} has a contrast of ${contrast(chosen, '#ffffff').toFixed(1)}:1 with white text (WCAG AA needs ${MIN_CONTRAST}:1); ` +
          `using ${readable} (${contrast(readable, '#ffffff').toFixed(1)}:1) instead`,
      );
    }
    branding[key] = readable;
  }
  return { branding, warnings };
}
