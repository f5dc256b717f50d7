// Browsers remembered for an address, so the person on their usual browser keeps a budget of sign-in codes of
// their own while strangers spend the address's (./budgets.ts). Remembering is a cookie the browser keeps, not a
// record the server looks up: each entry is a random tag, an expiry and a MAC over (organisation, address, tag,
// expiry) under a key derived from the master secret. So a sign-in costs no database work for it, nothing about the
// browser is stored, and only the browser holding the HttpOnly cookie can use the tag's budget. Remembered for a year
// after the browser last signed in as the address; at most 5 addresses per browser. The operator can also hand
// someone a one-time link that makes their browser remembered (`portico sign-in trust-browser`), a way in while the
// address is under attack.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import mongoose from 'mongoose';
import { keyedHash, safeEqual } from '../../lib/crypto.ts';
import { orgScopedSchema } from '../../lib/tenancy.ts';

const COOKIE = 'portico_known';
const DAY = 24 * 3_600_000;
const REMEMBERED_MS = 365 * DAY;
const LINK_TTL_MS = DAY;
const MAX_ADDRESSES = 5;

/** An operator's link, by a keyed hash of its token: the address it remembers a browser for, used at most once. */
type DeviceLink = { _id: string; org: string; email: string; usedAt: Date | null; expiresAt: Date };
const links = orgScopedSchema<DeviceLink>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    usedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
links.index({ expiresAt: 1 });
const DeviceLinkModel = mongoose.model<DeviceLink>('DeviceLink', links, 'device_links');

const isToken = (value: unknown): value is string => typeof value === 'string' && /^[\w-]{43}$/.test(value);

type Entry = { tag: string; expires: number; mac: string };
const macOf = (key: Buffer, org: string, email: string, tag: string, expires: number) =>
  keyedHash(key, 'remembered', org, email, tag, String(expires)).slice(0, 22);

function entries(ctx: Context): Entry[] {
  return (ctx.cookies.get(COOKIE) ?? '')
    .split('~')
    .map((e) => e.split('.'))
    .filter((p) => p.length === 3 && /^[\w-]{22}$/.test(p[0]!) && /^[0-9a-z]{1,12}$/.test(p[1]!) && /^[\w-]{22}$/.test(p[2]!))
    .map(([tag, expires, mac]) => ({ tag: tag!, expires: parseInt(expires!, 36), mac: mac! }));
}

const isFor = (key: Buffer, org: string, email: string, now: number) => (e: Entry) =>
  e.expires > now && safeEqual(e.mac, macOf(key, org, email, e.tag, e.expires));

/** The tag (its budget's name) under which this browser is remembered for `email`, if it is. */
export function rememberedTag(ctx: Context, key: Buffer, org: string, email: string, now = Date.now()): string | undefined {
  return entries(ctx).find(isFor(key, org, email, now))?.tag;
}

/** Remembers this browser for `email` for a year from now, keeping its tag if it had one (its budget goes on). */
export function rememberBrowser(ctx: Context, key: Buffer, org: { _id: string; slug: string }, email: string, now = Date.now()): void {
  const all = entries(ctx).filter((e) => e.expires > now);
  const mine = all.find(isFor(key, org._id, email, now));
  const tag = mine?.tag ?? randomBytes(16).toString('base64url');
  const expires = now + REMEMBERED_MS;
  const kept = all
    .filter((e) => e !== mine)
    .sort((a, b) => b.expires - a.expires)
    .slice(0, MAX_ADDRESSES - 1);
  const value = [{ tag, expires, mac: macOf(key, org._id, email, tag, expires) }, ...kept]
    .map((e) => `${e.tag}.${e.expires.toString(36)}.${e.mac}`)
    .join('~');
  ctx.cookies.set(COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: `/${org.slug}/`,
    maxAge: REMEMBERED_MS,
    overwrite: true,
  });
}

/** A one-time link token that remembers the browser that uses it for `email`, valid a day. */
export async function createDeviceLink(key: Buffer, org: string, email: string, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now + LINK_TTL_MS);
  await DeviceLinkModel.create({ _id: `${org}|${keyedHash(key, 'link', token)}`, org, email, usedAt: null, expiresAt });
  return { token, expiresAt };
}

/** The address of a live, unused link, without using it. */
export async function deviceLinkEmail(key: Buffer, org: string, token: unknown, now = Date.now()): Promise<string | undefined> {
  if (!isToken(token)) return undefined;
  const link = await DeviceLinkModel.findOne({
    _id: `${org}|${keyedHash(key, 'link', token)}`,
    org,
    usedAt: null,
    expiresAt: { $gt: new Date(now) },
  }).lean<DeviceLink>();
  return link?.email;
}

/** Uses a link once (of parallel uses exactly one wins); returns its address, for which the browser is then remembered. */
export async function useDeviceLink(key: Buffer, org: string, token: unknown, now = Date.now()): Promise<string | undefined> {
  const email = await deviceLinkEmail(key, org, token, now);
  if (!email) return undefined;
  const used = await DeviceLinkModel.updateOne(
    { _id: `${org}|${keyedHash(key, 'link', token as string)}`, org, usedAt: null, expiresAt: { $gt: new Date(now) } },
    { $set: { usedAt: new Date(now) } },
  );
  return used.modifiedCount ? email : undefined;
}
