// Browsers remembered for an address, so the person on their usual browser keeps a budget of sign-in codes of
// their own while strangers spend the address's (./budgets.ts). A browser carries a random id in a long-lived
// cookie set by the sign-in pages; the server keeps only a keyed hash of (address, id), never the id, for a year
// after the browser last signed in as the address. The operator can also hand someone a one-time link that makes
// their browser remembered (`portico sign-in trust-browser`), a way in while the address is under attack.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import mongoose from 'mongoose';
import { keyedHash } from '../../lib/crypto.ts';
import { isDuplicateKey } from '../../lib/db.ts';
import { orgScopedSchema } from '../../lib/tenancy.ts';

const COOKIE = 'portico_device';
const DAY = 24 * 3_600_000;
const REMEMBERED_MS = 365 * DAY;
const LINK_TTL_MS = DAY;

/** `_id`: `<org>|<tag>`, the tag a keyed hash of the address and the browser's id. */
type KnownDevice = { _id: string; org: string; expiresAt: Date };
const devices = orgScopedSchema<KnownDevice>({ _id: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { versionKey: false });
devices.index({ expiresAt: 1 });
const KnownDeviceModel = mongoose.model<KnownDevice>('KnownDevice', devices, 'known_devices');

/** An operator's link, by a keyed hash of its token: the address it remembers a browser for, used at most once. */
type DeviceLink = { _id: string; org: string; email: string; usedAt: Date | null; expiresAt: Date };
const links = orgScopedSchema<DeviceLink>(
  { _id: { type: String, required: true }, email: { type: String, required: true }, usedAt: { type: Date, default: null }, expiresAt: { type: Date, required: true } },
  { versionKey: false },
);
links.index({ expiresAt: 1 });
const DeviceLinkModel = mongoose.model<DeviceLink>('DeviceLink', links, 'device_links');

const tagOf = (key: Buffer, email: string, device: string) => keyedHash(key, 'device', email, device).slice(0, 22);
const isToken = (value: unknown): value is string => typeof value === 'string' && /^[\w-]{43}$/.test(value);

/**
 * The browser's id: its cookie (HttpOnly, SameSite=Lax, Secure behind TLS, on the organisation's paths), set now
 * if it has none or a malformed one.
 */
export function deviceId(ctx: Context, orgSlug: string): string {
  const id = ctx.cookies.get(COOKIE);
  if (isToken(id)) return id;
  const fresh = randomBytes(32).toString('base64url');
  ctx.cookies.set(COOKIE, fresh, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: `/${orgSlug}/`, maxAge: REMEMBERED_MS, overwrite: true });
  return fresh;
}

/** The tag of `device` for `email` if it is remembered for it (its budget's name), else undefined. */
export async function rememberedTag(key: Buffer, org: string, email: string, device: string, now = Date.now()): Promise<string | undefined> {
  const tag = tagOf(key, email, device);
  const known = await KnownDeviceModel.findOne({ _id: `${org}|${tag}`, org, expiresAt: { $gt: new Date(now) } }, { _id: 1 }).lean();
  return known ? tag : undefined;
}

/** Remembers that `device` signed in as `email` (a year from now). */
export async function rememberDevice(key: Buffer, org: string, email: string, device: string, now = Date.now()): Promise<void> {
  try {
    await KnownDeviceModel.updateOne({ _id: `${org}|${tagOf(key, email, device)}`, org }, { $set: { expiresAt: new Date(now + REMEMBERED_MS) } }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // a parallel sign-in of the same browser remembered it
  }
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
  const link = await DeviceLinkModel.findOne({ _id: `${org}|${keyedHash(key, 'link', token)}`, org, usedAt: null, expiresAt: { $gt: new Date(now) } }).lean<DeviceLink>();
  return link?.email;
}

/** Uses a link once (of parallel uses exactly one wins) and remembers `device` for its address, which it returns. */
export async function useDeviceLink(key: Buffer, org: string, token: unknown, device: string, now = Date.now()): Promise<string | undefined> {
  const email = await deviceLinkEmail(key, org, token, now);
  if (!email) return undefined;
  const used = await DeviceLinkModel.updateOne(
    { _id: `${org}|${keyedHash(key, 'link', token as string)}`, org, usedAt: null, expiresAt: { $gt: new Date(now) } },
    { $set: { usedAt: new Date(now) } },
  );
  if (!used.modifiedCount) return undefined;
  await rememberDevice(key, org, email, device, now);
  return email;
}
