// The audit log: every change made through the Admin API, by whom, when, and the subject before and after.
// Shared by idp/ (apps, staff, consents) and portal/ (portals, company, policies), which both serve Admin API routes.
// Entries are written after the change succeeds and never updated; their ids sort by time, newest last.
import type { Context } from 'koa';
import mongoose from 'mongoose';
import type { BearerState } from './bearer.ts';
import { randomId } from './crypto.ts';
import { orgScopedSchema } from './tenancy.ts';

export type AuditActor = { sub: string; email?: string; clientId: string; role?: string };
export type AuditEntry = { id: string; at: Date; actor: AuditActor; action: string; subject: string; before?: unknown; after?: unknown };

// before/after are stored as JSON text: subjects hold keys MongoDB field names may not (URLs, dots).
type Stored = { _id: string; org: string; at: Date; actor: AuditActor; action: string; subject: string; before?: string; after?: string };

const schema = orgScopedSchema<Stored>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: { _id: false, sub: String, email: String, clientId: String, role: String }, required: true },
    action: { type: String, required: true },
    subject: { type: String, required: true },
    before: String,
    after: String,
  },
  { versionKey: false },
);
schema.index({ org: 1, _id: -1 });
const AuditModel = mongoose.model<Stored>('AuditEntry', schema, 'audit_log');

const MAX_SNAPSHOT = 20_000;
const snapshot = (value: unknown) => {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value);
  return json.length > MAX_SNAPSHOT ? JSON.stringify({ truncated: true, size: json.length }) : json;
};

/** Time-ordered ids: a fixed-width time prefix, then randomness so two entries in one millisecond never collide. */
const newId = (at: Date) => `${at.getTime().toString(36).padStart(10, '0')}${randomId(6)}`;
/** An entry's id as a `before` cursor: anything else would page from an arbitrary point (and `-1` or `../` is no cursor). */
export const AUDIT_CURSOR = /^[0-9a-z]{10}[A-Za-z0-9_-]{8}$/;

/** Records a change made by the caller of an Admin API route. Snapshots must never contain secrets. */
export async function audit(ctx: Context, action: string, subject: string, change: { before?: unknown; after?: unknown } = {}): Promise<void> {
  const { tenant, principal } = ctx.state as BearerState;
  const at = new Date();
  await AuditModel.create({
    _id: newId(at),
    org: tenant.id,
    at,
    actor: { sub: principal.sub, email: principal.email, clientId: principal.clientId, role: principal.role },
    action,
    subject,
    before: snapshot(change.before),
    after: snapshot(change.after),
  });
}

/** Newest first, `limit` at a time; `before` is the `next` cursor of the previous page. */
export async function listAudit(org: string, options: { limit: number; before?: string }): Promise<{ items: AuditEntry[]; next?: string }> {
  const docs = await AuditModel.find({ org, ...(options.before ? { _id: { $lt: options.before } } : {}) })
    .sort({ _id: -1 })
    .limit(options.limit + 1)
    .lean<Stored[]>();
  const page = docs.slice(0, options.limit);
  return {
    items: page.map((d) => ({
      id: d._id,
      at: d.at,
      actor: d.actor,
      action: d.action,
      subject: d.subject,
      before: d.before ? JSON.parse(d.before) : undefined,
      after: d.after ? JSON.parse(d.after) : undefined,
    })),
    next: docs.length > options.limit ? page.at(-1)!._id : undefined,
  };
}
