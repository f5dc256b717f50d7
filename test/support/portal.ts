// The Customer Portal driven over HTTP by the scripted Browser, or in Chromium: sign in through the identity
// provider's pages.
import type { Page } from 'playwright-core';
import { Browser, formAction } from './browser.ts';
import { signInWithCode } from './chromium.ts';
import { requestCode, uniqueEmail, type Server } from './oidc.ts';
import type { Stack } from './stack.ts';

export const portalUrl = (issuer: string, portal?: string) => `${issuer}/portal${portal ? `/${portal}` : ''}`;

/**
 * Opens the portal signed out, signs in with the emailed code, and returns the portal page it lands on. `url` opens
 * another first-party app the same way (the admin console).
 */
export async function portalSignIn(s: Server, issuer: string, options: { browser?: Browser; email?: string; portal?: string; url?: string } = {}) {
  const browser = options.browser ?? new Browser();
  const email = options.email ?? uniqueEmail();
  const start = await browser.follow(options.url ?? portalUrl(issuer, options.portal), s.baseUrl);
  const page = { url: start.url, html: await start.res!.text() };
  const { page: codePage, code } = await requestCode(s, browser, page, email);
  const res = await browser.post(new URL(formAction(codePage.html, '/code'), s.baseUrl), { code });
  const landed = await browser.follow(new URL(res.headers.get('location')!, s.baseUrl), s.baseUrl);
  return { browser, email, url: landed.url, status: landed.res!.status, html: await landed.res!.text() };
}

/** In Chromium: opens the portal, signs in with the emailed code, and waits for the home page's greeting. */
export async function signInInPage(page: Page, s: Stack, issuer: string, email: string): Promise<void> {
  await page.goto(portalUrl(issuer));
  await signInWithCode(page, s.mailbox, email);
  await page.getByRole('heading', { level: 1, name: `Welcome, ${email}` }).waitFor();
}

/** The boot data the portal page hands to the app. */
export function bootOf(html: string) {
  const match = /<script type="application\/json" id="portal-boot">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error(`no boot data in page: ${html.slice(0, 300)}`);
  return JSON.parse(match[1]!);
}
