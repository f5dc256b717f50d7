// Flows as staff design them: a draft per flow, published into immutable numbered versions, and the forms finished
// flows left on a customer's record. Every function takes the organisation first and every query filters by it.
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { timeCursor } from '../../../lib/cursor.ts';
export { customerId } from '../../../lib/customer-id.ts';
import { isDuplicateKey } from '../../../lib/db.ts';
import { Conflict, HttpError, NotFound } from '../../../lib/errors.ts';
import { inTransaction } from '../../../lib/transaction.ts';
import { getPortal } from '../portals/service.ts';
import { type Flow, FlowModel, type FlowVersion, FlowVersionModel, type Form, FormModel } from './model.ts';
import { journeyProblems, type Step, stepsInput } from './steps.ts';

/** Path segments the flows app's own routes use under `/<org>/flows/`, so no flow may take them as its slug. */
const RESERVED = new Set(['bff', 'login', 'callback', 'logout', 'signed-out', 'backchannel-logout', 'assets', 'api']);

export const flowSlug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'use 1-40 lower-case letters, digits and dashes')
  .refine((s) => !RESERVED.has(s), 'this slug is reserved');
export const flowVersion = z.coerce.number().int().min(1).max(1_000_000);

const title = z.string().trim().min(1).max(120);
const portal = z.string().regex(/^[a-z0-9-]{1,40}$/, 'is not a portal slug');
export const createFlowInput = z.strictObject({ slug: flowSlug, title, portal: portal.optional(), steps: stepsInput.default([]) });
export const updateFlowInput = z.strictObject({ title: title.optional(), portal: portal.nullable().optional(), steps: stepsInput.optional() });
/**
 * A draft's step to preview: the editor's unsaved title, portal and steps (the saved ones where left out), the step's
 * index, and the nonce of the console page the preview is shown in (its `srcdoc` frame keeps that page's policy).
 */
export const previewInput = z
  .strictObject({
    title: title.optional(),
    portal: portal.nullable().optional(),
    steps: stepsInput.min(1),
    index: z.number().int().min(0),
    nonce: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/, 'is not a nonce')
      .optional(),
  })
  .refine((p) => p.index < p.steps.length, { message: 'names no step of the draft', path: ['index'] });

/** A flow as the customer would see it, unpublished: what a preview renders. */
export type FlowDraft = { slug: string; title: string; portal?: string; steps: Step[] };
/** Renders a draft's step as the flow's page (portal/flows/preview.ts), given to the Admin API by the server. */
export type FlowPreview = (
  tenant: { id: string; slug: string; name: string; issuer: string },
  draft: FlowDraft,
  index: number,
  nonce?: string,
) => Promise<string>;

export class NotPublishable extends HttpError {
  constructor(problems: string[]) {
    super(
      422,
      'not_publishable',
      `This flow cannot be published yet: ${problems.join('; ')}.`,
      problems.map((message) => ({ field: 'steps', message })),
    );
  }
}

const flowView = (f: Flow) => ({
  slug: f.slug,
  title: f.title,
  portal: f.portal ?? null,
  steps: JSON.parse(f.steps) as Step[],
  version: f.version,
  createdAt: f.createdAt,
  updatedAt: f.updatedAt,
});
export type FlowView = ReturnType<typeof flowView>;

export const versionView = (slug: string, v: FlowVersion) => ({
  slug,
  version: v.version,
  title: v.title,
  portal: v.portal ?? null,
  steps: JSON.parse(v.steps) as Step[],
  publishedAt: v.publishedAt,
});

async function requireFlow(org: string, slug: string): Promise<Flow> {
  const flow = await FlowModel.findOne({ org, slug }).lean<Flow>();
  if (!flow) throw new NotFound(`No flow "${slug}".`);
  return flow;
}

/** A named portal must exist: the flow wears its branding. */
async function checkPortal(org: string, slug: string | null | undefined) {
  if (slug)
    await getPortal(org, slug).catch((err) => {
      if (err instanceof NotFound)
        throw new HttpError(422, 'invalid_reference', `portal: no portal "${slug}"`, [{ field: 'portal', message: 'no such portal' }]);
      throw err;
    });
}

export async function listFlows(org: string): Promise<FlowView[]> {
  return (await FlowModel.find({ org }).sort({ createdAt: 1 }).lean<Flow[]>()).map(flowView);
}

export const getFlow = async (org: string, slug: string) => flowView(await requireFlow(org, slug));

export async function createFlow(org: string, input: z.infer<typeof createFlowInput>): Promise<FlowView> {
  await checkPortal(org, input.portal);
  const at = new Date();
  const doc = {
    _id: `fl_${randomId(12)}`,
    org,
    slug: input.slug,
    title: input.title,
    portal: input.portal,
    steps: JSON.stringify(input.steps),
    version: 0,
  };
  try {
    await FlowModel.create({ ...doc, createdAt: at, updatedAt: at });
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict(`A flow "${input.slug}" already exists.`);
    throw err;
  }
  return getFlow(org, input.slug);
}

export async function updateFlow(org: string, slug: string, input: z.infer<typeof updateFlowInput>) {
  await checkPortal(org, input.portal);
  const before = await requireFlow(org, slug);
  const set: Partial<Flow> = { updatedAt: new Date() };
  if (input.title !== undefined) set.title = input.title;
  if (input.steps !== undefined) set.steps = JSON.stringify(input.steps);
  const unset = input.portal === null ? { portal: 1 } : {};
  if (input.portal) set.portal = input.portal;
  const after = await FlowModel.findOneAndUpdate({ _id: before._id, org }, { $set: set, $unset: unset }, { new: true }).lean<Flow>();
  if (!after) throw new NotFound(`No flow "${slug}".`);
  return { before: flowView(before), after: flowView(after) };
}

/** The saved flow with the editor's unsaved changes over it. */
export async function previewDraft(org: string, slug: string, input: z.infer<typeof previewInput>): Promise<FlowDraft> {
  const flow = await requireFlow(org, slug);
  const portal = input.portal === undefined ? flow.portal : (input.portal ?? undefined);
  return { slug, title: input.title ?? flow.title, portal, steps: input.steps };
}

/** Deletes the flow and its versions; forms already on customers' records stay (they are the customers'). */
export async function deleteFlow(org: string, slug: string): Promise<FlowView> {
  const flow = await requireFlow(org, slug);
  await FlowModel.deleteOne({ _id: flow._id, org });
  await FlowVersionModel.deleteMany({ org, flow: flow._id });
  return flowView(flow);
}

/**
 * Freezes the draft into the next version, number and version in one transaction (two publishers racing get two
 * numbers, never one twice). A draft that breaks the journey rules is a 422 saying which.
 */
export async function publishFlow(org: string, slug: string) {
  const flow = await requireFlow(org, slug);
  const steps = JSON.parse(flow.steps) as Step[];
  const problems = journeyProblems(steps);
  if (problems.length) throw new NotPublishable(problems);
  const published = await inTransaction(org, async (tx) => {
    const bumped = await FlowModel.findOneAndUpdate(
      { _id: flow._id, org },
      { $inc: { version: 1 } },
      { new: true, session: tx.session },
    ).lean<Flow>();
    if (!bumped) throw new NotFound(`No flow "${slug}".`);
    const version: FlowVersion = {
      _id: `${flow._id}|${bumped.version}`,
      org,
      flow: flow._id,
      version: bumped.version,
      title: flow.title,
      portal: flow.portal,
      steps: flow.steps,
      publishedAt: new Date(),
    };
    await FlowVersionModel.create([version], { session: tx.session });
    tx.emit({ type: 'flow.published', subject: slug, data: { flow: { slug, version: version.version } } });
    return version;
  });
  return versionView(slug, published);
}

/** One published version of a flow (the newest when `version` is undefined). */
export async function getVersion(org: string, slug: string, version?: number) {
  const flow = await requireFlow(org, slug);
  const wanted = version ?? flow.version;
  const found = wanted ? await FlowVersionModel.findOne({ org, flow: flow._id, version: wanted }).lean<FlowVersion>() : null;
  if (!found) throw new NotFound(version ? `Flow "${slug}" has no version ${version}.` : `Flow "${slug}" is not published yet.`);
  return { flow, version: found };
}

export const formView = (f: Form) => ({
  id: f._id,
  flow: f.flowSlug,
  title: f.title,
  version: f.version,
  steps: JSON.parse(f.steps) as unknown[],
  bookingId: f.bookingId ?? null,
  submittedAt: f.submittedAt,
});
export type FormView = ReturnType<typeof formView>;

const FORM_ID = /fm_[A-Za-z0-9_-]{16}/;
export const formId = z.string().regex(new RegExp(`^${FORM_ID.source}$`), 'is not a form id');
/** A page of a customer's forms: `before` is the `next` of the previous page (the last form's time and id). */
export const formsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(100),
  before: z.string().regex(timeCursor(FORM_ID), 'use the `next` of the previous page').optional(),
});
const cursorOf = (f: Form) => `${f.submittedAt.getTime()}_${f._id}`;
const TIES = 4; // forms sent in the same millisecond by one customer: a few at most

/**
 * The forms a customer has sent through flows, newest first, a page at a time. The range on the index
 * `{org, customer, submittedAt}` decides what is read; ties at the cursor's instant are sorted out by id here.
 */
export async function customerForms(org: string, customer: string, q: z.infer<typeof formsQuery>) {
  const [at, afterId] = q.before ? [Number(q.before.split('_')[0]), q.before.slice(q.before.indexOf('_') + 1)] : [undefined, ''];
  const found = await FormModel.find({ org, customer, ...(at === undefined ? {} : { submittedAt: { $lte: new Date(at) } }) })
    .sort({ submittedAt: -1, _id: -1 })
    .limit(q.limit + 1 + (at === undefined ? 0 : TIES))
    .lean<Form[]>();
  const forms = at === undefined ? found : found.filter((f) => f.submittedAt.getTime() < at || f._id < afterId);
  const page = forms.slice(0, q.limit);
  return { items: page.map(formView), ...(forms.length > q.limit ? { next: cursorOf(page.at(-1)!) } : {}) };
}

/** One of a customer's forms: another customer's, or another organisation's, is "not found" like one that does not exist. */
export async function customerForm(org: string, customer: string, id: string): Promise<FormView> {
  const form = await FormModel.findOne({ _id: id, org, customer }).lean<Form>();
  if (!form) throw new NotFound('There is no such form here.');
  return formView(form);
}
