// Real headless Chromium (Debian's package) driven by playwright-core, plus an axe-core accessibility check.
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { codeFrom, type Mailbox } from './mailbox.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join('test-output', 'screenshots');
export const WIDTHS = { phone: 390, tablet: 820, desktop: 1280 } as const;

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** First thing in a browser suite's `before`: skips the suite where Chromium is missing, except in CI, where that fails. */
export function skipWithoutChromium(suite: Mocha.Context): void {
  if (chromiumAvailable()) return;
  if (process.env.CI) throw new Error("Chromium is missing: .ci/run installs Debian's chromium package");
  console.log('    (skipped: no Chromium at /usr/bin/chromium; apt-get install chromium, or set CHROMIUM_PATH)');
  suite.skip();
}

export async function launch(): Promise<Browser> {
  // Flags keep a closed-network machine quiet (no background fetches) and let it run as root in a container.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type Violation = { id: string; impact: string; help: string; nodes: number };

/** Serious and critical WCAG 2.x A/AA violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') rightly does not allow as a tag.
  await page.evaluate(axeSource);
  const results = await page.evaluate<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })",
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}

/** Fails, listing them, when axe finds serious or critical violations on the page as it is now (`name` says where). */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations)}`).to.deep.equal([]);
}

/** Fails when the page scrolls sideways on a phone `width` px wide (the viewport is put back to desktop after). */
export async function expectFits(page: Page, width: number, name: string): Promise<void> {
  await page.setViewportSize({ width, height: 800 });
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  await page.setViewportSize({ width: WIDTHS.desktop, height: 900 });
  expect(scrollWidth, `${name} at ${width} px`).to.be.at.most(width);
}

/** Saves full-page screenshots at phone, tablet and desktop widths under test-output/screenshots. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const files: string[] = [];
  for (const [device, width] of Object.entries(WIDTHS)) {
    await page.setViewportSize({ width, height: 900 });
    const file = join(SCREENSHOTS, `${name}-${device}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize({ width: WIDTHS.desktop, height: 900 });
  return files;
}

/** How long a browser test waits for a condition: Playwright's own default, generous for a busy machine. */
const WAIT_MS = 30_000;
const POLL_MS = 50;
const pause = () => new Promise((r) => setTimeout(r, POLL_MS));

/** Polls a page expression through the DevTools protocol (the pages' CSP rightly forbids the eval waitForFunction uses). */
export async function until(page: Page, expression: string, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await pause();
  }
}

/**
 * Waits until `read` answers a value `ok` accepts, and answers it. A locator's read (innerText(), inputValue(),
 * isChecked(), count()...) takes the page as it is at that moment, while Preact renders after the event that changed
 * it and data arrives after the page: an assertion on such a read must wait for its value, not read it once.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await pause();
  }
}

const matches = (text: string, part: string | RegExp) => (typeof part === 'string' ? text.includes(part) : part.test(text));

/** Waits until the element's text contains every string and matches every pattern; answers the text. */
export const expectText = (locator: Locator, ...parts: (string | RegExp)[]): Promise<string> =>
  eventually(
    () => locator.innerText(),
    (text) => parts.every((p) => matches(text, p)),
    `text with ${parts.join(', ')}`,
  );

/** Waits until the element's attribute `name` is `value`. */
export const expectAttribute = (locator: Locator, name: string, value: string | null): Promise<string | null> =>
  eventually(
    () => locator.getAttribute(name),
    (v) => v === value,
    `${name}="${value}"`,
  );

/** Waits until the form field's value is `value`. */
export const expectValue = (locator: Locator, value: string): Promise<string> =>
  eventually(
    () => locator.inputValue(),
    (v) => v === value,
    `the value ${value}`,
  );

/** Waits until the checkbox or radio button is checked (or, with `false`, not). */
export const expectChecked = (locator: Locator, checked = true): Promise<boolean> =>
  eventually(
    () => locator.isChecked(),
    (v) => v === checked,
    checked ? 'checked' : 'not checked',
  );

/** Waits until the control is disabled (or, with `false`, enabled). */
export const expectDisabled = (locator: Locator, disabled = true): Promise<boolean> =>
  eventually(
    () => locator.isDisabled(),
    (v) => v === disabled,
    disabled ? 'disabled' : 'enabled',
  );

/** Waits until the links' texts (trimmed) pass `ok`, e.g. a navigation whose sections arrive with their data; answers them. */
export const linkTexts = (locator: Locator, ok: (texts: string[]) => boolean, what: string): Promise<string[]> =>
  eventually(async () => (await locator.getByRole('link').allTextContents()).map((x) => x.trim()), ok, what);

/** On the identity provider's sign-in page: types the email address, then the code mailed to it, and signs in. */
export async function signInWithCode(page: Page, mailbox: Mailbox, email: string) {
  await page.getByLabel('Email address').fill(email);
  const sentAfter = Date.now();
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByLabel('Sign-in code').fill(codeFrom(await mailbox.next(email, sentAfter)));
  await page.getByRole('button', { name: 'Sign in' }).click();
}
