// Customer Flows' documents: a flow (its draft), its published versions (immutable), a customer's progress through
// one version, and the forms a finished flow leaves on the customer's record. Steps and answers are JSON text:
// their keys are staff's question ids, which MongoDB field names need not accept.
import mongoose from 'mongoose';
import { orgScopedSchema } from '../../../lib/tenancy.ts';

export type Flow = {
  _id: string;
  org: string;
  slug: string;
  title: string;
  /** The portal whose branding the flow wears (its slug); none: the primary portal. */
  portal?: string;
  /** The draft's steps (JSON), what the next publishing freezes. */
  steps: string;
  /** The newest published version, 0 before the first. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
};
const flowSchema = orgScopedSchema<Flow>(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true },
    title: { type: String, required: true },
    portal: String,
    steps: { type: String, required: true },
    version: { type: Number, default: 0 },
    createdAt: { type: Date, default: () => new Date() },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
);
flowSchema.index({ org: 1, slug: 1 }, { unique: true });
export const FlowModel = mongoose.model<Flow>('Flow', flowSchema, 'flows');

/** A published version: never changed, so a customer mid-flow keeps the steps they started with. */
export type FlowVersion = {
  _id: string;
  org: string;
  flow: string;
  version: number;
  title: string;
  portal?: string;
  steps: string;
  publishedAt: Date;
};
const versionSchema = orgScopedSchema<FlowVersion>(
  {
    _id: { type: String, required: true },
    flow: { type: String, required: true },
    version: { type: Number, required: true },
    title: { type: String, required: true },
    portal: String,
    steps: { type: String, required: true },
    publishedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
versionSchema.index({ org: 1, flow: 1, version: 1 }, { unique: true });
export const FlowVersionModel = mongoose.model<FlowVersion>('FlowVersion', versionSchema, 'flow_versions');

/**
 * Where someone is in a flow: `owner` is `customer:<sub>` or `anonymous:<id>` (the flow page's cookie, until they
 * sign in). One open run per owner and flow; `done` (with its form) in the transaction that makes the booking.
 * An open run left alone expires (`expiresAt`, a TTL index, pushed back by each step); a done one has none and stays.
 */
export type ProgressStatus = 'open' | 'done';
export type FlowProgress = {
  _id: string;
  org: string;
  owner: string;
  flow: string;
  version: number;
  step: number;
  /** Answers by step index (JSON). */
  answers: string;
  status: ProgressStatus;
  form?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Open runs only: when an abandoned run is gone (readers check it too, as TTL removal lags). */
  expiresAt?: Date;
};
const progressSchema = orgScopedSchema<FlowProgress>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    flow: { type: String, required: true },
    version: { type: Number, required: true },
    step: { type: Number, default: 0 },
    answers: { type: String, default: '{}' },
    status: { type: String, required: true },
    form: String,
    createdAt: { type: Date, default: () => new Date() },
    updatedAt: { type: Date, default: () => new Date() },
    expiresAt: Date,
  },
  { versionKey: false },
);
progressSchema.index({ org: 1, owner: 1, flow: 1, status: 1 });
progressSchema.index({ expiresAt: 1 }); // a TTL index (lib/db.ts)
export const FlowProgressModel = mongoose.model<FlowProgress>('FlowProgress', progressSchema, 'flow_progress');

/** A finished flow's answers on the customer's record, as staff read them (Admin API `GET /customers/{id}/forms`). */
export type Form = {
  _id: string;
  org: string;
  customer: string;
  flow: string;
  flowSlug: string;
  title: string;
  version: number;
  /** The answered steps (JSON): kind, title and answer of each. */
  steps: string;
  bookingId?: string;
  submittedAt: Date;
};
const formSchema = orgScopedSchema<Form>(
  {
    _id: { type: String, required: true },
    customer: { type: String, required: true },
    flow: { type: String, required: true },
    flowSlug: { type: String, required: true },
    title: { type: String, required: true },
    version: { type: Number, required: true },
    steps: { type: String, required: true },
    bookingId: String,
    submittedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
formSchema.index({ org: 1, customer: 1, submittedAt: -1 });
export const FormModel = mongoose.model<Form>('Form', formSchema, 'forms');
