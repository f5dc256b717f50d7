// Customer Flows driven over HTTP by the scripted Browser: open a flow, post its steps' forms, pass its sign-in step
// (without a code when the browser holds an identity provider session).
import { expect } from 'chai';
import type { Browser } from './browser.ts';
import type { Server } from './oidc.ts';

export type FlowPage = { url: string; status: number; html: string };

export const flowUrl = (issuer: string, slug: string) => `${issuer}/flows/${slug}`;

/** Opens the flow (following redirects) and returns its current page. */
export async function openFlow(s: Server, browser: Browser, issuer: string, slug: string): Promise<FlowPage> {
  const page = await browser.follow(flowUrl(issuer, slug), s.baseUrl);
  return { url: page.url, status: page.res!.status, html: await page.res!.text() };
}

/** Posts the page's step form (repeated fields allowed) and follows to the page that comes next. */
export async function postStep(s: Server, browser: Browser, html: string, fields: [string, string][]): Promise<FlowPage> {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(action, html.slice(0, 2000)).to.be.a('string');
  const res = await browser.request(new URL(action!.replace(/&amp;/g, '&'), s.baseUrl), {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 303) return { status: res.status, html: await res.text(), url: action! };
  await res.body?.cancel();
  const next = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
  return { status: next.res!.status, html: await next.res!.text(), url: next.url };
}

/**
 * Presses the sign-in step's button: the flows app's sign-in, answered by the identity provider's session when the
 * browser has one (it lands back on the flow; without one, the page returned asks for an email address).
 */
export async function passSignIn(s: Server, browser: Browser, html: string): Promise<FlowPage> {
  const form = /<form method="get" action="([^"]+)">\s*<input type="hidden" name="return" value="([^"]+)">/.exec(html);
  expect(form, 'a sign-in step').to.not.equal(null);
  const landed = await browser.follow(new URL(`${form![1]}?return=${encodeURIComponent(form![2]!)}`, s.baseUrl), s.baseUrl);
  return { url: landed.url, status: landed.res!.status, html: await landed.res!.text() };
}

/** The first value a page offers for a field (e.g. the first free time). */
export const firstValue = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
