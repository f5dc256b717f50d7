// The seller's logo for a PDF, fetched from the branding's logo URL and kept in memory a while, so a burst of
// downloads costs one request. A logo that cannot be had is never an error: the document goes out without it.
import type { Seller } from './pdf.ts';

export type Logo = NonNullable<Seller['logo']>;
export type LogoOptions = {
  /** The whole download, redirects and body included. */
  timeoutMs?: number;
  /** Larger files are refused: a logo printed 160 x 56 pt needs far less. */
  maxBytes?: number;
  /** How long a fetched logo is reused: a changed logo shows on PDFs within this time. */
  ttlMs?: number;
  /** How long a failure is remembered: short, so a fixed URL is tried again soon, but a broken one is not hammered. */
  failureTtlMs?: number;
  /** Entries kept, least recently used evicted first. */
  maxEntries?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Told why a logo was left out (the routes log it). */
  onFailure?: (url: string, reason: string) => void;
};

const DEFAULTS = { timeoutMs: 3_000, maxBytes: 512 * 1024, ttlMs: 10 * 60_000, failureTtlMs: 60_000, maxEntries: 100 };
const MAX_REDIRECTS = 3;

/** https anywhere; plain http only to this machine (development and tests). */
export function allowedLogoUrl(value: string): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.username || url.password) return undefined;
  if (url.protocol === 'https:') return url;
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname);
  return url.protocol === 'http:' && loopback ? url : undefined;
}

/** PNG or JPEG by their first bytes, whatever the server calls them. */
export function imageType(data: Buffer): Logo['type'] | undefined {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  return undefined;
}

class LogoRefused extends Error {}

async function download(start: URL, o: Required<Omit<LogoOptions, 'onFailure' | 'now'>>): Promise<Logo> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await o.fetch(url, { signal, redirect: 'manual', headers: { accept: 'image/png, image/jpeg' } });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      // Each hop is checked again: an https URL must not bounce the server to plain http elsewhere.
      const next = allowedLogoUrl(new URL(location, url).toString());
      if (!next || hop >= MAX_REDIRECTS) throw new LogoRefused(next ? 'too many redirects' : `redirected to a refused URL`);
      url = next;
      continue;
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new LogoRefused(`answered ${res.status}`);
    }
    if (Number(res.headers.get('content-length') ?? 0) > o.maxBytes) {
      await res.body.cancel();
      throw new LogoRefused(`larger than ${o.maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > o.maxBytes) throw new LogoRefused(`larger than ${o.maxBytes} bytes`); // leaving the loop cancels the body
      chunks.push(chunk);
    }
    const data = Buffer.concat(chunks);
    const type = imageType(data);
    if (!type) throw new LogoRefused('neither PNG nor JPEG');
    return { data, type };
  }
}

/**
 * A logo fetcher with its own cache: `logo(url)` resolves to the image or to undefined, never rejects. Concurrent
 * calls for one URL share one download.
 */
export function createLogoFetcher(options: LogoOptions = {}) {
  const o = { ...DEFAULTS, fetch: globalThis.fetch, ...options };
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expires: number; logo: Promise<Logo | undefined> }>();

  const remember = (key: string, logo: Promise<Logo | undefined>, ttl: number) => {
    cache.delete(key);
    cache.set(key, { expires: now() + ttl, logo });
    while (cache.size > o.maxEntries) cache.delete(cache.keys().next().value!);
  };

  return {
    logo(url: string): Promise<Logo | undefined> {
      const hit = cache.get(url);
      if (hit && hit.expires > now()) {
        cache.delete(url); // most recently used goes last
        cache.set(url, hit);
        return hit.logo;
      }
      const allowed = allowedLogoUrl(url);
      if (!allowed) {
        options.onFailure?.(url, 'not an https URL');
        const none = Promise.resolve(undefined);
        remember(url, none, o.failureTtlMs);
        return none;
      }
      const logo = download(allowed, o).then(
        (image) => image,
        (err: unknown) => {
          const reason =
            err instanceof LogoRefused
              ? err.message
              : err instanceof Error && err.name === 'TimeoutError'
                ? `no answer in ${o.timeoutMs} ms`
                : String(err);
          options.onFailure?.(url, reason);
          if (cache.get(url)?.logo === logo) remember(url, logo, o.failureTtlMs);
          return undefined;
        },
      );
      remember(url, logo, o.ttlMs);
      return logo;
    },
    /** Entries held now (for tests). */
    get size() {
      return cache.size;
    },
  };
}

/** The process's shared fetcher for the document routes. */
export const logos = createLogoFetcher();
