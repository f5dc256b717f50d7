// Portals as data: create, edit, choose the primary, order and toggle sections. Every function takes the
// organisation first and every query filters by it (lib/tenancy.ts refuses any that does not).
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { isDuplicateKey } from '../../../lib/db.ts';
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { applyBranding, brandingInput, DEFAULT_BRANDING } from './branding.ts';
import { PortalModel, PrimaryPortalModel, type Portal } from './model.ts';
import { resolveSections, SECTIONS, SECTION_KEYS, SECTION_STATES, type SectionView, type StoredSection } from './sections.ts';

/** Path segments the portal's own routes use under `/<org>/portal/`, so no portal may take them as its slug. */
const RESERVED = new Set(['bff', 'login', 'callback', 'logout', 'signed-out', 'assets', 'api', 'p']);

export const portalSlug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'use 1-40 lower-case letters, digits and dashes')
  .refine((s) => !RESERVED.has(s), 'this slug is reserved');

const label = z.string().trim().min(1).max(40);

export const createPortalInput = z.strictObject({ slug: portalSlug, name: z.string().trim().min(1).max(120), branding: brandingInput.optional() });
export const updatePortalInput = z.strictObject({ name: z.string().trim().min(1).max(120).optional(), branding: brandingInput.optional() });
export const sectionInput = z.strictObject({ key: z.enum(SECTION_KEYS), state: z.enum(SECTION_STATES), label: label.optional() });
export const sectionsInput = z.strictObject({
  sections: z
    .array(sectionInput)
    .refine((list) => new Set(list.map((s) => s.key)).size === list.length, 'each section may appear once')
    .refine(
      (list) => list.length === SECTION_KEYS.length,
      `list all ${SECTION_KEYS.length} sections (${SECTION_KEYS.join(', ')}) in their new order`,
    ),
});
export const sectionPatch = z.strictObject({ state: z.enum(SECTION_STATES).optional(), label: label.nullable().optional() });

export type PortalView = {
  slug: string;
  name: string;
  primary: boolean;
  branding: Portal['branding'];
  sections: SectionView[];
  updatedAt: Date;
};

async function primaryId(org: string): Promise<string | undefined> {
  return (await PrimaryPortalModel.findOne({ _id: org, org }).lean<{ portal: string }>())?.portal;
}

const view = (p: Portal, primary: string | undefined): PortalView => ({
  slug: p.slug,
  name: p.name,
  primary: p._id === primary,
  branding: p.branding,
  sections: resolveSections(p.sections),
  updatedAt: p.updatedAt,
});

async function requirePortal(org: string, slug: string): Promise<Portal> {
  const portal = await PortalModel.findOne({ org, slug }).lean<Portal>();
  if (!portal) throw new NotFound(`No portal "${slug}".`);
  return portal;
}

export async function listPortals(org: string): Promise<PortalView[]> {
  const [portals, primary] = await Promise.all([PortalModel.find({ org }).sort({ createdAt: 1 }).lean<Portal[]>(), primaryId(org)]);
  return portals.map((p) => view(p, primary));
}

/** A portal by slug, or the primary one when slug is undefined. */
export async function getPortal(org: string, slug?: string): Promise<PortalView> {
  const primary = await primaryId(org);
  if (slug === undefined) {
    const portal = primary && (await PortalModel.findOne({ org, _id: primary }).lean<Portal>());
    if (!portal) throw new NotFound('This organisation has no portal yet.');
    return view(portal, primary);
  }
  return view(await requirePortal(org, slug), primary);
}

/** The primary portal; an organisation without any portal gets a default one, so its portal URL always works. */
export async function primaryPortal(org: string, orgName: string): Promise<PortalView> {
  try {
    return await getPortal(org);
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
  }
  try {
    await createPortal(org, { slug: 'main', name: orgName });
  } catch (err) {
    if (!(err instanceof Conflict)) throw err; // created by a parallel request
  }
  return getPortal(org);
}

/** Creates a portal; the organisation's first portal becomes its primary (an insert only the first can win). */
export async function createPortal(org: string, input: z.infer<typeof createPortalInput>): Promise<PortalView & { warnings: string[] }> {
  const { branding, warnings } = applyBranding(DEFAULT_BRANDING, input.branding ?? {});
  const now = new Date();
  const portal: Portal = {
    _id: `pt_${randomId(12)}`,
    org,
    slug: input.slug,
    name: input.name,
    branding,
    sections: [],
    createdAt: now,
    updatedAt: now,
  };
  try {
    await PortalModel.create(portal);
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict(`A portal with slug "${input.slug}" already exists.`);
    throw err;
  }
  try {
    await PrimaryPortalModel.create({ _id: org, org, portal: portal._id });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return { ...view(portal, await primaryId(org)), warnings };
}

/** A portal and the organisation's primary, read together: every change answers with the portal before and after. */
async function current(org: string, slug: string): Promise<{ portal: Portal; primary: string | undefined; before: PortalView }> {
  const [portal, primary] = await Promise.all([requirePortal(org, slug), primaryId(org)]);
  return { portal, primary, before: view(portal, primary) };
}

export type Change<T = PortalView> = { before: PortalView; after: T };

export async function updatePortal(
  org: string,
  slug: string,
  input: z.infer<typeof updatePortalInput>,
): Promise<Change<PortalView & { warnings: string[] }>> {
  const { portal, primary, before } = await current(org, slug);
  const { branding, warnings } = applyBranding(portal.branding, input.branding ?? {});
  const $set = { branding, updatedAt: new Date(), ...(input.name ? { name: input.name } : {}) };
  await PortalModel.updateOne({ org, _id: portal._id }, { $set });
  return { before, after: { ...view({ ...portal, ...$set }, primary), warnings } };
}

export async function setPrimary(org: string, slug: string): Promise<PortalView> {
  const portal = await requirePortal(org, slug);
  await PrimaryPortalModel.updateOne({ _id: org, org }, { $set: { portal: portal._id } }, { upsert: true });
  return view(portal, portal._id);
}

/** Deletes a portal that is not the primary; answers what was deleted. */
export async function deletePortal(org: string, slug: string): Promise<PortalView> {
  const { portal, before } = await current(org, slug);
  if (before.primary) throw new Conflict('This is the primary portal: make another portal primary first.');
  await PortalModel.deleteOne({ org, _id: portal._id });
  return before;
}

async function saveSections(
  org: string,
  { portal, primary, before }: Awaited<ReturnType<typeof current>>,
  sections: StoredSection[],
): Promise<Change> {
  const updatedAt = new Date();
  await PortalModel.updateOne({ org, _id: portal._id }, { $set: { sections, updatedAt } });
  return { before, after: view({ ...portal, sections, updatedAt }, primary) };
}

/** Replaces the order and states of all sections at once (what a drag and drop editor saves). */
export async function replaceSections(org: string, slug: string, input: z.infer<typeof sectionsInput>): Promise<Change> {
  return saveSections(org, await current(org, slug), input.sections);
}

/** Changes one section's state or label, keeping the order. */
export async function patchSection(org: string, slug: string, key: string, input: z.infer<typeof sectionPatch>): Promise<Change> {
  const found = await current(org, slug);
  const { portal } = found;
  const defaults = new Map(SECTIONS.map((s) => [s.key as string, s.label as string]));
  const sections: StoredSection[] = resolveSections(portal.sections).map((s) => ({
    key: s.key,
    state: s.state,
    ...(s.label !== defaults.get(s.key) ? { label: s.label } : {}),
  }));
  const target = sections.find((s) => s.key === key);
  if (!target) throw new BadRequest(`key: unknown section "${key}"; sections are ${SECTION_KEYS.join(', ')}`);
  if (input.state) target.state = input.state;
  if (input.label === null) delete target.label;
  else if (input.label) target.label = input.label;
  return saveSections(org, found, sections);
}
