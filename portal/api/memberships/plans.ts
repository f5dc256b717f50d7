// What a business sells for recurring and prepaid visits: plans (a price per week, month or year, with perks,
// entitlements, discounts, rollover and freeze rules) and class packs (N credits for some services, expiring).
import { z } from 'zod';
import { randomId } from '../../../lib/crypto.ts';
import { HttpError, NotFound } from '../../../lib/errors.ts';
import { ServiceModel } from '../catalogue/model.ts';
import { InvalidReference, patchOf, toUpdate, view } from '../catalogue/service.ts';
import { currencyCode, minorUnits } from '../money/amounts.ts';
import { INTERVALS, PackModel, PlanModel, type Pack, type Plan } from './model.ts';

const name = z.string().trim().min(1, 'is required').max(120);
const text = (max: number) => z.string().trim().max(max).nullable().optional();
const serviceIds = z
  .array(z.string().regex(/^svc_[A-Za-z0-9_-]{6,40}$/, 'is not a service id'))
  .min(1, 'name the services it covers')
  .max(100);
const price = z.strictObject({ amount: minorUnits.min(1, 'must be more than nothing'), currency: currencyCode });

const entitlement = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9-]{1,30}$/, 'use lowercase letters, digits and dashes')
      .optional(),
    name: name.max(60),
    serviceIds,
    unlimited: z.boolean().default(false),
    credits: z.number().int().min(0).max(1000).default(0),
    whenOut: z.enum(['pay', 'refuse']).default('pay'),
  })
  .refine((e) => e.unlimited || e.credits > 0, { message: 'give at least 1 credit, or make it unlimited', path: ['credits'] });

export const planInput = z.strictObject({
  name,
  description: text(2000),
  price,
  interval: z.enum(INTERVALS),
  joiningFee: minorUnits.default(0),
  trialDays: z.number().int().min(0).max(90).default(0),
  minimumTermPeriods: z.number().int().min(1).max(36).default(1),
  noticeDays: z.number().int().min(0).max(180).default(0),
  perks: z.array(z.string().trim().min(1).max(120)).max(20).default([]),
  entitlements: z.array(entitlement).max(10).default([]),
  discounts: z
    .array(z.strictObject({ serviceIds, percent: z.number().int().min(1).max(100) }))
    .max(10)
    .default([]),
  rollover: z
    .strictObject({ maxCredits: z.number().int().min(1).max(1000), periods: z.number().int().min(1).max(12) })
    .nullable()
    .default(null),
  freeze: z
    .strictObject({ allowed: z.boolean(), maxDaysPerYear: z.number().int().min(0).max(365).default(30), fee: minorUnits.default(0) })
    .default({ allowed: false, maxDaysPerYear: 0, fee: 0 }),
  active: z.boolean().default(true),
});
export const planPatch = patchOf(planInput);

export const packInput = z.strictObject({
  name,
  description: text(2000),
  price,
  credits: z.number().int().min(1).max(1000),
  serviceIds,
  expiresInDays: z.number().int().min(1).max(1095),
  active: z.boolean().default(true),
});
export const packPatch = patchOf(packInput);

export const planId = z.string().regex(/^plan_[A-Za-z0-9_-]{6,40}$/, 'is not a plan id');
export const packId = z.string().regex(/^pack_[A-Za-z0-9_-]{6,40}$/, 'is not a pack id');

export type PlanView = ReturnType<typeof view<Plan>>;
export type PackView = ReturnType<typeof view<Pack>>;

/** Every service named must be the organisation's. */
async function checkServices(org: string, lists: { field: string; ids: string[] }[]) {
  const all = [...new Set(lists.flatMap((l) => l.ids))];
  const known = new Set((await ServiceModel.find({ org, _id: { $in: all } }, { _id: 1 }).lean<{ _id: string }[]>()).map((s) => s._id));
  for (const { field, ids } of lists)
    ids.forEach((id, i) => {
      if (!known.has(id)) throw new InvalidReference(`${field}.${i}`, 'no such service');
    });
}

/** Entitlements get stable ids (a member's credits name theirs), unique within the plan. */
function withIds(entitlements: z.infer<typeof entitlement>[]) {
  const seen = new Set<string>();
  return entitlements.map((e, i) => {
    const id =
      e.id ??
      (e.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 24) ||
        'credits');
    const unique = seen.has(id) ? `${id}-${i + 1}` : id;
    seen.add(unique);
    return { ...e, id: unique, credits: e.unlimited ? 0 : e.credits };
  });
}

async function checkPlan(org: string, p: Partial<z.infer<typeof planInput>>) {
  await checkServices(org, [
    ...(p.entitlements ?? []).map((e, i) => ({ field: `entitlements.${i}.serviceIds`, ids: e.serviceIds })),
    ...(p.discounts ?? []).map((d, i) => ({ field: `discounts.${i}.serviceIds`, ids: d.serviceIds })),
  ]);
  if (p.freeze?.allowed === false) p.freeze = { allowed: false, maxDaysPerYear: 0, fee: 0 };
}

export const listPlans = async (org: string, activeOnly = false) =>
  (
    await PlanModel.find({ org, ...(activeOnly ? { active: true } : {}) })
      .sort({ createdAt: 1 })
      .lean<Plan[]>()
  ).map(view);
export async function findPlan(org: string, id: string): Promise<Plan> {
  const p = await PlanModel.findOne({ org, _id: id }).lean<Plan>();
  if (!p) throw new NotFound('No such plan.');
  return p;
}
export const getPlan = async (org: string, id: string) => view(await findPlan(org, id));

export async function createPlan(org: string, input: z.infer<typeof planInput>) {
  await checkPlan(org, input);
  const at = new Date();
  const doc = { _id: `plan_${randomId(9)}`, org, ...input, entitlements: withIds(input.entitlements), createdAt: at, updatedAt: at };
  await PlanModel.create(doc);
  return getPlan(org, doc._id);
}

/** Members keep the terms they joined on: a change applies to people who join after it. */
export async function updatePlan(org: string, id: string, patch: z.infer<typeof planPatch>) {
  const before = await getPlan(org, id);
  await checkPlan(org, patch);
  const set = { ...patch, ...(patch.entitlements ? { entitlements: withIds(patch.entitlements) } : {}), updatedAt: new Date() };
  await PlanModel.updateOne({ org, _id: id }, toUpdate(set));
  return { before, after: await getPlan(org, id) };
}

export class PlanInUse extends HttpError {
  constructor(what: string) {
    super(409, 'in_use', `${what} Make it inactive instead: nobody new can join, and members keep their terms.`);
  }
}

export async function deletePlan(org: string, id: string, inUse: (org: string, planId: string) => Promise<boolean>) {
  const before = await getPlan(org, id);
  if (await inUse(org, id)) throw new PlanInUse('Customers have joined this plan.');
  await PlanModel.deleteOne({ org, _id: id });
  return before;
}

export const listPacks = async (org: string, activeOnly = false) =>
  (
    await PackModel.find({ org, ...(activeOnly ? { active: true } : {}) })
      .sort({ createdAt: 1 })
      .lean<Pack[]>()
  ).map(view);
export async function findPack(org: string, id: string): Promise<Pack> {
  const p = await PackModel.findOne({ org, _id: id }).lean<Pack>();
  if (!p) throw new NotFound('No such class pack.');
  return p;
}
export const getPack = async (org: string, id: string) => view(await findPack(org, id));

export async function createPack(org: string, input: z.infer<typeof packInput>) {
  await checkServices(org, [{ field: 'serviceIds', ids: input.serviceIds }]);
  const at = new Date();
  const doc = { _id: `pack_${randomId(9)}`, org, ...input, createdAt: at, updatedAt: at };
  await PackModel.create(doc);
  return getPack(org, doc._id);
}

export async function updatePack(org: string, id: string, patch: z.infer<typeof packPatch>) {
  const before = await getPack(org, id);
  if (patch.serviceIds) await checkServices(org, [{ field: 'serviceIds', ids: patch.serviceIds }]);
  await PackModel.updateOne({ org, _id: id }, toUpdate({ ...patch, updatedAt: new Date() }));
  return { before, after: await getPack(org, id) };
}

export async function deletePack(org: string, id: string, inUse: (org: string, packId: string) => Promise<boolean>) {
  const before = await getPack(org, id);
  if (await inUse(org, id)) throw new PlanInUse('Customers have bought this pack.');
  await PackModel.deleteOne({ org, _id: id });
  return before;
}
