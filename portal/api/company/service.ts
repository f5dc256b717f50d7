// Company information and policies (terms, privacy, refund) of an organisation, as customers and staff see them.
import { z } from 'zod';
import { NotFound } from '../../../lib/errors.ts';
import { imageUrl } from '../portals/branding.ts';
import { renderMarkdown } from './markdown.ts';
import { CompanyModel, POLICY_KINDS, type Company, type PolicyKind } from './model.ts';

const TITLES: Record<PolicyKind, string> = { terms: 'Terms and conditions', privacy: 'Privacy policy', refund: 'Refund policy' };
const text = (max: number) => z.string().trim().max(max).nullable().optional();

export const companyInput = z.strictObject({
  name: text(120),
  legalName: text(200),
  taxNumber: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9 .-]{2,30}$/, 'use letters, digits, spaces, dots and dashes, e.g. GB123456789')
    .nullable()
    .optional(),
  address: text(500),
  email: z.email().nullable().optional(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{6,20}$/, 'use digits, spaces, dashes and an optional leading +')
    .nullable()
    .optional(),
  website: imageUrl.nullable().optional(),
  openingHours: text(1000),
});
export const policyInput = z.strictObject({ markdown: z.string().max(100_000, 'at most 100,000 characters') });
export const policyKind = z.enum(POLICY_KINDS);

async function find(org: string): Promise<Company | null> {
  return CompanyModel.findOne({ _id: org, org }).lean<Company>();
}

export function companyView(c: Company | null, fallbackName: string) {
  return {
    name: c?.name || fallbackName,
    legalName: c?.legalName || undefined,
    taxNumber: c?.taxNumber || undefined,
    address: c?.address || undefined,
    email: c?.email || undefined,
    phone: c?.phone || undefined,
    website: c?.website || undefined,
    openingHours: c?.openingHours || undefined,
    policies: POLICY_KINDS.filter((k) => c?.policies?.[k]?.markdown).map((kind) => ({
      kind,
      title: TITLES[kind],
      updatedAt: c!.policies![kind]!.updatedAt,
    })),
  };
}

export async function getCompany(org: string, fallbackName: string) {
  return companyView(await find(org), fallbackName);
}

export async function updateCompany(org: string, fallbackName: string, input: z.infer<typeof companyInput>) {
  const fields = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v ?? ''])); // null clears
  await CompanyModel.updateOne({ _id: org, org }, { $set: { ...fields, updatedAt: new Date() } }, { upsert: true });
  return getCompany(org, fallbackName);
}

export async function getPolicy(org: string, kind: PolicyKind) {
  const policy = (await find(org))?.policies?.[kind];
  if (!policy?.markdown) throw new NotFound(`No ${TITLES[kind].toLowerCase()} has been published.`);
  return { kind, title: TITLES[kind], markdown: policy.markdown, html: policy.html, updatedAt: policy.updatedAt };
}

/** Publishes a policy; an empty text withdraws it. */
export async function putPolicy(org: string, kind: PolicyKind, markdown: string) {
  const updatedAt = new Date();
  const policy = markdown.trim() ? { markdown, html: renderMarkdown(markdown), updatedAt } : { markdown: '', html: '', updatedAt };
  // One field of one document per policy, so editing two policies at once loses neither.
  await CompanyModel.updateOne({ _id: org, org }, { $set: { [`policies.${kind}`]: policy, updatedAt } }, { upsert: true });
  return { kind, title: TITLES[kind], ...policy };
}
