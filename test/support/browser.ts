// A scripted browser for the sign-in pages: real HTTP, a real cookie jar (paths honoured), manual redirects.
// Each browser has its own client IP (sent as X-Forwarded-For; the test server trusts its proxy) and user agent.
import { randomInt } from 'node:crypto';
import { CookieJar } from 'tough-cookie';

export const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

export class Browser {
  readonly jar = new CookieJar();
  readonly ip: string;
  readonly userAgent: string;

  constructor(options: { ip?: string; userAgent?: string } = {}) {
    this.ip = options.ip ?? `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    this.userAgent = options.userAgent ?? FIREFOX;
  }

  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string>; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const href = String(url);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, 'x-forwarded-for': this.ip, accept: 'text/html', ...init.headers };
    const cookie = await this.jar.getCookieString(href);
    if (cookie) headers.cookie = cookie;
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const method = init.method ?? (body !== undefined ? 'POST' : 'GET');
    const res = await fetch(href, { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) await this.jar.setCookie(c, href, { ignoreError: true });
    return res;
  }

  get(url: string | URL) {
    return this.request(url);
  }

  post(url: string | URL, form: Record<string, string>) {
    return this.request(url, { form });
  }

  /** Follows redirects from url until one points outside `origin` (returned, not fetched) or a page answers. */
  async follow(url: string | URL, origin: string): Promise<{ url: string; res?: Response }> {
    let current = String(url);
    for (let hops = 0; hops < 20; hops++) {
      if (!current.startsWith(origin)) return { url: current };
      const res = await this.get(current);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      await res.body?.cancel();
      current = new URL(location, current).href;
    }
    throw new Error('too many redirects');
  }
}

/** The value of the first `<input name=...>`-free form action in a page, for POSTs. */
export function formAction(html: string, suffix: string): string {
  const match = new RegExp(`action="([^"]*${suffix})"`).exec(html);
  if (!match) throw new Error(`no form ending in ${suffix} in page`);
  return match[1]!.replace(/&amp;/g, '&');
}
