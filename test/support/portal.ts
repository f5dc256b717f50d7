// The Customer Portal driven over HTTP by the scripted Browser, or in Chromium: sign in through the identity
// provider's pages.
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { Page } from 'playwright-core';
import { deriveKey, seal, unseal } from '../../lib/crypto.ts';
import { Browser, formAction } from './browser.ts';
import { signInWithCode } from './chromium.ts';
import { requestCode, uniqueEmail, type Server } from './oidc.ts';
import type { Stack } from './stack.ts';

export const portalUrl = (issuer: string, portal?: string) => `${issuer}/portal${portal ? `/${portal}` : ''}`;

/**
 * Opens the portal signed out, signs in with the emailed code, and returns the portal page it lands on. `url` opens
 * another first-party app the same way (the admin console).
 */
export function portalSignIn(s: Server, issuer: string, options: { browser?: Browser; email?: string; portal?: string; url?: string } = {}) {
  return appSignIn(s, options.url ?? portalUrl(issuer, options.portal), options);
}

/** Opens a first-party app (the portal, the console) at `url` signed out, signs in with the emailed code, and returns the page it lands on. */
export async function appSignIn(s: Server, url: string, options: { browser?: Browser; email?: string } = {}) {
  const browser = options.browser ?? new Browser();
  const email = options.email ?? uniqueEmail();
  const start = await browser.follow(url, s.baseUrl);
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

/**
 * A browser's portal session as stored (portal/bff/session.ts): its tokens, and `expireAccessToken`, which makes
 * every instance refresh before its next call (as if the access token were about to expire).
 */
export async function storedPortalSession(s: Stack, browser: Browser, issuer: string) {
  const id = (await browser.jar.getCookies(portalUrl(issuer))).find((c) => c.key === 'portico_portal')!.value;
  const key = deriveKey(s.config.masterSecret, 'portal-sessions');
  const sessions = mongoose.connection.db!.collection('portal_sessions');
  const _id = createHash('sha256').update(id).digest('base64url') as never;
  const tokens = async (): Promise<{ refreshToken: string; expiresAt: number } | undefined> => {
    const doc = await sessions.findOne({ _id });
    return doc ? JSON.parse(unseal(key, doc.sealedTokens as string)) : undefined;
  };
  return {
    tokens,
    /** Answers the refresh token the session held. */
    async expireAccessToken(): Promise<string> {
      const current = (await tokens())!;
      await sessions.updateOne({ _id }, { $set: { sealedTokens: seal(key, JSON.stringify({ ...current, expiresAt: Date.now() })) } });
      return current.refreshToken;
    },
  };
}
